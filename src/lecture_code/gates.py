"""Gates: mixing inputs with weights that come from a sigmoid or a softmax.

The soft gate picks between two inputs x and y; the softmax gate picks among
the rows of a matrix X. Both are differentiable "soft" versions of an if.
"""

import math

from lecture_code._checks import check_matrix, check_number, check_same_length, check_vector
from lecture_code.activations import sigmoid, sigmoid_back
from lecture_code.reductions import softmax


def soft_gate(x: float, y: float, r: float) -> float:
    """Soft choice between x and y, controlled by r.

    f(x, y, r) = x σ(r) + y (1 − σ(r))

    Args:
        x: The value chosen when r → +∞.
        y: The value chosen when r → −∞.
        r: The gate score.

    Returns:
        A number between x and y.
    """
    x = check_number("x", "soft_gate", x)
    y = check_number("y", "soft_gate", y)
    s = sigmoid(r)
    return x * s + y * (1.0 - s)


def soft_gate_grad(x: float, y: float, r: float) -> tuple[float, float, float]:
    """Partial derivatives of the soft gate.

    f'_x = σ(r),  f'_y = 1 − σ(r),  f'_r = (x − y) σ'(r)

    Args:
        x: The first input of ``soft_gate``.
        y: The second input of ``soft_gate``.
        r: The gate score.

    Returns:
        The tuple (∂f/∂x, ∂f/∂y, ∂f/∂r).
    """
    x = check_number("x", "soft_gate_grad", x)
    y = check_number("y", "soft_gate_grad", y)
    s = sigmoid(r)
    return s, 1.0 - s, (x - y) * sigmoid_back(r, 1.0)


def softmax_gate(X: list[list[float]], R: list[float]) -> list[float]:
    """Soft choice among the rows of X, controlled by the scores R.

    f(X, R) = X × softmax(R) = sum_i softmax(R)_i X_i

    Args:
        X: The rows X_i, all of the same length.
        R: One score per row.

    Returns:
        A convex combination of the rows of X.
    """
    X = check_matrix("X", "softmax_gate", X)
    R = check_vector("R", "softmax_gate", R)
    check_same_length("softmax_gate", "X", X, "R", R)
    weights = softmax(R)
    columns = zip(*X, strict=True)
    return [math.fsum(w * x for w, x in zip(weights, col, strict=True)) for col in columns]
