"""A short text written for the lecture, to train the bigram stand-in for GPT-3 on."""

TEXT = """
A neural network learns from examples. The network learns weights that make the loss small.
Each layer of the network computes a weighted sum and an activation. The network predicts
the next word with a softmax over its scores. A network learns slowly when the gradient is
small, so the network learns faster with ReLU. A trained network predicts well on new examples,
and the network is then used to sample text one word at a time.
"""
