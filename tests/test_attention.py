"""Properties of scaled dot-product attention, against a numpy reference."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import HIGH, assert_accurate, assert_close, exact, high_sum, matrices, softmax_ref

from lecture_code import attention, attention_weights


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


def reference_weights(q, K):
    """softmax_j(q · k_j / √d) to 60 digits, with the dot products exact."""
    root_d = HIGH.sqrt(len(q))
    dots = [
        high_sum(HIGH.multiply(exact(a), exact(b)) for a, b in zip(q, k, strict=True)) for k in K
    ]
    return softmax_ref([HIGH.divide(dot, root_d) for dot in dots])


@given(qkv())
def test_attention_matches_a_60_digit_reference(data):
    Q, K, V = data
    out = attention(Q, K, V)
    assert len(out) == len(Q)
    for q, row in zip(Q, out, strict=True):
        weights = reference_weights(q, K)
        assert len(row) == len(V[0])
        for j, got in enumerate(row):
            terms = [HIGH.multiply(w, exact(v[j])) for w, v in zip(weights, V, strict=True)]
            # A score (|s| ≤ 50) is rounded before its exp, an absolute error of ~1e-14 that
            # becomes a relative error of the weight; the mix may cancel, so the bound is
            # relative to the sum of the magnitudes.
            scale = high_sum(t.copy_abs() for t in terms)
            assert_accurate(got, high_sum(terms), 1e-12, scale=scale)


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
