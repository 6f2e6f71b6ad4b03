"""Shared Hypothesis strategies and helpers for the lecture-code tests."""

import math

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
