"""Randomly broken decks for the fuzz test: real deck snippets, cut, garbled and mispointed."""

from __future__ import annotations

import random

SNIPPETS = [
    "Slide {n}\n--------\n\nSome *text* and ``code`` and :math:`x^2`.\n",
    ".. image:: figs/Graphs/sigmoid.png\n   :width: 400px\n   :alt: sigmoid\n",
    ".. figure:: figs/Graphs/sigmoid.png\n   :width: 300px\n\n   A caption.\n",
    ".. math::\n\n   \\begin{eqnarray*}\n   a &=& b \\\\\n   c &=& d\n   \\end{eqnarray*}\n",
    ".. live-code::\n\n   from lecture_code import softmax\n   softmax([1.0, 2.0])\n",
    ".. quiz:: What is :math:`\\sigma(0)`?\n   :answer: sigmoid(0.0)\n\n   * 0\n   * 0.5\n   * 1\n",
    ".. lecture-source:: lecture_code.softmax\n",
    ".. autofunction:: lecture_code.relu\n",
    ".. revealjs-section::\n   :data-background-color: #eeeeee\n",
    ".. revealjs_fragments::\n\n   * one\n   * two\n",
    ".. revealjs-notes::\n\n   A note for the speaker.\n",
    ".. code-block:: python\n\n   print('hi')\n",
    ".. list-table::\n   :header-rows: 1\n\n   * - a\n     - b\n   * - 1\n     - 2\n",
    '.. raw:: html\n\n   <div class="box">hi</div>\n',
    ".. csv-table::\n   :header: a, b\n\n   1, 2\n",
    "* item\n* item **bold**\n\n  * nested\n",
    ".. note::\n\n   A note.\n",
    "`a link <https://example.org>`_ and a ref :ref:`somewhere`.\n",
    "A share :eval:`softmax([2.0, 1.0])[0]:.2f`, and :math:`\\sigma(0) = \\eval{sigmoid(0.0)}`.\n",
    ".. claim:: Sigmoid of zero is a half.\n   :check: sigmoid(0.0) == 0.5\n",
]
BAD_PATHS = [
    "../../etc/passwd",
    "/dev/zero",
    "",
    "slides",
    "figs/none.png",
    "nope.svg",
    "x\x00y.png",
    "../" * 12 + "etc/hostname",
    "C:\\\\x.png",
    "http://example.org/x.png",
    "%s%s%s",
]
BAD_VALUES = ["", "-1", "999999999999", "abc", "{", "\\", "🦆", "None", ":", "1e999"]
GARBAGE = [b"\x00", b"\xff\xfe", b"\x1b[31m", b"\r", b"\t\t", b"\\", b"`", b"::", b".. ", b"|"]


def deck(rng: random.Random, n: int) -> tuple[bytes, str]:
    """A deck built from real snippets, then broken one way; returns (bytes, how)."""
    parts = [f"Deck {n}\n{'=' * (6 + len(str(n)))}\n\n"]
    for i in range(rng.randint(2, 6)):
        parts.append(rng.choice(SNIPPETS).replace("{n}", str(i)) + "\n")
    text = "".join(parts)
    how = rng.choice(["truncate", "bytes", "path", "option", "directive", "indent", "lines"])
    if how == "truncate":
        text = text[: rng.randint(0, len(text))]
    elif how == "path":
        for target in ("figs/Graphs/sigmoid.png", "lecture_code.softmax", "lecture_code.relu"):
            text = text.replace(target, rng.choice(BAD_PATHS))
        text += f"\n.. include:: {rng.choice(BAD_PATHS)}\n\n.. image:: {rng.choice(BAD_PATHS)}\n"
    elif how == "option":
        text += f"\n.. image:: figs/Graphs/sigmoid.png\n   :width: {rng.choice(BAD_VALUES)}\n"
        text += f"\n.. live-code::\n   :rows: {rng.choice(BAD_VALUES)}\n\n   1 + 1\n"
        text += f"\n.. revealjs-section::\n   :data-background-image: {rng.choice(BAD_PATHS)}\n"
    elif how == "directive":
        name = rng.choice(
            ["no-such", "image", "math", "quiz", "live-code", "raw", "include", "claim"]
        )
        text += f"\n.. {name}:: {rng.choice(BAD_VALUES)}\n   :{rng.choice(BAD_VALUES)}: x\n\n"
    elif how == "indent":
        lines = text.splitlines(keepends=True)
        for _ in range(3):
            i = rng.randrange(len(lines))
            lines[i] = " " * rng.randint(1, 5) + lines[i]
        text = "".join(lines)
    elif how == "lines":
        lines = text.splitlines(keepends=True)
        rng.shuffle(lines)
        text = "".join(lines)
    data = text.encode()
    if how == "bytes":
        for _ in range(rng.randint(1, 4)):
            i = rng.randint(0, len(data))
            data = data[:i] + rng.choice(GARBAGE) + data[i:]
    return data, how
