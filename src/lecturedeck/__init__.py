r"""lecturedeck: the Sphinx extension and the commands that turn RST lectures into decks.

The package is split by when its code runs::

    Makefile verbs ──> lecturedeck.commands   one module per verb: slides, figs, html,
                         │                    preview, present, check, pdf, contact,
                         │                    notebooks, lint_slides, port, bench, clean
                         │                    (+ browser, figworker)
                         │ runs Sphinx, which loads
                         v
                       lecturedeck.sphinxext  everything Sphinx loads: strictness, legacy
                         │                    aliases, assets, math, deck index, live code,
                         │                    quiz, values and claims, the deck writer, the
                         │                    site's directives
                         v
                       lecturedeck.project    paths, deck size, the deck list, the Sphinx
                       lecturedeck.deps       command line, file helpers; which lecture
                         │                    modules a piece of code uses
                         v
                       lecturedeck.courseconf a ported course's own conf.py, read, never run

    lecture_code       the lecture's own code: pure Python, imports nothing from lecturedeck
    scripts/plot_*.py  figure scripts: import lecture_code and figstyle, never lecturedeck

An arrow is "may import". ``sphinxext`` never imports ``commands``; ``lecture_code`` imports
neither, nor numpy nor matplotlib. ``make lint`` checks these rules (import-linter,
``.importlinter``).

Extension modules:

* :mod:`lecturedeck.sphinxext.extension`  ``setup()``: registers every build-time part
* :mod:`lecturedeck.sphinxext.strict`     what fails a build and what warns
* :mod:`lecturedeck.sphinxext.legacy`     the older toolchains, one module each: hieroglyph,
  sphinxjp.themes.revealjs, sphinxcontrib-revealjs, sphinx-revealjs 1 to 3 (and the table of
  well-known third-party extensions)
* :mod:`lecturedeck.sphinxext.assets`     images and included files: found, confined, checked
* :mod:`lecturedeck.sphinxext.mathrender` KaTeX prerendering, math errors as build errors
* :mod:`lecturedeck.sphinxext.deckindex`  the course index that lists every deck
* :mod:`lecturedeck.sphinxext.cells`      each deck's worker process (:mod:`~.cellworker`)
* :mod:`lecturedeck.sphinxext.livecode`   ``lecture-source`` and ``live-code``; cells run
  through :mod:`~lecturedeck.sphinxext.cellrun`, in CPython and in Pyodide
* :mod:`lecturedeck.sphinxext.quiz`       the ``quiz`` directive with computed answer keys
* :mod:`lecturedeck.sphinxext.evalrole`   ``:eval:`` values, also as ``\eval{...}`` in math
* :mod:`lecturedeck.sphinxext.claims`     the ``claim`` directive: a sentence checked by code
* :mod:`lecturedeck.sphinxext.writer`     the deck translator: lazy images, highlighting
* :mod:`lecturedeck.sphinxext.site`       the companion site's ``deck-links``,
  ``package-api`` and palette

This module stays free of heavy imports, so that a no-op ``make slides`` is quick.
"""


def setup(app):  # noqa: ANN001, ANN201 - Sphinx's entry point
    """Register the extension with Sphinx (``extensions = ["lecturedeck"]`` still works)."""
    from lecturedeck.sphinxext.extension import setup as _setup

    return _setup(app)
