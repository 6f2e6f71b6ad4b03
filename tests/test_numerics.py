"""Numerics over the whole float range, against exact or 60-digit references.

Each test here failed before the fix it names: the stable form in the docstring of
the function under test.
"""

from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import FINE, HIGH, assert_accurate, exact, sigmoid_ref, softplus_ref, wide

from lecture_code import (
    dot,
    log_softmax,
    logsumexp,
    predict,
    sigmoid_back,
    sigmoid_loss,
    soft_gate,
    soft_gate_grad,
    step_loss,
)

# Exact values at or beyond this round to inf: the largest float plus half an ulp.
LARGEST = Fraction(1.7976931348623157e308) + Fraction(2.0**970)
wide_vectors = st.lists(wide, min_size=1, max_size=6)


def HIGH_SUM(values):  # noqa: N802 - reads like the context it uses
    """Sum Decimals to 800 digits."""
    total = exact(0.0)
    for v in values:
        total = HIGH.add(total, v)
    return total


def sigmoid_back_ref(x, d):
    """σ(x) σ(−x) d, from 60-digit sigmoids, multiplied to 800 digits."""
    return HIGH.multiply(HIGH.multiply(sigmoid_ref(x), sigmoid_ref(-x)), exact(d))


@given(wide, wide)
@example(40.0, 1.0)  # was 0.0: 1 − σ(40) rounds to 0; true 4.25e-18
@example(800.0, 1e300)  # was 0.0: e^(−800) underflows before the product with d
def test_sigmoid_back_is_accurate_everywhere(x, d):
    assert_accurate(sigmoid_back(x, d), sigmoid_back_ref(x, d), 1e-14)


@given(wide, wide, wide)
@example(1.0, 1e30, 40.0)  # was 1.0: the weight 1 − σ(40) of y rounded to 0
def test_soft_gate_is_accurate_everywhere(x, y, r):
    a, b = HIGH.multiply(exact(x), sigmoid_ref(r)), HIGH.multiply(exact(y), sigmoid_ref(-r))
    # The sum x σ(r) + y σ(−r) may cancel: the bound is relative to its terms.
    assert_accurate(
        soft_gate(x, y, r), HIGH.add(a, b), 1e-14, scale=HIGH.add(a.copy_abs(), b.copy_abs())
    )


@given(wide, wide, wide)
@example(1e308, -1e308, 800.0)  # was nan: x − y overflows, times σ'(800) = 0
@example(1.0, 2.0, 40.0)  # f'_y was 0.0, f'_r was -0.0
def test_soft_gate_grad_is_accurate_everywhere(x, y, r):
    fx, fy, fr = soft_gate_grad(x, y, r)
    assert_accurate(fx, sigmoid_ref(r), 1e-14)
    assert_accurate(fy, sigmoid_ref(-r), 1e-14)
    assert_accurate(fr, sigmoid_back_ref(r, HIGH.subtract(exact(x), exact(y))), 1e-14)


def logsumexp_ref(xs):
    m = max(xs)
    total = HIGH_SUM(FINE.exp(HIGH.subtract(exact(x), exact(m))) for x in xs)
    return HIGH.add(exact(m), FINE.ln(total)), m


@given(wide_vectors)
@example([0.0, -40.0])  # was 0.0: 1 + e^(−40) rounds to 1; true 4.25e-18
def test_logsumexp_is_accurate_everywhere(xs):
    ref, m = logsumexp_ref(xs)
    # m + log(...) cancels when m ≈ −log(...): the bound is relative to |m| as well.
    assert_accurate(logsumexp(xs), ref, 1e-14, scale=HIGH.add(ref.copy_abs(), exact(m).copy_abs()))


@given(wide_vectors)
@example([9.999999999999998e307, -7.97693134862316e307])  # exactly max + half an ulp
@example([10.0, -30.0])  # entry 0 was 0.0: 10 + 4e-18 − 10; true −4.25e-18
def test_log_softmax_is_accurate_everywhere(xs):
    lse, _ = logsumexp_ref(xs)
    refs = [HIGH.subtract(exact(x), lse) for x in xs]
    if any(ref.copy_abs() >= exact(LARGEST) for ref in refs):  # beyond the largest float
        with pytest.raises(ValueError, match=r"^log_softmax: log softmax\(x\)_i is too large"):
            log_softmax(xs)
        return
    for got, ref in zip(log_softmax(xs), refs, strict=True):
        assert_accurate(got, ref, 1e-14)


@st.composite
def vector_pairs(draw, extra=0):
    n = draw(st.integers(1, 6))
    return [draw(st.lists(wide, min_size=n, max_size=n)) for _ in range(2)]


def fits(value: Fraction) -> bool:
    """Whether an exact value rounds to a finite float."""
    return abs(value) < LARGEST


@given(vector_pairs())
@example([[1e200, 1e200], [1e200, -1e200]])  # was an error from fsum: inf − inf; true 0
@example([[1e308, 1e308], [10.0, -10.0]])  # was an error from fsum: inf − inf; true 0
@example([[1.0 + 2.0**-52, 1.0], [1.0 - 2.0**-52, -1.0]])  # was 0.0: true −2^−104
def test_dot_is_correctly_rounded_or_an_error(uv):
    u, v = uv
    true = sum(Fraction(a) * Fraction(b) for a, b in zip(u, v, strict=True))
    if fits(true):
        assert dot(u, v) == float(true)
    else:
        with pytest.raises(ValueError, match=r"^dot: u · v is too large for a float$"):
            dot(u, v)


@st.composite
def wide_datasets(draw):
    d, n = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    points = draw(st.lists(st.lists(wide, min_size=d, max_size=d), min_size=n, max_size=n))
    labels = draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n))
    return points, labels, draw(st.lists(wide, min_size=d, max_size=d)), draw(wide)


def exact_scores(points, w, b):
    return [
        sum((Fraction(a) * Fraction(c) for a, c in zip(w, p, strict=True)), Fraction(b))
        for p in points
    ]


@given(wide_datasets())
@example(([[1.0 + 2.0**-52]], [1], [1.0 + 2.0**-52], -1.0 - 2.0**-51))  # z = 2^−104 > 0
@example(([[1e308], [10.0]], [0, 1], [10.0], -1e308))  # w · p overflowed to inf, then nan
def test_predict_and_step_loss_use_the_exact_sign(data):
    points, labels, w, b = data
    zs = exact_scores(points, w, b)
    for p, z in zip(points, zs, strict=True):
        assert predict(p, w, b) == (1.0 if z > 0 else 0.0)
    assert step_loss(points, labels, w, b) == sum(
        (z > 0) != y for z, y in zip(zs, labels, strict=True)
    )


@given(wide_datasets())
@example(([[1e308], [1e308]], [0, 0], [1.0], 0.0))  # was an error: the sum overflowed
@example(([[1.0000000000000002]], [0], [1e20], -1e20))  # z = 22204.46…, was 16384
def test_sigmoid_loss_is_accurate_or_an_error(data):
    points, labels, w, b = data
    zs = exact_scores(points, w, b)
    if not all(fits(z) for z in zs):
        with pytest.raises(ValueError, match=r"^sigmoid_loss: w · p_i \+ b is too large"):
            sigmoid_loss(points, labels, w, b)
        return
    # Each z is rounded once (relative error 2^−53), which softplus scales by at most |z|.
    terms = [softplus_ref(float(-z if y == 1 else z)) for z, y in zip(zs, labels, strict=True)]
    ref = HIGH.divide(HIGH_SUM(terms), len(terms))
    assert_accurate(sigmoid_loss(points, labels, w, b), ref, 1e-14)
