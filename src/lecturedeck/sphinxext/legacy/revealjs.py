"""sphinx-revealjs 1 to 3: decks written for its earlier releases build unchanged.

* Directive names: sphinx-revealjs 2.0 renamed ``revealjs_fragments`` to
  ``revealjs-fragments`` (and likewise for break, section, slide and vertical).
  The old snake_case names are registered again as aliases.
* Source lines: sphinx-revealjs's section directives (``revealjs-section``,
  ``revealjs-break``, ``revealjs-vertical``) give their nodes, and the background
  images they add, no file and line; these give both, so that a missing background
  image is reported where it is written.
* Paths: ``figs/...`` image paths of decks that sat beside ``figs/``, and reveal.js 3
  theme links in raw HTML, are resolved by :mod:`lecturedeck.sphinxext.assets`.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx_revealjs._ext.notes import RevealjsNotes
from sphinx_revealjs.directives import (
    RevealjsBreak,
    RevealjsFragments,
    RevealjsSection,
    RevealjsSlide,
    RevealjsVertical,
)

DIRECTIVES = {
    "break": RevealjsBreak,
    "fragments": RevealjsFragments,
    "notes": RevealjsNotes,  # revealjs_notes, as lint_slides already accepts
    "section": RevealjsSection,
    "slide": RevealjsSlide,
    "vertical": RevealjsVertical,
}


def located(directive: type[Directive]) -> type[Directive]:
    """``directive``, whose nodes (and their children) carry the directive's file and line."""

    def run(self: Directive) -> list[nodes.Node]:
        result = directive.run(self)
        source, line = self.state_machine.get_source_and_line(self.lineno)
        for node in result:
            for item in node.findall(nodes.Element):
                if not item.line:
                    item.source, item.line = source, line
        return result

    return type(directive.__name__, (directive,), {"run": run, "__module__": directive.__module__})


def setup(app: Sphinx) -> None:
    """Register the revealjs directives under both their names, with source lines."""
    for name, directive in DIRECTIVES.items():
        cls = located(directive)
        app.add_directive(f"revealjs-{name}", cls, override=True)
        app.add_directive(f"revealjs_{name}", cls, override=True)
