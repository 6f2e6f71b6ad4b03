"""Decks written for older Sphinx slide toolchains build unchanged, with the meaning they had.

One module per toolchain, each mapping that toolchain's directives, roles, classes and
settings onto this project's decks, with the table of what becomes what in its docstring:

* :mod:`~.revealjs`      sphinx-revealjs 1 to 3 (snake_case names, source lines)
* :mod:`~.hieroglyph`    hieroglyph (slide levels, slide, nextslide, ifslides, notes, builds)
* :mod:`~.sphinxjp`      sphinxjp.themes.revealjs (revealjs, rv_code, rv_small, rv_note)
* :mod:`~.sphinxcontrib` sphinxcontrib-revealjs (newslide, interslide, speaker, incremental)

What they share: :mod:`~.slides` (the nodes they map onto, and the reshaping of sections
into slides), :mod:`~.thirdparty` (which extension an unknown name comes from). A course's
own ``conf.py``, copied with it under ``slides/``, is read (never run) for its settings.

A new toolchain is one more module here, named in :data:`TOOLCHAINS`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from lecturedeck import courseconf

if TYPE_CHECKING:  # importing the package (for thirdparty's table) must not load Sphinx
    from sphinx.application import Sphinx
    from sphinx.config import Config

# The toolchain modules, in the order their directives are registered.
TOOLCHAINS = ["revealjs", "hieroglyph", "sphinxjp", "sphinxcontrib"]


def _course_excludes(app: Sphinx, config: Config) -> None:
    """A ported course's own ``exclude_patterns`` (in its conf.py) keep applying to it."""
    patterns = courseconf.excluded(Path(app.srcdir))
    config.exclude_patterns = [*config.exclude_patterns, *patterns]


def setup(app: Sphinx) -> None:
    """Register every toolchain's constructs."""
    from lecturedeck.sphinxext.legacy import slides

    app.connect("config-inited", _course_excludes)
    slides.setup(app)
    for name in TOOLCHAINS:
        importlib.import_module(f"{__name__}.{name}").setup(app)
