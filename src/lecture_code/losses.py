"""Losses of a linear classifier: the step loss and the sigmoid (cross-entropy) loss.

A linear classifier scores a point p with z = w · p + b and predicts step(z).
Labels y are 0 or 1.
"""

import math

from lecture_code._checks import (
    check_matrix,
    check_number,
    check_same_length,
    check_vector,
)
from lecture_code.activations import softplus, step
from lecture_code.reductions import dot


def _check_data(
    fn: str, points: list[list[float]], labels: list[float], w: list[float], b: float
) -> tuple[list[list[float]], list[float], list[float], float]:
    """Validate a data set and a linear classifier; return them as floats."""
    w = check_vector("w", fn, w)
    b = check_number("b", fn, b)
    points = check_matrix("points", fn, points, width=len(w))
    labels = check_vector("labels", fn, labels)
    check_same_length(fn, "points", points, "labels", labels)
    for i, y in enumerate(labels):
        if y not in (0.0, 1.0):
            raise ValueError(f"{fn}: labels[{i}] must be 0 or 1, got {y!r}")
    return points, labels, w, b


def predict(point: list[float], w: list[float], b: float) -> float:
    """Prediction of a linear classifier.

    ŷ = step(w · p + b)

    Args:
        point: The point p.
        w: The weights, as long as ``point``.
        b: The bias.

    Returns:
        ``1.0`` or ``0.0``.
    """
    b = check_number("b", "predict", b)
    return step(dot(w, point) + b)


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
    points, labels, w, b = _check_data("step_loss", points, labels, w, b)
    return sum(predict(p, w, b) != y for p, y in zip(points, labels, strict=True))


def sigmoid_loss(points: list[list[float]], labels: list[float], w: list[float], b: float) -> float:
    """Mean binary cross-entropy of the sigmoid of a linear classifier.

    L(w, b) = −(1/n) sum_i [y_i log σ(z_i) + (1 − y_i) log(1 − σ(z_i))],  z_i = w · p_i + b

    Stable form: log σ(z) = −softplus(−z) and log(1 − σ(z)) = −softplus(z), so
    L(w, b) = (1/n) sum_i [y_i softplus(−z_i) + (1 − y_i) softplus(z_i)].

    Args:
        points: The points p_i, all as long as ``w``.
        labels: The labels y_i, each 0 or 1.
        w: The weights.
        b: The bias.

    Returns:
        The mean loss, a float ≥ 0.
    """
    points, labels, w, b = _check_data("sigmoid_loss", points, labels, w, b)
    losses = []
    for p, y in zip(points, labels, strict=True):
        z = dot(w, p) + b
        losses.append(y * softplus(-z) + (1.0 - y) * softplus(z))
    return math.fsum(losses) / len(losses)
