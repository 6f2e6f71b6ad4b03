"""The gate slide: the soft gate, its three derivatives, and the softmax gate."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    HIGH,
    assert_accurate,
    assert_close,
    central_difference,
    exact,
    finite,
    high_sum,
    matrices,
    sigmoid_ref,
    small,
    softmax_ref,
)

from lecture_code import soft_gate, soft_gate_grad, softmax_gate

bounded = finite(10.0)


@given(bounded, bounded, bounded)
def test_soft_gate_is_between_its_inputs(x, y, r):
    f = soft_gate(x, y, r)
    tol = 1e-12 * max(1.0, abs(x), abs(y))
    assert min(x, y) - tol <= f <= max(x, y) + tol


@given(bounded, bounded)
def test_soft_gate_at_zero_is_the_mean(x, y):
    assert_close(soft_gate(x, y, 0.0), (x + y) / 2, 1e-12)


def test_soft_gate_saturates_to_a_hard_choice():
    assert soft_gate(3.0, 7.0, 1e4) == 3.0
    assert soft_gate(3.0, 7.0, -1e4) == 7.0


@given(bounded, bounded, small)
def test_soft_gate_grad_matches_the_slide_formulas_to_60_digits(x, y, r):
    """f'_x = σ(r), f'_y = 1 − σ(r), f'_r = (x − y) σ(r) (1 − σ(r)), each to 60 digits."""
    s = sigmoid_ref(r)
    one_minus_s = HIGH.subtract(1, s)
    slope = HIGH.multiply(HIGH.subtract(exact(x), exact(y)), HIGH.multiply(s, one_minus_s))
    for got, ref in zip(soft_gate_grad(x, y, r), (s, one_minus_s, slope), strict=True):
        assert_accurate(got, ref, 1e-13)


@given(bounded, bounded, bounded)
def test_soft_gate_grad_matches_central_differences(x, y, r):
    """f'_x = σ(r), f'_y = 1 − σ(r), f'_r = (x − y) σ'(r)."""
    fx, fy, fr = soft_gate_grad(x, y, r)
    assert_close(fx, central_difference(lambda t: soft_gate(t, y, r), x), 1e-6)
    assert_close(fy, central_difference(lambda t: soft_gate(x, t, r), y), 1e-6)
    assert_close(fr, central_difference(lambda t: soft_gate(x, y, t), r), 1e-6)


# ---------------------------------------------------------------- softmax gate


@st.composite
def gate_inputs(draw):
    X = draw(matrices())
    R = draw(st.lists(finite(10.0), min_size=len(X), max_size=len(X)))
    return X, R


@given(gate_inputs())
def test_softmax_gate_is_a_convex_combination_of_rows(inputs):
    X, R = inputs
    out = softmax_gate(X, R)
    assert len(out) == len(X[0])
    for j, value in enumerate(out):
        column = [row[j] for row in X]
        tol = 1e-12 * max(1.0, *(abs(c) for c in column))
        assert min(column) - tol <= value <= max(column) + tol


@given(gate_inputs())
def test_softmax_gate_matches_numpy(inputs):
    X, R = inputs
    r = np.asarray(R)
    weights = np.exp(r - r.max()) / np.exp(r - r.max()).sum()
    assert_close(softmax_gate(X, R), (weights @ np.asarray(X)).tolist(), 1e-9)


@given(gate_inputs())
def test_softmax_gate_matches_a_60_digit_reference(inputs):
    """f(X, R) = sum_i softmax(R)_i X_i, the softmax to 60 digits, the sum to 800."""
    X, R = inputs
    weights = softmax_ref(R)
    out = softmax_gate(X, R)
    assert len(out) == len(X[0])
    for j, got in enumerate(out):
        terms = [HIGH.multiply(w, exact(row[j])) for w, row in zip(weights, X, strict=True)]
        # The sum may cancel: the bound is relative to the sum of the magnitudes.
        scale = high_sum(t.copy_abs() for t in terms)
        assert_accurate(got, high_sum(terms), 1e-13, scale=scale)


@given(bounded, bounded, bounded)
def test_softmax_gate_with_two_rows_is_the_soft_gate(x, y, r):
    assert_close(softmax_gate([[x], [y]], [r, 0.0])[0], soft_gate(x, y, r), 1e-12)


@given(matrices(rows=1))
def test_softmax_gate_of_one_row_is_that_row(X):
    assert softmax_gate(X, [3.0]) == X[0]


@pytest.mark.parametrize(
    ("X", "R", "error", "message"),
    [
        (
            [[1.0, 2.0], [1.0, 2.0, 3.0]],
            [0.0, 0.0],
            ValueError,
            "X rows must all have length 2, row 1 has length 3",
        ),
        (
            [[1.0], [2.0], [3.0]],
            [0.0, 0.0],
            ValueError,
            r"X and R must have the same length \(3 != 2\)",
        ),
        ([], [], ValueError, "X must not be empty"),
        ([[]], [0.0], ValueError, r"X\[0\] must not be empty"),
        ([[1.0]], [math.nan], ValueError, r"R\[0\] must be finite, got nan"),
        ([[1.0]], 0.0, TypeError, "R must be a list of numbers, got float"),
        ([1.0, 2.0], [0.0, 0.0], TypeError, r"X\[0\] must be a list of numbers, got float"),
    ],
)
def test_softmax_gate_rejects_bad_input(X, R, error, message):
    with pytest.raises(error, match=f"^softmax_gate: {message}"):
        softmax_gate(X, R)


@pytest.mark.parametrize("fn", [soft_gate, soft_gate_grad], ids=lambda f: f.__name__)
def test_soft_gates_reject_bad_numbers(fn):
    with pytest.raises(ValueError, match=f"^{fn.__name__}: x must be finite, got inf"):
        fn(math.inf, 1.0, 0.0)
    with pytest.raises(TypeError, match=f"^{fn.__name__}: y must be a number, got 'y'"):
        fn(1.0, "y", 0.0)
    with pytest.raises(ValueError, match=f"^{fn.__name__}: r must be finite, got nan"):
        fn(1.0, 1.0, math.nan)
