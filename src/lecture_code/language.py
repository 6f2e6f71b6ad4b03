"""A tiny bigram word model: a small stand-in for GPT-3.

Like GPT-3 it turns the text so far into logits for the next token, turns
logits into probabilities with a softmax, and samples. Unlike GPT-3 it only
looks at the last word, and its logits are just log counts.
"""

import math
import random
import re
from itertools import pairwise

from lecture_code._checks import checked, fail
from lecture_code.reductions import softmax

Model = dict[str, dict[str, int]]


@checked
def tokenize(text: str) -> list[str]:
    """Split text into lowercase words; "." is kept as a token of its own.

    Args:
        text: Any string.

    Returns:
        The tokens, e.g. ``tokenize("The cat sat.") == ["the", "cat", "sat", "."]``.
    """
    return re.findall(r"[\w']+|\.", text.lower())


@checked
def train_bigram(text: str) -> Model:
    """Count which word follows which.

    model[a][b] = number of times token b directly follows token a

    Args:
        text: The training text, with at least two tokens.

    Returns:
        The nested dictionary of counts.
    """
    tokens = tokenize(text)
    if len(tokens) < 2:
        fail(f"text must contain at least 2 tokens, got {len(tokens)}")
    model: Model = {}
    for a, b in pairwise(tokens):
        followers = model.setdefault(a, {})
        followers[b] = followers.get(b, 0) + 1
    return model


@checked(positive=("model",))
def next_token_logits(model: Model, word: str) -> tuple[list[str], list[float]]:
    """Logits of the words that can follow ``word``.

    logit(b | a) = log count(a, b)

    Args:
        model: A model from ``train_bigram``: positive counts.
        word: The current word a.

    Returns:
        The followers sorted alphabetically, and their logits.
    """
    followers = model.get(word.lower())
    if not followers:
        fail(f"word {word.lower()!r} has no followers in the model")
    words = sorted(followers)
    return words, [math.log(followers[b]) for b in words]


@checked(positive=("model", "temperature"))
def next_token_distribution(
    model: Model, word: str, temperature: float = 1.0
) -> tuple[list[str], list[float]]:
    """Probabilities of the next word, with temperature T.

    P(b | a) = softmax(logits / T)_b = count(a, b)^(1/T) / sum_c count(a, c)^(1/T)

    Args:
        model: A model from ``train_bigram``: positive counts.
        word: The current word a.
        temperature: T > 0; small T makes the most frequent follower likelier.

    Returns:
        The followers sorted alphabetically, and their probabilities.
    """
    words, logits = next_token_logits(model, word)
    return words, softmax(logits, temperature)


@checked(positive=("model", "temperature"), nonnegative=("n_words",))
def sample_continuation(
    model: Model, start: str, n_words: int, rng: random.Random, temperature: float = 1.0
) -> list[str]:
    """Sample up to ``n_words`` words that continue ``start``.

    w_{t+1} ~ P(· | w_t),  w_0 = start

    Stops early when the current word has no followers (this includes a
    ``start`` that the model has never seen).

    Args:
        model: A model from ``train_bigram``: positive counts.
        start: The first word w_0 (not part of the result).
        n_words: The maximal number of words to sample, ≥ 0.
        rng: The only source of randomness, e.g. ``random.Random(0)``.
        temperature: T > 0, as in ``next_token_distribution``.

    Returns:
        The sampled words w_1, w_2, ...
    """
    word, continuation = start.lower(), []
    while len(continuation) < n_words and model.get(word):
        words, probs = next_token_distribution(model, word, temperature)
        word = rng.choices(words, weights=probs)[0]
        continuation.append(word)
    return continuation
