"""Properties of maximum, argmax, softmax, log_softmax, logsumexp and dot."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_close, finite, medium, small, vectors

from lecture_code import (
    argmax,
    dot,
    log_softmax,
    logsumexp,
    max_reduce,
    maximum,
    sigmoid,
    softmax,
)


def numpy_softmax(xs, temperature=1.0):
    """Independent reference: exp(x/T - max) / sum."""
    z = np.asarray(xs, dtype=float) / temperature
    e = np.exp(z - z.max())
    return (e / e.sum()).tolist()


# Lists with many ties, to exercise "ties go to the first index".
tied_vectors = st.lists(st.sampled_from([-1.0, 0.0, 0.5, 2.0]), min_size=1, max_size=8)


# ---------------------------------------------------------------- maximum


@given(finite(), finite())
def test_maximum_is_commutative(a, b):
    assert maximum(a, b) == maximum(b, a)


@given(finite(), finite(), finite())
def test_maximum_is_associative(a, b, c):
    assert maximum(maximum(a, b), c) == maximum(a, maximum(b, c))


@given(finite(), finite())
def test_maximum_is_an_upper_bound_and_one_of_its_inputs(a, b):
    m = maximum(a, b)
    assert m >= a and m >= b and m in (a, b)


@given(st.lists(finite(), min_size=1, max_size=20))
def test_max_reduce_agrees_with_builtin_max(xs):
    assert max_reduce(xs) == max(xs)


# ---------------------------------------------------------------- argmax


@given(st.one_of(vectors, tied_vectors))
def test_argmax_is_one_hot_at_numpys_first_maximum(xs):
    """np.argmax returns the first of tied maxima, as argmax must."""
    one_hot = argmax(xs)
    assert one_hot == np.eye(len(xs))[np.argmax(xs)].tolist()
    assert all(type(v) is float for v in one_hot)


# ---------------------------------------------------------------- softmax


@given(vectors)
def test_softmax_is_a_distribution(xs):
    s = softmax(xs)
    assert len(s) == len(xs)
    assert all(p > 0.0 for p in s)
    assert_close(math.fsum(s), 1.0, 1e-12)


@given(vectors, small)
def test_softmax_is_shift_invariant(xs, c):
    assert_close(softmax([x + c for x in xs]), softmax(xs), 1e-12)


@given(vectors)
def test_softmax_keeps_the_order_of_its_inputs(xs):
    s = softmax(xs)
    for i, xi in enumerate(xs):
        for j, xj in enumerate(xs):
            if xi == xj:
                assert s[i] == s[j]
            elif xi < xj:
                assert s[i] <= s[j]
                if xj - xi > 1e-6:
                    assert s[i] < s[j]


@given(vectors, st.data())
def test_softmax_tends_to_argmax_as_temperature_goes_to_zero(xs, data):
    # Make the maximum unique by a margin of at least 0.1.
    i = data.draw(st.integers(0, len(xs) - 1))
    xs[i] = max(xs) + data.draw(st.floats(0.1, 10.0))
    assert_close(softmax(xs, temperature=1e-3), argmax(xs), 1e-12)


@given(vectors)
def test_softmax_tends_to_uniform_as_temperature_goes_to_infinity(xs):
    n = len(xs)
    assert_close(softmax(xs, temperature=1e12), [1.0 / n] * n, 1e-9)


@given(vectors, st.floats(0.05, 100.0))
def test_softmax_matches_numpy(xs, temperature):
    assert_close(softmax(xs, temperature), numpy_softmax(xs, temperature), 1e-9)


@given(small)
def test_sigmoid_is_first_entry_of_two_class_softmax(x):
    assert_close(sigmoid(x), softmax([x, 0.0])[0], 1e-12)


def test_softmax_is_stable_for_large_inputs():
    s = softmax([1000, 1000, 0])
    assert s[:2] == [0.5, 0.5]
    assert 0.0 <= s[2] < 1e-300
    assert softmax([-1e4, 1e4]) == [0.0, 1.0]
    assert softmax([1e308, -1e308]) == [1.0, 0.0]
    assert softmax([3.0], temperature=1e-300) == [1.0]


# ---------------------------------------------------------------- logsumexp, log_softmax


@given(vectors)
def test_log_softmax_is_log_of_softmax(xs):
    assert_close(log_softmax(xs), [math.log(p) for p in softmax(xs)], 1e-9)


@given(vectors)
def test_logsumexp_matches_direct_computation_in_safe_range(xs):
    direct = math.log(math.fsum(math.exp(x) for x in xs))
    assert_close(logsumexp(xs), direct, 1e-12)


@given(st.lists(medium, min_size=1, max_size=8))
def test_logsumexp_is_a_smooth_maximum(xs):
    """max(x) ≤ logsumexp(x) ≤ max(x) + log n."""
    lse = logsumexp(xs)
    assert max(xs) <= lse <= max(xs) + math.log(len(xs)) + 1e-12 * max(1.0, abs(lse))


@given(st.lists(medium, min_size=1, max_size=8))
def test_logsumexp_matches_numpy(xs):
    assert_close(logsumexp(xs), float(np.logaddexp.reduce(np.asarray(xs))), 1e-12)


def test_logsumexp_is_stable_for_large_inputs():
    assert logsumexp([1e4, 1e4]) == 1e4 + math.log(2)
    assert logsumexp([-1e4, -1e4]) == -1e4 + math.log(2)
    assert log_softmax([1e4, 0.0]) == [0.0, -1e4]


# ---------------------------------------------------------------- dot


@given(st.data(), st.integers(1, 8))
def test_dot_matches_numpy(data, n):
    u = data.draw(st.lists(small, min_size=n, max_size=n))
    v = data.draw(st.lists(small, min_size=n, max_size=n))
    assert_close(dot(u, v), float(np.dot(u, v)), 1e-9)


# ---------------------------------------------------------------- bad input

VECTOR_FUNCTIONS = [max_reduce, argmax, softmax, log_softmax, logsumexp]


@pytest.mark.parametrize("fn", VECTOR_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ([], ValueError, "xs must not be empty"),
        ((), ValueError, "xs must not be empty"),
        ([1.0, math.nan], ValueError, r"xs\[1\] must be finite, got nan"),
        ([math.inf], ValueError, r"xs\[0\] must be finite, got inf"),
        ([-math.inf, 0.0], ValueError, r"xs\[0\] must be finite, got -inf"),
        ([1.0, "2"], TypeError, r"xs\[1\] must be a number, got '2'"),
        ([True, 0.0], TypeError, r"xs\[0\] must be a number, got True"),
        ("123", TypeError, "xs must be a list of numbers, got str"),
        (3.0, TypeError, "xs must be a list of numbers, got float"),
        (None, TypeError, "xs must be a list of numbers, got NoneType"),
    ],
)
def test_vector_functions_reject_bad_xs(fn, bad, error, message):
    with pytest.raises(error, match=f"^{fn.__name__}: {message}"):
        fn(bad)


@pytest.mark.parametrize(
    ("temperature", "error", "message"),
    [
        (0, ValueError, "temperature must be > 0, got 0"),
        (0.0, ValueError, r"temperature must be > 0, got 0.0"),
        (-1.5, ValueError, r"temperature must be > 0, got -1.5"),
        (math.nan, ValueError, "temperature must be finite, got nan"),
        (math.inf, ValueError, "temperature must be finite, got inf"),
        (True, TypeError, "temperature must be a number, got True"),
        ("1", TypeError, "temperature must be a number, got '1'"),
    ],
)
def test_softmax_rejects_bad_temperature(temperature, error, message):
    with pytest.raises(error, match=f"^softmax: {message}"):
        softmax([1.0, 2.0], temperature)


def test_maximum_rejects_bad_numbers():
    with pytest.raises(ValueError, match="^maximum: b must be finite, got nan"):
        maximum(1.0, math.nan)
    with pytest.raises(TypeError, match="^maximum: a must be a number, got None"):
        maximum(None, 1.0)


def test_dot_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"^dot: u and v must have the same length \(2 != 3\)"):
        dot([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="^dot: v must not be empty"):
        dot([1.0], [])
