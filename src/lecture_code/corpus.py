"""A short text written for the lecture, to train the bigram stand-in for GPT-3 on."""

TEXT = """
The network reads the input. The network scores every word. The softmax turns the
scores into a distribution. The model samples the next word from the distribution.
The gate mixes the input with the memory. The gate learns which input matters.
Attention mixes the values. Attention scores every key against the query.
The query asks a question. The key answers the question. The value carries the answer.
The model learns the weights. The weights decide the scores. The scores decide the next word.
"""
