"""lecturedeck: the Sphinx extension and tools that turn RST lectures into decks.

Build time (inside Sphinx; everything registered in :func:`lecturedeck.extension.setup`):

* :mod:`lecturedeck.legacy`     snake_case directive aliases, project-root figure paths
* :mod:`lecturedeck.mathrender` KaTeX prerendering, math errors as build errors
* :mod:`lecturedeck.deckindex`  the course index that lists every deck
* :mod:`lecturedeck.livecode`   ``lecture-source`` and ``live-code`` directives
* :mod:`lecturedeck.quiz`       the ``quiz`` directive with computed answer keys

Command line (called by the Makefile's verbs): :mod:`lecturedeck.build` (decks),
:mod:`lecturedeck.figures` (figures), and the browser tools on :mod:`lecturedeck.browser`.

This module stays free of heavy imports, so that a no-op ``make slides`` is quick.
"""


def setup(app):  # noqa: ANN001, ANN201 - Sphinx's entry point
    """Register the extension with Sphinx (``extensions = ["lecturedeck"]``)."""
    from lecturedeck.extension import setup as _setup

    return _setup(app)
