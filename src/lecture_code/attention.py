"""Scaled dot-product attention, built from the softmax gate.

Each query q is compared with every key k; the scaled scores q · k / √d go
through a softmax gate that mixes the values V.
"""

import math

from lecture_code._checks import checked
from lecture_code.gates import softmax_gate
from lecture_code.reductions import dot, softmax


@checked(shapes={"q": "d", "K": "m d"}, overflow="q · k_j")
def scores(q: list[float], K: list[list[float]]) -> list[float]:
    """Scaled dot-product scores of one query against all keys.

    s_j = q · k_j / √d,  d = len(q)

    Args:
        q: The query vector.
        K: The keys, each as long as ``q``.

    Returns:
        One score per key.
    """
    return [dot(q, k) / math.sqrt(len(q)) for k in K]


@checked(shapes={"Q": "n d", "K": "m d"}, overflow="q_i · k_j")
def attention_weights(Q: list[list[float]], K: list[list[float]]) -> list[list[float]]:
    """Attention weights of every query over the keys.

    A_ij = softmax_j(q_i · k_j / √d)

    Args:
        Q: The queries, all of length d.
        K: The keys, all of length d.

    Returns:
        One row of weights per query; each row sums to 1.
    """
    return [softmax(scores(q, K)) for q in Q]


@checked(shapes={"Q": "n d", "K": "m d", "V": "m e"}, overflow="q_i · k_j")
def attention(
    Q: list[list[float]], K: list[list[float]], V: list[list[float]]
) -> list[list[float]]:
    """Scaled dot-product attention.

    Attention(Q, K, V)_i = sum_j A_ij V_j = softmax_gate(V, q_i · K / √d)

    Args:
        Q: The queries, all of length d.
        K: The keys, all of length d.
        V: The values, one per key, all of the same length.

    Returns:
        One output vector per query, each as long as the rows of V.
    """
    return [softmax_gate(V, scores(q, K)) for q in Q]
