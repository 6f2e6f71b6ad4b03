"""Input validation shared by the lecture modules.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right
kind, bad value) with a message of the form ``"<fn>: <name> <problem>"``, for
example ``"softmax: xs must not be empty"``. Each check returns its input
converted to floats, so the lecture code can stay free of validation noise.
"""

import math
from collections.abc import Sequence


def check_number(name: str, fn: str, x: object) -> float:
    """Return ``x`` as a finite float; reject bools, non-numbers, NaN and infinities."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"{fn}: {name} must be a number, got {x!r}")
    try:
        value = float(x)
    except OverflowError:
        raise ValueError(f"{fn}: {name} must be finite, got an int too large for a float") from None
    if not math.isfinite(value):
        raise ValueError(f"{fn}: {name} must be finite, got {x!r}")
    return value


def check_positive(name: str, fn: str, x: object) -> float:
    """Return ``x`` as a finite float that is strictly greater than 0."""
    value = check_number(name, fn, x)
    if value <= 0:
        raise ValueError(f"{fn}: {name} must be > 0, got {x!r}")
    return value


def check_vector(name: str, fn: str, xs: object) -> list[float]:
    """Return ``xs`` as a non-empty list of finite floats."""
    if isinstance(xs, str | bytes) or not isinstance(xs, Sequence):
        raise TypeError(f"{fn}: {name} must be a list of numbers, got {type(xs).__name__}")
    if len(xs) == 0:
        raise ValueError(f"{fn}: {name} must not be empty")
    return [check_number(f"{name}[{i}]", fn, x) for i, x in enumerate(xs)]


def check_matrix(name: str, fn: str, rows: object, width: int | None = None) -> list[list[float]]:
    """Return ``rows`` as a non-empty list of equally long vectors.

    If ``width`` is given, every row must have exactly that length; otherwise
    every row must be as long as the first one.
    """
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence):
        raise TypeError(f"{fn}: {name} must be a list of vectors, got {type(rows).__name__}")
    if len(rows) == 0:
        raise ValueError(f"{fn}: {name} must not be empty")
    matrix = [check_vector(f"{name}[{i}]", fn, row) for i, row in enumerate(rows)]
    expected = len(matrix[0]) if width is None else width
    for i, row in enumerate(matrix):
        if len(row) != expected:
            raise ValueError(
                f"{fn}: {name} rows must all have length {expected}, row {i} has length {len(row)}"
            )
    return matrix


def check_same_length(fn: str, name_a: str, a: Sequence, name_b: str, b: Sequence) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same length."""
    if len(a) != len(b):
        raise ValueError(
            f"{fn}: {name_a} and {name_b} must have the same length ({len(a)} != {len(b)})"
        )


def check_string(name: str, fn: str, s: object) -> str:
    """Return ``s`` if it is a string."""
    if not isinstance(s, str):
        raise TypeError(f"{fn}: {name} must be a string, got {s!r}")
    return s
