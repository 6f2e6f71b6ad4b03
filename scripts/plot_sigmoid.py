"""Sigmoid: a smooth step
======================

The sigmoid σ(x) = 1 / (1 + exp(−x)) against step(x): the same decision at
x = 0, but smooth, so its derivative tells a point how far it is from the
boundary.
"""

import figstyle
import numpy as np

from lecture_code.activations import sigmoid, step

FIGURE = "figs/Graphs/sigmoid.png"


def main():
    xs = np.linspace(-6, 6, 241).tolist()
    fig, ax = figstyle.figure(560, 360)
    ax.plot(
        xs, [step(x) for x in xs], color=figstyle.ORANGE, label="step(x)", drawstyle="steps-mid"
    )
    ax.plot(xs, [sigmoid(x) for x in xs], color=figstyle.BLUE, label="σ(x)")
    ax.set(xlabel="x", ylim=(-0.05, 1.05), yticks=[0, 0.5, 1])
    ax.legend(loc="upper left")
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
