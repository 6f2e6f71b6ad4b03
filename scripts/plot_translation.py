"""Attention in translation: word order
====================================

Translating "the black cat sleeps" into "le chat noir dort" swaps the
adjective and the noun. Each French word (a query) attends to the English
word (a key) it translates, so the weights cross where the order changes.
The embeddings are a toy, made by hand: their four coordinates stand for
"article", "animal", "colour" and "action".
"""

import figstyle

from lecture_code.attention import attention_weights

FIGURE = "figs/Attention/translation.png"

#                  article animal colour action
ENGLISH = {
    "the": [3.0, 0.3, 0.0, 0.0],
    "black": [0.0, 0.5, 3.0, 0.0],
    "cat": [0.3, 3.0, 0.5, 0.3],
    "sleeps": [0.0, 0.6, 0.0, 3.0],
}
FRENCH = {
    "le": [3.0, 0.5, 0.0, 0.0],
    "chat": [0.0, 3.0, 0.3, 0.5],
    "noir": [0.0, 0.3, 3.0, 0.0],
    "dort": [0.0, 0.5, 0.0, 3.0],
}


def main():
    weights = attention_weights(list(FRENCH.values()), list(ENGLISH.values()))
    fig, ax = figstyle.figure(600, 420)
    image = figstyle.heatmap(ax, weights, rows=list(FRENCH), columns=list(ENGLISH))
    ax.xaxis.tick_top()
    ax.set_xlabel("keys: English", labelpad=8)
    ax.xaxis.set_label_position("top")
    ax.set_ylabel("queries: French")
    fig.colorbar(image, ax=ax, ticks=[0, 0.5, 1], shrink=0.9)
    fig.suptitle("attention weights (toy embeddings)")
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
