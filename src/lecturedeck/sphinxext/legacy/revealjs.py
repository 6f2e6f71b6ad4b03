"""sphinx-revealjs 1 to 3: decks written for its earlier releases build unchanged.

Read from sphinx-revealjs's releases 0.x to 3.2 (``directives.py``, ``writers.py``, the
upgrade notes). This project builds with 3.2; what changed since is mapped back:

=================================  ==========================================================
sphinx-revealjs 1 to 3             here
=================================  ==========================================================
``revealjs_section``,              the same directives under their 2.0 names
``revealjs_break``, ``_slide``,    (``revealjs-section`` ...); ``revealjs_notes``, which
``_fragments``, ``_vertical``      never existed, too, as lint-slides accepts it
comments (``.. text``) in a 1.x    speaker notes, as 1.x made every comment (a deck is 1.x
deck                               when it uses a snake_case name, or its conf.py sets
                                   ``revealjs_google_fonts``; ``revealjs_notes_from_comments
                                   = True`` in its conf.py says so for any release)
``revealjs-slide :google_font:``   warns: a font from the network, which 2.0 dropped
reveal.js 3/4 theme paths in raw   the same files in reveal.js 5 (:mod:`~.assets`)
HTML (``revealjs4/...``)
=================================  ==========================================================

Source lines: sphinx-revealjs's section directives (``revealjs-section``,
``revealjs-break``, ``revealjs-vertical``) give their nodes, and the background images they
add, no file and line; these give both, so that a missing background image is reported
where it is written.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_revealjs._ext.notes import RevealjsNotes, revealjs_notes
from sphinx_revealjs.directives import (
    RevealjsBreak,
    RevealjsFragments,
    RevealjsSection,
    RevealjsSlide,
    RevealjsVertical,
)

from lecturedeck.courseconf import course_conf
from lecturedeck.sphinxext.legacy.slides import unsupported

DIRECTIVES = {
    "break": RevealjsBreak,
    "fragments": RevealjsFragments,
    "notes": RevealjsNotes,  # revealjs_notes, as lint_slides already accepts
    "section": RevealjsSection,
    "slide": RevealjsSlide,
    "vertical": RevealjsVertical,
}


COMMENT_NOTES = "lecturedeck_comment_notes"  # a document attribute: comments are notes


def located(directive: type[Directive], *, snake: bool = False) -> type[Directive]:
    """``directive``, whose nodes (and their children) carry the directive's file and line.

    ``snake``: the 1.x name, which marks the deck as written for 1.x.
    """

    def run(self: Directive) -> list[nodes.Node]:
        if snake:
            self.state.document[COMMENT_NOTES] = True
        if self.name.endswith("slide") and "google_font" in self.options:
            unsupported(
                f"{self.name} :google_font: {self.options.pop('google_font')}",
                self.state.document,
                "a font from the network, which sphinx-revealjs 2.0 dropped; the deck keeps "
                "its theme's font",
            )
        result = directive.run(self)
        source, line = self.state_machine.get_source_and_line(self.lineno)
        for node in result:
            for item in node.findall(nodes.Element):
                if not item.line:
                    item.source, item.line = source, line
        return result

    return type(directive.__name__, (directive,), {"run": run, "__module__": directive.__module__})


class CommentNotes(SphinxTransform):
    """In a deck written for sphinx-revealjs 1.x, every comment is a speaker note."""

    default_priority = 880

    def apply(self, **kwargs: object) -> None:  # noqa: D102
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        conf = course_conf(docdir, Path(self.env.srcdir))
        if conf is not None and conf.toolchain == "sphinx-revealjs":
            self.env.note_dependency(str(conf.path))
            setting = conf.get("revealjs_notes_from_comments")
            on = setting if isinstance(setting, bool) else "revealjs_google_fonts" in conf.values
        else:
            on = False
        if not (on or self.document.get(COMMENT_NOTES)):
            return
        for comment in list(self.document.findall(nodes.comment)):
            text = comment.astext().strip()
            if not text or not isinstance(comment.parent, nodes.section):
                continue
            notes = revealjs_notes(text, nodes.paragraph(text, text))
            notes.source, notes.line = comment.source, comment.line
            comment.replace_self(notes)


def setup(app: Sphinx) -> None:
    """Register the revealjs directives under both their names, with source lines."""
    for name, directive in DIRECTIVES.items():
        app.add_directive(f"revealjs-{name}", located(directive), override=True)
        app.add_directive(f"revealjs_{name}", located(directive, snake=True), override=True)
    app.add_transform(CommentNotes)
