"""Argmax is one-hot
=================

Values as bars, beside their argmax: a one-hot vector with a 1 at the
position of the (first) largest value. Argmax generalises step to many
choices, and like step it is flat almost everywhere.
"""

import figstyle

from lecture_code.reductions import argmax

FIGURE = "figs/Conv/argmax.png"

VALUES = [1.0, 3.0, -0.5, 2.0, 0.5]


def main():
    positions = list(range(len(VALUES)))
    one_hot = argmax(VALUES)
    fig, (left, right) = figstyle.figure(640, 300, ncols=2, sharex=True)
    bars = left.bar(positions, VALUES, color=figstyle.BLUE)
    left.bar_label(bars, labels=[figstyle.number(v) for v in VALUES], padding=3)
    left.axhline(0, color=figstyle.BLACK, linewidth=1)
    left.set(title="x", xticks=positions, xlabel="i", ylim=(-1.2, 3.8))
    bars = right.bar(positions, one_hot, color=figstyle.VERMILION)
    right.bar_label(bars, labels=[figstyle.number(v) for v in one_hot], padding=3)
    right.set(title="argmax(x)", xlabel="i", yticks=[0, 1], ylim=(0, 1.3))
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
