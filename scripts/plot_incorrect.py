"""What's wrong with step?
=======================

A linear classifier ``step(w·x + b)`` and the points it gets wrong (circled).
The loss of step only *counts* the misclassified points: moving the line a
little changes the count by a whole point or not at all, so the loss has no
slope to follow. Every label, prediction and the count come from
``lecture_code``.
"""

import figstyle
import numpy as np
from matplotlib.lines import Line2D

from lecture_code.losses import predict, step_loss
from lecture_code.reductions import dot

FIGURE = "figs/Graphs/incorrect.png"

SEED = 7
N_POINTS = 40
TRUE_W, TRUE_B = [-0.6, 1.0], -0.1  # the boundary the labels come from
W, B = [0.3, 1.0], 0.0  # the classifier: tilted away from it


def main():
    rng = np.random.default_rng(SEED)
    points = rng.uniform(-1.0, 1.0, size=(N_POINTS, 2)).round(2).tolist()
    labels = [predict(p, TRUE_W, TRUE_B) for p in points]
    wrong = [predict(p, W, B) != y for p, y in zip(points, labels)]
    loss = step_loss(points, labels, W, B)

    fig, ax = figstyle.figure(620, 420)
    # Shade the two half-planes the classifier predicts, and draw w·x + b = 0.
    grid = np.linspace(-1.08, 1.08, 109).tolist()
    z = [[dot(W, [x1, x2]) + B for x1 in grid] for x2 in grid]
    side = [[predict([x1, x2], W, B) for x1 in grid] for x2 in grid]
    ax.contourf(
        grid,
        grid,
        side,
        levels=[-0.5, 0.5, 1.5],
        colors=[figstyle.ORANGE, figstyle.BLUE],
        alpha=0.12,
    )
    ax.contour(grid, grid, z, levels=[0.0], colors=figstyle.BLACK, linewidths=3)

    classes = [(1.0, figstyle.BLUE, "o", "class 1"), (0.0, figstyle.ORANGE, "s", "class 0")]
    for label, color, marker, _ in classes:
        xs = [p for p, y in zip(points, labels) if y == label]
        ax.scatter(*zip(*xs), color=color, marker=marker, s=60, zorder=3)
    bad = [p for p, is_wrong in zip(points, wrong) if is_wrong]
    ax.scatter(
        *zip(*bad),
        s=300,
        facecolors="none",
        edgecolors=figstyle.VERMILION,
        linewidths=2.5,
        zorder=4,
    )
    ax.set(xlim=(-1.08, 1.08), ylim=(-1.08, 1.08), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.set(xticks=[-1, 0, 1], yticks=[-1, 0, 1])
    ax.grid(False)
    ax.set_title(f"step loss = {loss} misclassified")

    handles = [
        Line2D([], [], color=c, marker=m, linestyle="none", markersize=9, label=text)
        for _, c, m, text in classes
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            markersize=16,
            linestyle="none",
            markerfacecolor="none",
            markeredgecolor=figstyle.VERMILION,
            markeredgewidth=2.5,
            label="misclassified",
        ),
        Line2D([], [], color=figstyle.BLACK, label="w·x + b = 0"),
    ]
    fig.legend(handles=handles, loc="outside right center", frameon=False)
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
