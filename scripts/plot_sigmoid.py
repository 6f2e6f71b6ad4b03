r"""Sigmoid: a smooth step
======================

The sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})` against :math:`\mathrm{step}(x)`:
the same decision at :math:`x = 0`, but smooth, so its slope tells a point how
far it is from the boundary. step jumps at 0: the filled dot is
:math:`\mathrm{step}(0) = 0`.
"""

import figstyle
import numpy as np

from lecture_code.activations import sigmoid, step

FIGURE = "figs/Graphs/sigmoid.png"


def main():
    xs = np.linspace(-6, 6, 241).tolist()
    fig, ax = figstyle.figure(560, 360)
    # step is drawn in two pieces, so no vertical line suggests values between 0 and 1.
    for piece, label in [([x for x in xs if x <= 0], "step(x)"), ([x for x in xs if x > 0], None)]:
        ax.plot(piece, [step(x) for x in piece], color=figstyle.ORANGE, label=label)
    right = min(x for x in xs if x > 0)
    ax.plot([0], [step(0.0)], "o", color=figstyle.ORANGE, markersize=10)
    ax.plot([0], [step(right)], "o", color=figstyle.ORANGE, markersize=10, markerfacecolor="white")
    ax.plot(xs, [sigmoid(x) for x in xs], color=figstyle.BLUE, label="σ(x)")
    ax.set(xlabel="x", ylim=(-0.08, 1.08), yticks=[0, 0.5, 1], xticks=[-6, -4, -2, 0, 2, 4, 6])
    ax.legend(loc="upper left")
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
