"""Argmax is one-hot
=================

Values as bars, beside their argmax: a one-hot vector that marks the first
largest value. Argmax generalises step to many choices.
"""

import figstyle

from lecture_code.reductions import argmax

FIGURE = "figs/Conv/argmax.png"


def main():
    values = [1.0, 3.0, -0.5, 2.0, 0.5]
    positions = list(range(len(values)))
    fig, (left, right) = figstyle.figure(640, 300, ncols=2, sharex=True)
    left.bar(positions, values, color=figstyle.BLUE)
    left.set(title="x", xticks=positions)
    right.bar(positions, argmax(values), color=figstyle.VERMILION)
    right.set(title="argmax(x)", yticks=[0, 1], ylim=(0, 1.1))
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
