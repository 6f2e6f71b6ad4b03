"""Activation functions and their derivatives: ReLU, step, sigmoid.

Each ``*_back`` function is the backward pass of an activation: given the input
``x`` and the upstream derivative ``d``, it returns f'(x) · d (the chain rule).
"""

import math

from lecture_code._checks import checked


@checked
def relu(x: float) -> float:
    """Rectified linear unit.

    relu(x) = max(x, 0)

    Args:
        x: A finite number.

    Returns:
        ``x`` if ``x > 0``, else ``0.0``.
    """
    return x if x > 0 else 0.0


@checked
def step(x: float) -> float:
    """Heaviside step function, the derivative of ReLU away from 0.

    step(x) = 1 if x > 0 else 0

    Args:
        x: A finite number.

    Returns:
        ``1.0`` if ``x > 0``, else ``0.0``.
    """
    return 1.0 if x > 0 else 0.0


@checked
def relu_back(x: float, d: float) -> float:
    """Backward pass of ReLU.

    relu'(x) · d = step(x) · d

    Args:
        x: The input of ``relu``.
        d: The upstream derivative.

    Returns:
        The derivative with respect to ``x``.
    """
    return step(x) * d


@checked
def sigmoid(x: float) -> float:
    """Logistic sigmoid, computed without overflow for any finite ``x``.

    σ(x) = 1 / (1 + exp(−x))

    Stable form: for x < 0 the equal form σ(x) = exp(x) / (1 + exp(x)) is used, so
    ``exp`` only ever sees arguments ≤ 0 and cannot overflow.

    Args:
        x: A finite number.

    Returns:
        σ(x) in [0, 1].
    """
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@checked
def sigmoid_back(x: float, d: float) -> float:
    """Backward pass of the sigmoid.

    σ'(x) · d = σ(x) · (1 − σ(x)) · d

    Stable form: σ'(x) = h² / (1 + h²)² with h = exp(−|x| / 2). There is no
    1 − σ(x) to round to 0 (σ'(40) ≈ 4.2e-18, not 0), and d · h · h is multiplied
    in that order, so a large d is not lost to an e^(−|x|) that underflows first.

    Args:
        x: The input of ``sigmoid``.
        d: The upstream derivative.

    Returns:
        The derivative with respect to ``x``.
    """
    h = math.exp(-abs(x) / 2)
    return d * h * h / (1.0 + h * h) ** 2


@checked
def softplus(x: float) -> float:
    """Softplus, the smooth ReLU, computed without overflow.

    softplus(x) = log(1 + exp(x)) = max(x, 0) + log(1 + exp(−|x|))

    It gives the stable log-sigmoid: log σ(x) = −softplus(−x).

    Args:
        x: A finite number.

    Returns:
        softplus(x) ≥ 0.
    """
    return relu(x) + math.log1p(math.exp(-abs(x)))
