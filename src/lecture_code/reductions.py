"""Reductions over a vector: maximum, argmax, softmax, logsumexp, dot.

All of them are stable for large inputs: softmax and logsumexp subtract the
maximum before calling ``exp``, so ``exp`` never sees a positive argument.
"""

import math
from fractions import Fraction
from functools import reduce

from lecture_code._checks import checked


@checked
def maximum(a: float, b: float) -> float:
    """Return the larger of two numbers.

    maximum(a, b) = a if a ≥ b else b

    Args:
        a: A finite number.
        b: A finite number.

    Returns:
        The larger of ``a`` and ``b``.
    """
    return a if a >= b else b


@checked
def max_reduce(xs: list[float]) -> float:
    """Maximum of a vector, as a reduction with ``maximum``.

    max_reduce(x) = maximum(... maximum(maximum(x_1, x_2), x_3) ..., x_n)

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        The largest element.
    """
    return reduce(maximum, xs)


@checked
def argmax(xs: list[float]) -> list[float]:
    """One-hot argmax; ties go to the first maximal position.

    argmax(x)_i = 1 if i is the first index with x_i = max_j x_j, else 0

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        A list of floats with a single 1.0.
    """
    best = xs.index(max_reduce(xs))
    return [1.0 if i == best else 0.0 for i in range(len(xs))]


@checked(positive=("temperature",))
def softmax(xs: list[float], temperature: float = 1.0) -> list[float]:
    """Softmax with temperature T.

    softmax(x)_i = exp(x_i / T) / sum_j exp(x_j / T)

    Stable form: subtract m = max_j x_j first, which changes nothing, since
    softmax(x − m) = softmax(x). As T → 0 it tends to argmax(x); as T → ∞ it
    tends to the uniform distribution.

    Args:
        xs: A non-empty list of finite numbers.
        temperature: T > 0.

    Returns:
        A list of positive floats that sums to 1.
    """
    m = max_reduce(xs)
    exps = [math.exp((x - m) / temperature) for x in xs]
    total = math.fsum(exps)
    return [e / total for e in exps]


def _log_partition(xs: list[float]) -> tuple[float, float]:
    """Return m = max_j x_j and log sum_j exp(x_j − m).

    The sum is 1 + s, where s = sum_j exp(x_j − m) − 1 sums the other terms exactly
    (exp(0) = 1 exactly), and log(1 + s) is taken as log1p(s): 1 + s is never
    rounded, so a tiny s is not lost.
    """
    m = max_reduce(xs)
    s = math.fsum([*(math.exp(x - m) for x in xs), -1.0])
    return m, math.log1p(s)


@checked
def logsumexp(xs: list[float]) -> float:
    """Log of a sum of exponentials, the smooth maximum.

    logsumexp(x) = log sum_j exp(x_j) = m + log sum_j exp(x_j − m),  m = max_j x_j

    Stable form: the log is log1p(sum_j exp(x_j − m) − 1), so logsumexp([0, −40])
    is 4.2e-18, not 0.

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        A float between max(x) and max(x) + log(n).
    """
    m, log_sum = _log_partition(xs)
    return m + log_sum


@checked(overflow="log softmax(x)_i")
def log_softmax(xs: list[float]) -> list[float]:
    """Log of the softmax, without computing the softmax.

    log softmax(x)_i = x_i − logsumexp(x)

    Stable form: (x_i − m) − log sum_j exp(x_j − m), so the m in logsumexp(x) is
    never added and subtracted again (which would round a small result to 0).

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        A list of floats ≤ 0.
    """
    m, log_sum = _log_partition(xs)
    return [(x - m) - log_sum for x in xs]


@checked(shapes={"u": "n", "v": "n"}, overflow="u · v")
def dot(u: list[float], v: list[float]) -> float:
    """Dot product of two vectors of the same length.

    u · v = sum_i u_i v_i

    Exact form: the products and their sum are exact fractions, rounded once, so no
    product overflows or cancels. A result beyond the largest float is an error.

    Args:
        u: A non-empty list of finite numbers.
        v: A list of finite numbers as long as ``u``.

    Returns:
        The dot product, correctly rounded.
    """
    return float(sum(Fraction(a) * Fraction(b) for a, b in zip(u, v, strict=True)))
