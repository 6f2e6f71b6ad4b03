"""lecturedeck: the Sphinx extension and tools that turn RST lectures into decks.

Build time (inside Sphinx; everything registered in :func:`lecturedeck.extension.setup`):

* :mod:`lecturedeck.strict`     what fails a build and what warns; one ``file:line`` line per
  problem; no traceback from a deck
* :mod:`lecturedeck.legacy`     snake_case directive aliases, source lines for revealjs sections
* :mod:`lecturedeck.assets`     images and included files: found, confined to the project,
  checked; reveal.js 3 theme links mapped; media that need the network listed
* :mod:`lecturedeck.mathrender` KaTeX prerendering, math errors as build errors
* :mod:`lecturedeck.deckindex`  the course index that lists every deck
* :mod:`lecturedeck.livecode`   ``lecture-source`` and ``live-code`` directives
  (cells run through :mod:`lecturedeck.cellrun`, in CPython and in Pyodide)
* :mod:`lecturedeck.quiz`       the ``quiz`` directive with computed answer keys
* :mod:`lecturedeck.writer`     the deck translator: lazy images, build-time highlighting

Command line (called by the Makefile's verbs): :mod:`lecturedeck.build` (``make slides``),
:mod:`lecturedeck.figures` (``make figs``), :mod:`lecturedeck.site` (``make html``),
:mod:`lecturedeck.preview`, :mod:`lecturedeck.lint`, and the browser tools on
:mod:`lecturedeck.browser`: :mod:`~lecturedeck.check`, :mod:`~lecturedeck.pdf`,
:mod:`~lecturedeck.contact` and :mod:`~lecturedeck.bench`. :mod:`lecturedeck.deps` reads
which lecture modules a piece of code uses, for the figure runner and the directives.

This module stays free of heavy imports, so that a no-op ``make slides`` is quick.
"""


def setup(app):  # noqa: ANN001, ANN201 - Sphinx's entry point
    """Register the extension with Sphinx (``extensions = ["lecturedeck"]``)."""
    from lecturedeck.extension import setup as _setup

    return _setup(app)
