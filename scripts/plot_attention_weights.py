r"""Attention weights: a softmax gate per query
===========================================

Each query :math:`q_i` scores every key :math:`k_j` with
:math:`q_i \cdot k_j / \sqrt{d}`, and a softmax turns each row of scores into
weights that sum to 1. A query that matches one key puts most of its weight
there; a query that matches several keys equally splits its weight between
them.
"""

import figstyle

from lecture_code.attention import attention_weights

FIGURE = "figs/Attention/weights.png"

Q = [[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]]
K = [[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [1.0, 1.0]]


def vector(v):
    return "(" + ", ".join(figstyle.number(x) for x in v) + ")"


def main():
    weights = attention_weights(Q, K)
    fig, ax = figstyle.figure(640, 380)
    image = figstyle.heatmap(
        ax,
        weights,
        rows=[f"$q_{i + 1}$ = {vector(q)}" for i, q in enumerate(Q)],
        columns=[f"$k_{j + 1}$\n{vector(k)}" for j, k in enumerate(K)],
    )
    ax.xaxis.tick_top()
    ax.set_title(r"$A_{ij} = \mathrm{softmax}_j\,(q_i \cdot k_j \,/\, \sqrt{d})$", pad=12)
    fig.colorbar(image, ax=ax, ticks=[0, 0.5, 1], shrink=0.9)
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
