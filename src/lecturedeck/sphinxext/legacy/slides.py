"""What the older toolchains' constructs become: the few nodes and one reshaping they share.

sphinx-revealjs makes a slide of every level-1 and level-2 section (a level-1 section is a
stack, its level-2 sections the slides below it). The older toolchains drew slides otherwise
(hieroglyph: every section down to ``slide_levels``; sphinxjp.themes.revealjs: each
``revealjs`` directive), so their modules turn what they read into that shape:

* :func:`flatten` makes every section down to ``levels`` a slide, in reading order, and
  every deeper section a heading (:class:`subheading`) inside its slide;
* :class:`handout_only` holds what the toolchain showed in its HTML handout and never on a
  slide: the companion site and the notebook show it, the deck does not;
* :class:`slides_only` holds what only the slides showed: the deck shows it, the notebook
  does not;
* :func:`unsupported` warns, at the construct's line, about what a reveal.js deck cannot
  do, and the build goes on with the content kept.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


class handout_only(nodes.General, nodes.Element):
    """Content for the companion site and the notebook only, never on a slide."""


class slides_only(nodes.General, nodes.Element):
    """Content for the slides only (and so for the PDF of the deck), never in the notebook."""


class subheading(nodes.General, nodes.TextElement):
    """The title of a section that is not a slide, shown as a heading inside its slide."""


def unsupported(what: str, node: nodes.Node, why: str) -> None:
    """Warn at ``node``'s line that ``what`` has no meaning in a reveal.js deck."""
    logger.warning(
        "%s: %s; the content is kept",
        what,
        why,
        location=node,
        type="lecturedeck",
        subtype="legacy",
    )


def demote(section: nodes.section, depth: int) -> nodes.container:
    """A section that is not a slide: a container holding its title as a heading."""
    title = section.next_node(nodes.title) if section.children else None
    box = nodes.container(classes=["subsection", *section.get("classes", [])])
    box["ids"] = section["ids"]
    box.source, box.line = section.source, section.line
    if isinstance(title, nodes.title) and title.parent is section:
        head = subheading(title.rawsource, "", *title.children, level=min(depth, 6))
        head.source, head.line = title.source, title.line
        box += head
    for child in section.children:
        if child is title:
            continue
        box += demote(child, depth + 1) if isinstance(child, nodes.section) else child
    return box


def _slides_below(section: nodes.section, depth: int, levels: int) -> list[nodes.section]:
    """Take out the subsections of ``section`` that are slides, in order; demote the rest."""
    slides: list[nodes.section] = []
    for child in list(section.children):
        if not isinstance(child, nodes.section):
            continue
        index = section.index(child)
        section.remove(child)
        if depth + 1 <= levels:
            slides += [child, *_slides_below(child, depth + 1, levels)]
        else:
            section.insert(index, demote(child, 3))
    return slides


def flatten(document: nodes.document, levels: int) -> None:
    """Make every section down to depth ``levels`` a slide, and every deeper one a heading.

    A slide keeps its own content (up to its first subsection); its subsections that are
    slides too follow it, in reading order, as slides of the same stack.
    """
    for top in [c for c in document.children if isinstance(c, nodes.section)]:
        top.extend(_slides_below(top, 1, levels))


def _skip(self, node: nodes.Node) -> None:  # noqa: ANN001
    raise nodes.SkipNode


def _pass(self, node: nodes.Node) -> None:  # noqa: ANN001
    pass


def _visit_subheading(self, node: subheading) -> None:  # noqa: ANN001
    self.body.append(self.starttag(node, f"h{node['level']}", ""))


def _depart_subheading(self, node: subheading) -> None:  # noqa: ANN001
    self.body.append(f"</h{node['level']}>\n")


def _tag_slides(app: Sphinx) -> None:
    """``.. only:: slides`` (hieroglyph's builders' tag) is true in a deck."""
    if app.builder.name == "revealjs":
        app.tags.add("slides")


def setup(app: Sphinx) -> None:
    """Register the shared nodes: what each builder does with them."""
    app.add_node(
        handout_only,
        html=(_pass, _pass),
        revealjs=(_skip, None),
        latex=(_pass, _pass),
        text=(_pass, _pass),
    )
    app.add_node(
        slides_only,
        html=(_skip, None),
        revealjs=(_pass, _pass),
        latex=(_skip, None),
        text=(_skip, None),
    )
    app.add_node(
        subheading,
        html=(_visit_subheading, _depart_subheading),
        revealjs=(_visit_subheading, _depart_subheading),
    )
    app.connect("builder-inited", _tag_slides)
