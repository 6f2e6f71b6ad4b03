"""Properties of scaled dot-product attention, against a numpy reference."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_close, matrices

from lecture_code import attention, attention_weights, softmax_gate


def numpy_attention_weights(Q, K):
    Q, K = np.asarray(Q, dtype=float), np.asarray(K, dtype=float)
    s = Q @ K.T / np.sqrt(Q.shape[1])
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@st.composite
def qkv(draw, n_queries=None):
    d = draw(st.integers(1, 4))
    n_keys = draw(st.integers(1, 5))
    Q = draw(matrices(rows=n_queries, width=d, bound=5.0))
    K = draw(matrices(rows=n_keys, width=d, bound=5.0))
    V = draw(matrices(rows=n_keys, bound=10.0))
    return Q, K, V


@given(qkv())
def test_attention_weight_rows_are_distributions(data):
    Q, K, _ = data
    weights = attention_weights(Q, K)
    assert len(weights) == len(Q)
    for row in weights:
        assert len(row) == len(K)
        assert all(w >= 0.0 for w in row)
        assert_close(math.fsum(row), 1.0, 1e-12)


@given(qkv())
def test_attention_weights_match_numpy(data):
    Q, K, _ = data
    assert_close(attention_weights(Q, K), numpy_attention_weights(Q, K).tolist(), 1e-9)


@given(qkv())
def test_attention_matches_numpy(data):
    Q, K, V = data
    expected = numpy_attention_weights(Q, K) @ np.asarray(V, dtype=float)
    assert_close(attention(Q, K, V), expected.tolist(), 1e-9)


@given(qkv(n_queries=1))
def test_attention_of_one_query_is_a_softmax_gate(data):
    Q, K, V = data
    q = Q[0]
    R = [math.fsum(a * b for a, b in zip(q, k, strict=True)) / math.sqrt(len(q)) for k in K]
    assert_close(attention(Q, K, V)[0], softmax_gate(V, R), 1e-12)


@given(qkv(), st.randoms(use_true_random=False))
def test_attention_ignores_the_order_of_key_value_pairs(data, rng):
    Q, K, V = data
    pairs = list(zip(K, V, strict=True))
    rng.shuffle(pairs)
    K2, V2 = [k for k, _ in pairs], [v for _, v in pairs]
    assert_close(attention(Q, K2, V2), attention(Q, K, V), 1e-9)


@given(qkv())
def test_attention_outputs_lie_in_the_hull_of_the_values(data):
    Q, K, V = data
    for out in attention(Q, K, V):
        for j, value in enumerate(out):
            column = [v[j] for v in V]
            assert min(column) - 1e-9 <= value <= max(column) + 1e-9


def test_attention_with_a_dominant_key_copies_its_value():
    Q = [[100.0, 0.0]]
    K = [[1.0, 0.0], [0.0, 1.0]]
    V = [[1.0, 2.0], [3.0, 4.0]]
    assert_close(attention(Q, K, V), [[1.0, 2.0]], 1e-12)


def test_attention_is_stable_for_large_scores():
    assert attention([[1e4]], [[1e4], [-1e4]], [[1.0], [2.0]]) == [[1.0]]


@pytest.mark.parametrize(
    ("Q", "K", "V", "error", "message"),
    [
        (
            [[1.0]],
            [[1.0], [2.0], [3.0]],
            [[1.0], [2.0]],
            ValueError,
            r"K and V must have the same length \(3 != 2\)",
        ),
        (
            [[1.0, 2.0]],
            [[1.0, 2.0], [1.0]],
            [[1.0], [2.0]],
            ValueError,
            "K rows must all have length 2, row 1 has length 1",
        ),
        (
            [[1.0, 2.0]],
            [[1.0]],
            [[1.0]],
            ValueError,
            "K rows must all have length 2, row 0 has length 1",
        ),
        (
            [[1.0]],
            [[1.0]],
            [[1.0], [1.0, 2.0]],
            ValueError,
            r"V rows must all have length 1, row 1 has length 2",
        ),
        ([], [[1.0]], [[1.0]], ValueError, "Q must not be empty"),
        ([[1.0]], [], [], ValueError, "K must not be empty"),
        ([[math.nan]], [[1.0]], [[1.0]], ValueError, r"Q\[0\]\[0\] must be finite, got nan"),
        ([[1.0]], [[1.0]], [["v"]], TypeError, r"V\[0\]\[0\] must be a number, got 'v'"),
    ],
)
def test_attention_rejects_bad_input(Q, K, V, error, message):
    with pytest.raises(error, match=f"^attention: {message}"):
        attention(Q, K, V)


def test_attention_weights_reject_bad_input():
    with pytest.raises(ValueError, match="^attention_weights: K rows must all have length 1"):
        attention_weights([[1.0]], [[1.0, 2.0]])
    with pytest.raises(
        ValueError, match=r"^attention_weights: Q\[0\]\[0\] must be finite, got inf"
    ):
        attention_weights([[math.inf]], [[1.0]])
