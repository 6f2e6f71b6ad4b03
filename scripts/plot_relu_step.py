"""ReLU and its derivative, step
=============================

relu(x) = max(x, 0) passes positive inputs through and blocks the rest. Its
derivative is step(x): the backward pass ``relu_back(x, 1)`` lets the
gradient through exactly where the input was positive.
"""

import figstyle
import numpy as np

from lecture_code.activations import relu, relu_back

FIGURE = "figs/Graphs/relu_step.png"


def main():
    xs = np.linspace(-3, 3, 121).tolist()
    fig, (left, right) = figstyle.figure(720, 320, ncols=2, sharex=True)
    left.plot(xs, [relu(x) for x in xs], color=figstyle.BLUE)
    left.set(title="relu(x)", xlabel="x", ylim=(-0.3, 3.2), yticks=[0, 1, 2, 3])

    # The derivative jumps at 0, so it is drawn in two pieces with relu_back(0, 1) marked.
    for piece in ([x for x in xs if x <= 0], [x for x in xs if x > 0]):
        right.plot(piece, [relu_back(x, 1.0) for x in piece], color=figstyle.VERMILION)
    right.plot([0], [relu_back(0.0, 1.0)], "o", color=figstyle.VERMILION, markersize=10, zorder=3)
    right.plot(
        [0],
        [relu_back(min(x for x in xs if x > 0), 1.0)],
        "o",
        color=figstyle.VERMILION,
        markerfacecolor="white",
        markersize=10,
        zorder=3,
    )
    right.set(title="relu′(x) = step(x)", xlabel="x", ylim=(-0.1, 1.1), yticks=[0, 1])
    right.set_xticks([-3, -2, -1, 0, 1, 2, 3])
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
