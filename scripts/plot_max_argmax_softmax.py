"""max, argmax and softmax of the same values
==========================================

max(x) returns the largest value; argmax(x) says *where* it is, as a one-hot
vector; softmax(x) is the smooth version of argmax: every position gets a
share, and the largest value gets the largest share.
"""

import figstyle

from lecture_code.reductions import argmax, max_reduce, softmax

FIGURE = "figs/Softmax/max_argmax_softmax.png"

VALUES = [1.0, 3.0, -0.5, 2.0, 0.5]


def main():
    positions = list(range(len(VALUES)))
    top = max_reduce(VALUES)
    one_hot = argmax(VALUES)
    probs = softmax(VALUES)

    fig, (ax_x, ax_arg, ax_soft) = figstyle.figure(900, 320, ncols=3, sharex=True)
    bars = ax_x.bar(positions, VALUES, color=figstyle.BLUE)
    ax_x.bar_label(bars, labels=[figstyle.number(v) for v in VALUES], padding=3)
    ax_x.axhline(0, color=figstyle.BLACK, linewidth=1)
    ax_x.axhline(top, color=figstyle.BLACK, linestyle="--", linewidth=2)
    ax_x.set(title=f"x,  max(x) = {figstyle.number(top)}", xticks=positions, xlabel="i")
    ax_x.set(ylim=(-1.2, 4.2))

    bars = ax_arg.bar(positions, one_hot, color=figstyle.VERMILION)
    ax_arg.bar_label(bars, labels=[figstyle.number(v) for v in one_hot], padding=3)
    ax_arg.set(title="argmax(x)", xlabel="i", ylim=(0, 1.25), yticks=[0, 0.5, 1])

    bars = ax_soft.bar(positions, probs, color=figstyle.GREEN)
    ax_soft.bar_label(bars, labels=[figstyle.number(p, "{:.2f}") for p in probs], padding=3)
    ax_soft.set(title="softmax(x)", xlabel="i", ylim=(0, 1.25), yticks=[0, 0.5, 1])
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
