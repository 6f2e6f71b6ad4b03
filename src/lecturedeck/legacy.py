"""Decks written for the earlier toolchain build unchanged.

Two things differ from what sphinx-revealjs 3.x expects:

* directive names: sphinx-revealjs 2.0 renamed ``revealjs_fragments`` to
  ``revealjs-fragments`` (and likewise for break, section, slide and vertical).
  The old snake_case names are registered again as aliases.
* figure paths: the old decks sat next to ``figs/`` and say ``figs/Graphs/x.png``.
  Decks now live in ``slides/``, so a relative image path that does not exist
  beside the deck but does exist under the project root is resolved there.
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_revealjs.directives import (
    RevealjsBreak,
    RevealjsFragments,
    RevealjsSection,
    RevealjsSlide,
    RevealjsVertical,
)

ALIASES = {
    "revealjs_break": RevealjsBreak,
    "revealjs_fragments": RevealjsFragments,
    "revealjs_section": RevealjsSection,
    "revealjs_slide": RevealjsSlide,
    "revealjs_vertical": RevealjsVertical,
}


class ProjectRootImages(SphinxTransform):
    """Resolve ``figs/...`` image paths of legacy decks against the project root."""

    default_priority = 100

    def apply(self, **kwargs) -> None:  # noqa: D102
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        root = Path(self.config.lecturedeck_root)
        for node in self.document.findall(nodes.image):
            uri = node["uri"]
            if "://" in uri or uri.startswith(("/", "data:")) or (docdir / uri).exists():
                continue
            if (root / uri).exists():
                node["uri"] = Path(os.path.relpath(root / uri, docdir)).as_posix()


def setup(app: Sphinx) -> None:
    """Register the legacy directive names and the image path transform."""
    for name, directive in ALIASES.items():
        app.add_directive(name, directive)
    app.add_transform(ProjectRootImages)
