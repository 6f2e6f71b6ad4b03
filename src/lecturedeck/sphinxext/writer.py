"""The deck writer: sphinx-revealjs's translator, tuned for a fast, script-light first slide.

* Images are written with ``data-src``: reveal.js loads a slide's images when the
  slide comes within its view distance (and every image when printing), so the
  first slide does not wait for the figures of the whole lecture.
* Code blocks are highlighted at build time with Pygments, as in the HTML site,
  instead of shipping highlight.js (940 kB) to colour them in the browser.
* A section's classes (``.. rst-class:: segue`` before its title, a toolchain's slide
  classes) are the slide's classes, and an id a toolchain gave the slide explicitly
  (sphinxjp's ``:id:``) is its id, as hieroglyph and sphinxjp.themes.revealjs wrote them.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.writers.html5 import HTML5Translator
from sphinx_revealjs.writers import RevealjsSlideTranslator

_IMG_SRC = re.compile(r"(<img\b[^>]*?\s)src=")


class DeckTranslator(RevealjsSlideTranslator):
    """Lazy images, build-time code highlighting and slide classes on top of sphinx-revealjs."""

    def visit_section(self, node: nodes.section) -> None:  # noqa: D102
        start = len(self.body)
        super().visit_section(node)
        classes = " ".join(self.attval(c) for c in node.get("classes", []) if c)
        slide_id = node.get("lecturedeck_slide_id")  # a toolchain's explicit slide id
        tag = "<section"
        if classes:
            tag += f' class="{classes}"'
        if slide_id and "id=" not in self.body[-1]:
            tag += f' id="{self.attval(slide_id)}"'
        if len(self.body) > start and self.body[-1].startswith("<section"):
            self.body[-1] = self.body[-1].replace("<section", tag, 1)

    def visit_image(self, node: nodes.image) -> None:  # noqa: D102
        start = len(self.body)
        super().visit_image(node)
        for i in range(start, len(self.body)):
            self.body[i] = _IMG_SRC.sub(r"\1data-src=", self.body[i])

    def visit_title(self, node: nodes.title) -> None:  # noqa: D102
        # A toolchain's slide title may be hidden (sphinxjp's :noheading:) or have its own
        # heading level (its :title-heading:); it stays the section's title for the index.
        if node.get("lecturedeck_hidden"):
            raise nodes.SkipNode
        level = node.get("level")
        if not level or not isinstance(node.parent, nodes.section):
            return super().visit_title(node)
        saved = self.section_level
        self.section_level = level - self.initial_header_level + 1
        try:
            super().visit_title(node)
        finally:
            self.section_level = saved

    visit_literal_block = HTML5Translator.visit_literal_block
    depart_literal_block = HTML5Translator.depart_literal_block
