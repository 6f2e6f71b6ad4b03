"""Next-word probabilities of a tiny language model
================================================

A stand-in for GPT: a bigram model (``train_bigram``) counts which word
follows which in a short text written for the course (``lecture_code.corpus``).
Its logits for the word after "network" are log counts; softmax with
temperature T turns them into probabilities. Low T sharpens them towards the
argmax, high T flattens them.
"""

import figstyle

from lecture_code.corpus import TEXT
from lecture_code.language import next_token_distribution, train_bigram
from lecture_code.reductions import argmax

FIGURE = "figs/Language/next_token.png"

WORD = "network"
TEMPERATURES = [0.5, 1.0, 2.0]


def main():
    model = train_bigram(TEXT)
    fig, axes = figstyle.figure(900, 340, ncols=len(TEMPERATURES), sharey=True)
    for ax, t in zip(axes, TEMPERATURES):
        words, probs = next_token_distribution(model, WORD, temperature=t)
        best = argmax(probs)
        colors = [figstyle.VERMILION if b else figstyle.BLUE for b in best]
        positions = range(len(words))
        bars = ax.barh(positions, probs, color=colors)
        ax.bar_label(bars, labels=[figstyle.number(p, "{:.2f}") for p in probs], padding=4)
        ax.text(0.02, best.index(1.0), "argmax", color="white", va="center")
        ax.set(title=f"T = {figstyle.number(t)}", xlim=(0, 0.92))
        ax.set_xticks([0, 0.25, 0.5, 0.75], ["0", "0.25", "0.5", "0.75"])
        ax.set_yticks(list(positions), words)
        ax.grid(axis="y", visible=False)
    axes[0].invert_yaxis()
    axes[1].set_xlabel(f'P(next word | "{WORD}")')
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
