"""What's wrong with step?
=======================

A linear classifier with a step activation only says *how many* points are on
the wrong side (the loss of step); it does not say how far off they are, so
it gives no gradient to follow. Misclassified points are circled.
"""

import figstyle
import numpy as np

from lecture_code.losses import predict, step_loss

FIGURE = "figs/Graphs/incorrect.png"


def main():
    rng = np.random.default_rng(44)
    points = rng.uniform(-1.0, 1.0, size=(40, 2)).round(3).tolist()
    # The true boundary is x2 = 0.6 x1 + 0.1; the classifier's is tilted away from it.
    labels = [1.0 if p[1] > 0.6 * p[0] + 0.1 else 0.0 for p in points]
    w, b = [-0.2, 1.0], 0.25
    wrong = [predict(p, w, b) != y for p, y in zip(points, labels)]

    fig, ax = figstyle.figure(480, 420)
    for label, color, marker in [(1.0, figstyle.BLUE, "o"), (0.0, figstyle.ORANGE, "s")]:
        xs = [p for p, y in zip(points, labels) if y == label]
        ax.scatter(*zip(*xs), color=color, marker=marker, s=60, label=f"class {int(label)}")
    bad = [p for p, is_wrong in zip(points, wrong) if is_wrong]
    ax.scatter(*zip(*bad), s=260, facecolors="none", edgecolors=figstyle.VERMILION, linewidths=2.5)
    x1 = np.linspace(-1, 1, 2)
    ax.plot(x1, (-b - w[0] * x1) / w[1], color=figstyle.BLACK, label="step(w·x + b) = ½")
    ax.set(xlim=(-1, 1), ylim=(-1, 1), xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(f"loss of step = {step_loss(points, labels, w, b)} wrong")
    ax.legend(loc="lower right", framealpha=0.9)
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
