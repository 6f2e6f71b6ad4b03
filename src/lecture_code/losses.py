"""Losses of a linear classifier: the step loss and the sigmoid (cross-entropy) loss.

A linear classifier scores a point p with z = w · p + b and predicts step(z).
Labels y are 0 or 1.
"""

import math
from fractions import Fraction

from lecture_code._checks import checked
from lecture_code.activations import softplus, step

DATA = {"shapes": {"points": "n d", "labels": "n", "w": "d"}, "choices": {"labels": (0, 1)}}


def _score(w: list[float], p: list[float], b: float) -> Fraction:
    """Return z = w · p + b exactly, as a fraction: its sign is never rounded away."""
    return sum((Fraction(wi) * Fraction(pi) for wi, pi in zip(w, p, strict=True)), Fraction(b))


@checked(shapes={"point": "d", "w": "d"})
def predict(point: list[float], w: list[float], b: float) -> float:
    """Prediction of a linear classifier.

    ŷ = step(w · p + b)

    Exact form: z = w · p + b is computed exactly, so the prediction is right even
    when w · p is close to −b or beyond the largest float.

    Args:
        point: The point p.
        w: The weights, as long as ``point``.
        b: The bias.

    Returns:
        ``1.0`` or ``0.0``.
    """
    return step(_score(w, point, b))


@checked(**DATA)
def step_loss(points: list[list[float]], labels: list[float], w: list[float], b: float) -> int:
    """Count the points that the linear classifier gets wrong.

    L(w, b) = sum_i [step(w · p_i + b) ≠ y_i]

    Args:
        points: The points p_i, all as long as ``w``.
        labels: The labels y_i, each 0 or 1.
        w: The weights.
        b: The bias.

    Returns:
        The number of misclassified points.
    """
    return sum(predict(p, w, b) != y for p, y in zip(points, labels, strict=True))


@checked(**DATA, overflow="w · p_i + b")
def sigmoid_loss(points: list[list[float]], labels: list[float], w: list[float], b: float) -> float:
    """Mean binary cross-entropy of the sigmoid of a linear classifier.

    L(w, b) = −(1/n) sum_i [y_i log σ(z_i) + (1 − y_i) log(1 − σ(z_i))],  z_i = w · p_i + b

    Stable form: log σ(z) = −softplus(−z) and log(1 − σ(z)) = −softplus(z), so
    L(w, b) = (1/n) sum_i softplus(−z_i if y_i = 1 else z_i). Each z_i is rounded
    once from its exact value, and each term is divided by n before the exact sum.

    Args:
        points: The points p_i, all as long as ``w``.
        labels: The labels y_i, each 0 or 1.
        w: The weights.
        b: The bias.

    Returns:
        The mean loss, a float ≥ 0.
    """
    n = len(points)
    zs = [float(_score(w, p, b)) for p in points]
    return math.fsum(softplus(-z if y == 1 else z) / n for z, y in zip(zs, labels, strict=True))
