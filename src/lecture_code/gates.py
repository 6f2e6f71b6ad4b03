"""Gates: mixing inputs with weights that come from a sigmoid or a softmax.

The soft gate picks between two inputs x and y; the softmax gate picks among
the rows of a matrix X. Both are differentiable "soft" versions of an if.
"""

import math

from lecture_code._checks import checked
from lecture_code.activations import sigmoid, sigmoid_back
from lecture_code.reductions import softmax


@checked
def soft_gate(x: float, y: float, r: float) -> float:
    """Soft choice between x and y, controlled by r.

    f(x, y, r) = x σ(r) + y (1 − σ(r))

    Stable form: 1 − σ(r) = σ(−r), so the weight of y is not rounded to 0 when
    σ(r) rounds to 1 (soft_gate(1, 1e30, 40) is 4.2e12, not 1).

    Args:
        x: The value chosen when r → +∞.
        y: The value chosen when r → −∞.
        r: The gate score.

    Returns:
        A number between x and y.
    """
    return x * sigmoid(r) + y * sigmoid(-r)


@checked
def soft_gate_grad(x: float, y: float, r: float) -> tuple[float, float, float]:
    """Partial derivatives of the soft gate.

    f'_x = σ(r),  f'_y = 1 − σ(r),  f'_r = (x − y) σ'(r)

    Stable form: f'_y = σ(−r), and f'_r = 2 σ'(r) (x/2 − y/2), as x − y can
    overflow for finite x and y while (x − y) σ'(r) is finite.

    Args:
        x: The first input of ``soft_gate``.
        y: The second input of ``soft_gate``.
        r: The gate score.

    Returns:
        The tuple (∂f/∂x, ∂f/∂y, ∂f/∂r).
    """
    return sigmoid(r), sigmoid(-r), 2.0 * sigmoid_back(r, x / 2 - y / 2)


@checked(shapes={"X": "n d", "R": "n"})
def softmax_gate(X: list[list[float]], R: list[float]) -> list[float]:
    """Soft choice among the rows of X, controlled by the scores R.

    f(X, R) = X × softmax(R) = sum_i softmax(R)_i X_i

    Args:
        X: The rows X_i, all of the same length.
        R: One score per row.

    Returns:
        A convex combination of the rows of X.
    """
    weights = softmax(R)
    columns = zip(*X, strict=True)
    return [math.fsum(w * x for w, x in zip(weights, col, strict=True)) for col in columns]
