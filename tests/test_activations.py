"""Properties of ReLU, step, sigmoid, softplus and their backward passes."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, example, given
from strategies import assert_accurate, assert_close, central_difference, finite, small

from lecture_code import (
    relu,
    relu_back,
    sigmoid,
    sigmoid_back,
    softmax,
    softplus,
    step,
)

# ---------------------------------------------------------------- ReLU and step


@given(finite())
def test_relu_matches_numpy_maximum(x):
    assert relu(x) == np.maximum(x, 0.0)
    assert relu(x) >= 0.0


@given(finite())
@example(0.0)
@example(-0.0)
def test_step_matches_numpy_heaviside(x):
    """step(0) = 0: the value given to np.heaviside at 0."""
    assert step(x) == np.heaviside(x, 0.0)


@given(small)
def test_relu_central_difference_is_step_away_from_zero(x):
    assume(abs(x) > 1e-3)
    assert_close(central_difference(relu, x, h=1e-6), step(x), 1e-6)


@given(finite(), finite())
@example(0.0, 2.5)  # x = 0 with d != 0: two drawn floats rarely hit it
@example(-0.0, -2.5)
def test_relu_back_is_heaviside_times_upstream(x, d):
    assert relu_back(x, d) == np.heaviside(x, 0.0) * d


@given(small, finite(10.0))
def test_relu_back_matches_central_difference(x, d):
    assume(abs(x) > 1e-3)
    assert_close(relu_back(x, d), central_difference(relu, x, h=1e-6) * d, 1e-6)


def test_relu_returns_floats():
    assert relu(3) == 3.0 and isinstance(relu(3), float)
    assert relu(-2) == 0.0 and isinstance(relu(-2), float)


# ---------------------------------------------------------------- sigmoid


@given(finite(1e308))
def test_sigmoid_is_in_unit_interval_for_any_finite_x(x):
    s = sigmoid(x)
    assert 0.0 <= s <= 1.0


def test_sigmoid_of_zero_is_half():
    assert sigmoid(0) == 0.5


@given(small)
def test_sigmoid_is_symmetric(x):
    """σ(−x) = 1 − σ(x)."""
    assert_close(sigmoid(-x), 1.0 - sigmoid(x), 1e-12)


@given(finite(), finite())
def test_sigmoid_is_increasing(x, y):
    lo, hi = sorted((x, y))
    assert sigmoid(lo) <= sigmoid(hi)


@given(small)
def test_sigmoid_is_two_class_softmax(x):
    assert_close(sigmoid(x), softmax([x, 0.0])[0], 1e-12)


@given(small, finite(10.0))
def test_sigmoid_back_matches_central_difference(x, d):
    numeric = central_difference(sigmoid, x) * d
    assert_close(sigmoid_back(x, d), numeric, 1e-6)


def sigmoid_derivative_longdouble(x):
    """d/dx 1/(1 + e^(−x)) = e^(−x) / (1 + e^(−x))², in numpy's long double.

    That is 64 bits of mantissa on x86; where long double is a double, this form is still
    within a few ulps for |x| ≤ 50, well inside the tolerance.
    """
    e = np.exp(-np.longdouble(x))
    return e / (np.longdouble(1) + e) ** 2


@given(small, finite())
def test_sigmoid_back_matches_a_long_double_reference(x, d):
    ref = sigmoid_derivative_longdouble(x) * np.longdouble(d)
    assert_accurate(sigmoid_back(x, d), Fraction(*ref.as_integer_ratio()), 1e-13)


def test_sigmoid_saturates_exactly_without_overflow():
    assert sigmoid(1e4) == 1.0
    assert sigmoid(-1e4) == 0.0
    assert sigmoid(1e308) == 1.0
    assert sigmoid(-1e308) == 0.0
    assert sigmoid_back(1e4, 1.0) == 0.0


# ---------------------------------------------------------------- softplus


@given(small)
def test_softplus_matches_naive_formula_in_safe_range(x):
    assert_close(softplus(x), math.log1p(math.exp(x)), 1e-12)


@given(small)
def test_softplus_difference_is_identity(x):
    """softplus(x) − softplus(−x) = x."""
    assert_close(softplus(x) - softplus(-x), x, 1e-12)


@given(small)
def test_log_sigmoid_is_minus_softplus(x):
    assert_close(-softplus(-x), math.log(sigmoid(x)), 1e-9)


def test_softplus_is_stable():
    assert softplus(1e4) == 1e4
    assert softplus(-1e4) == 0.0


# ---------------------------------------------------------------- bad input

ONE_ARG = [relu, step, sigmoid, softplus]
TWO_ARGS = [relu_back, sigmoid_back]


@pytest.mark.parametrize("fn", ONE_ARG, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ("a", TypeError, "x must be a number, got 'a'"),
        (None, TypeError, "x must be a number, got None"),
        (True, TypeError, "x must be a number, got True"),
        ([1.0], TypeError, r"x must be a number, got \[1.0\]"),
        (math.nan, ValueError, "x must be finite, got nan"),
        (math.inf, ValueError, "x must be finite, got inf"),
        (-math.inf, ValueError, "x must be finite, got -inf"),
        (10**400, ValueError, "x must be finite"),
    ],
)
def test_one_argument_functions_reject_bad_x(fn, bad, error, message):
    with pytest.raises(error, match=f"^{fn.__name__}: {message}"):
        fn(bad)


@pytest.mark.parametrize("fn", TWO_ARGS, ids=lambda f: f.__name__)
def test_backward_passes_reject_bad_upstream(fn):
    with pytest.raises(ValueError, match=f"^{fn.__name__}: d must be finite, got nan"):
        fn(1.0, math.nan)
    with pytest.raises(TypeError, match=f"^{fn.__name__}: d must be a number, got False"):
        fn(1.0, False)


def test_backward_passes_reject_bad_x_naming_themselves():
    with pytest.raises(ValueError, match="^relu_back: x must be finite, got inf"):
        relu_back(math.inf, 1.0)
    with pytest.raises(TypeError, match="^sigmoid_back: x must be a number, got '1'"):
        sigmoid_back("1", 1.0)
