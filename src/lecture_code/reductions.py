"""Reductions over a vector: maximum, argmax, softmax, logsumexp, dot.

All of them are stable for large inputs: softmax and logsumexp subtract the
maximum before calling ``exp``, so ``exp`` never sees a positive argument.
"""

import math
from functools import reduce

from lecture_code._checks import check_number, check_positive, check_same_length, check_vector


def maximum(a: float, b: float) -> float:
    """Return the larger of two numbers.

    maximum(a, b) = a if a ≥ b else b

    Args:
        a: A finite number.
        b: A finite number.

    Returns:
        The larger of ``a`` and ``b``.
    """
    a = check_number("a", "maximum", a)
    b = check_number("b", "maximum", b)
    return a if a >= b else b


def max_reduce(xs: list[float]) -> float:
    """Maximum of a vector, as a reduction with ``maximum``.

    max_reduce(x) = maximum(... maximum(maximum(x_1, x_2), x_3) ..., x_n)

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        The largest element.
    """
    xs = check_vector("xs", "max_reduce", xs)
    return reduce(maximum, xs)


def argmax(xs: list[float]) -> list[float]:
    """One-hot argmax; ties go to the first maximal position.

    argmax(x)_i = 1 if i is the first index with x_i = max_j x_j, else 0

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        A list of floats with a single 1.0.
    """
    xs = check_vector("xs", "argmax", xs)
    best = xs.index(max_reduce(xs))
    return [1.0 if i == best else 0.0 for i in range(len(xs))]


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
    xs = check_vector("xs", "softmax", xs)
    t = check_positive("temperature", "softmax", temperature)
    m = max_reduce(xs)
    exps = [math.exp((x - m) / t) for x in xs]
    total = math.fsum(exps)
    return [e / total for e in exps]


def logsumexp(xs: list[float]) -> float:
    """Log of a sum of exponentials, the smooth maximum.

    logsumexp(x) = log sum_j exp(x_j) = m + log sum_j exp(x_j − m),  m = max_j x_j

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        A float between max(x) and max(x) + log(n).
    """
    xs = check_vector("xs", "logsumexp", xs)
    m = max_reduce(xs)
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


def log_softmax(xs: list[float]) -> list[float]:
    """Log of the softmax, without computing the softmax.

    log softmax(x)_i = x_i − logsumexp(x)

    Args:
        xs: A non-empty list of finite numbers.

    Returns:
        A list of floats ≤ 0.
    """
    xs = check_vector("xs", "log_softmax", xs)
    lse = logsumexp(xs)
    return [x - lse for x in xs]


def dot(u: list[float], v: list[float]) -> float:
    """Dot product of two vectors of the same length.

    u · v = sum_i u_i v_i

    Args:
        u: A non-empty list of finite numbers.
        v: A list of finite numbers as long as ``u``.

    Returns:
        The dot product.
    """
    u = check_vector("u", "dot", u)
    v = check_vector("v", "dot", v)
    check_same_length("dot", "u", u, "v", v)
    return math.fsum(a * b for a, b in zip(u, v, strict=True))
