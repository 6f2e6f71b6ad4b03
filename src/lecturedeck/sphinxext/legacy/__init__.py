"""Decks written for older Sphinx slide toolchains build unchanged, with the meaning they had.

One module per toolchain, each mapping that toolchain's directives, roles, classes and
settings onto this project's decks, with the table of what becomes what in its docstring:

* :mod:`~.revealjs`      sphinx-revealjs 1 to 3 (snake_case names, source lines)

A new toolchain is one more module here, named in :data:`TOOLCHAINS`.
"""

from __future__ import annotations

import importlib

from sphinx.application import Sphinx

# The toolchain modules, in the order their directives are registered.
TOOLCHAINS = ["revealjs"]


def setup(app: Sphinx) -> None:
    """Register every toolchain's constructs."""
    for name in TOOLCHAINS:
        importlib.import_module(f"{__name__}.{name}").setup(app)
