"""Shared Hypothesis strategies and helpers for the lecture-code tests."""

import decimal
import math
from fractions import Fraction

from hypothesis import strategies as st


def finite(bound: float = 1e6) -> st.SearchStrategy[float]:
    """Finite floats in [-bound, bound]."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


# Small enough that exp() of any difference is safe and sums stay accurate.
small = finite(50.0)
medium = finite(1e3)

vectors = st.lists(small, min_size=1, max_size=8)


def matrices(rows: int | None = None, width: int | None = None, bound: float = 10.0):
    """Rectangular lists of lists with the given (or a drawn) number of rows and width."""

    @st.composite
    def draw_matrix(draw):
        n = rows if rows is not None else draw(st.integers(1, 5))
        d = width if width is not None else draw(st.integers(1, 4))
        row = st.lists(finite(bound), min_size=d, max_size=d)
        return draw(st.lists(row, min_size=n, max_size=n))

    return draw_matrix()


def assert_close(a, b, tol: float = 1e-9) -> None:
    """Assert |a - b| <= tol * max(1, |a|, |b|), elementwise for (nested) sequences."""
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), f"{a!r} vs {b!r}"
        for x, y in zip(a, b, strict=True):
            assert_close(x, y, tol)
        return
    a, b = float(a), float(b)
    assert math.isfinite(a) and math.isfinite(b), f"{a!r} vs {b!r}"
    assert abs(a - b) <= tol * max(1.0, abs(a), abs(b)), f"{a!r} != {b!r} (tol {tol})"


def central_difference(f, x: float, h: float = 1e-5) -> float:
    """(f(x + h) - f(x - h)) / 2h."""
    return (f(x + h) - f(x - h)) / (2 * h)


# The whole range of floats short of the last few ulps below the largest one, for the
# numerics tests: they must hold for extreme finite inputs, not just friendly ones.
wide = finite(1e308)

SMALLEST_NORMAL = 2.2250738585072014e-308
HIGH = decimal.Context(prec=800, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
# exp and ln of the references, to 60 digits: at 800 they took most of the lecture-code tests'
# time (4 ms an exp). A value to 60 digits is a relative error of 1e-60, far below the 1e-12 to
# 1e-14 the tests ask for; the sums, products and differences built from them stay exact at
# 800 digits, so where a test's expression cancels, it cancels exactly as before. No test
# subtracts two transcendental values that agree to more than 45 digits: where an expression
# may cancel (a soft gate, logsumexp), its bound is relative to the terms' magnitudes.
FINE = decimal.Context(prec=60, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def exact(x) -> decimal.Decimal:
    """The exact value of a float (or Fraction, to 800 digits) as a Decimal."""
    if isinstance(x, Fraction):
        return HIGH.divide(decimal.Decimal(x.numerator), decimal.Decimal(x.denominator))
    return decimal.Decimal(x)


def sigmoid_ref(x) -> decimal.Decimal:
    """σ(x) to 60 digits (its exp to 60, the division to 800)."""
    z = FINE.exp(exact(x).copy_abs().copy_negate())
    return HIGH.divide(1, HIGH.add(1, z)) if x >= 0 else HIGH.divide(z, HIGH.add(1, z))


def softplus_ref(x) -> decimal.Decimal:
    """log(1 + exp(x)) as max(x, 0) + log(1 + exp(−|x|)), its exp and ln to 60 digits."""
    x = exact(x)
    return HIGH.add(max(x, 0), FINE.ln(HIGH.add(1, FINE.exp(x.copy_abs().copy_negate()))))


def high_sum(values) -> decimal.Decimal:
    """Sum numbers (Decimals, Fractions or floats) to 800 digits."""
    total = decimal.Decimal(0)
    for v in values:
        total = HIGH.add(total, exact(v))
    return total


def softmax_ref(xs) -> list[decimal.Decimal]:
    """exp(x_i) / sum_j exp(x_j), straight from the definition: each exp to 60 digits.

    No maximum is subtracted: a Decimal does not overflow for moderate x (|x| up to ~1e6).
    """
    exps = [FINE.exp(exact(x)) for x in xs]
    total = high_sum(exps)
    return [HIGH.divide(e, total) for e in exps]


def assert_accurate(got: float, ref, tol: float = 1e-13, scale=None) -> None:
    """Assert |got − ref| ≤ tol · scale, plus a few subnormal ulps (scale defaults to |ref|).

    ``ref`` is a high-precision reference (Decimal or Fraction). Pass ``scale`` where the
    problem itself cancels (e.g. the sum of the magnitudes of the terms).
    """
    ref = exact(ref)
    scale = ref.copy_abs() if scale is None else exact(scale)
    assert math.isfinite(got), f"{got!r} vs {ref}"
    error = HIGH.subtract(exact(got), ref).copy_abs()
    bound = HIGH.add(HIGH.multiply(exact(tol), scale), exact(4 * 2.0**-1074))
    assert error <= bound, f"{got!r} vs {ref:.20e}: error {error:.3e} > {bound:.3e}"
