"""Softmax with a temperature
==========================

softmax(x / T) for falling temperatures T. At high T every position gets
almost the same share; as T falls, the share of the largest value grows
towards 1 and softmax approaches argmax(x) (dashed outline).
"""

import figstyle

from lecture_code.reductions import argmax, softmax

FIGURE = "figs/Softmax/temperature.png"

VALUES = [1.0, 3.0, -0.5, 2.0, 0.5]
TEMPERATURES = [4.0, 1.0, 0.5, 0.1]


def main():
    positions = list(range(len(VALUES)))
    one_hot = argmax(VALUES)
    best = one_hot.index(1.0)
    fig, axes = figstyle.figure(900, 320, ncols=len(TEMPERATURES), sharex=True, sharey=True)
    for ax, t in zip(axes, TEMPERATURES):
        probs = softmax(VALUES, temperature=t)
        ax.bar(positions, probs, color=figstyle.GREEN)
        ax.bar(
            positions,
            one_hot,
            fill=False,
            edgecolor=figstyle.BLACK,
            linestyle="--",
            linewidth=1.5,
        )
        ax.text(best, 1.04, figstyle.number(probs[best], "{:.2f}"), ha="center")
        ax.set(title=f"T = {figstyle.number(t)}", xticks=positions, xlabel="i")
    axes[0].set(ylim=(0, 1.22), yticks=[0, 0.5, 1], ylabel="softmax(x / T)")
    # Name the dashed outline once, beside it in the first panel.
    axes[0].annotate("argmax(x)", (best + 0.4, 0.8), (best + 0.75, 0.8), va="center")
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
