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
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx_revealjs._ext.notes import revealjs_notes
from sphinx_revealjs.directives import inject_children
from sphinx_revealjs.nodes import revealjs_section

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
        "%s: %s",
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


# -- Splitting a slide --------------------------------------------------------------------------
def slide_of(node: nodes.Node) -> nodes.section | None:
    """The slide (a level-1 or level-2 section) that ``node`` is in."""
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.section):
        parent = parent.parent
    return parent


def split(node: nodes.Element, title: nodes.title, classes: list[str]) -> nodes.section:
    """A new slide, after ``node``'s slide, holding the content that follows ``node`` there.

    Content that follows it inside a list, block or heading goes along in a copy of that
    element. A slide in a stack (level 2) gets its new slide right after it; the stack's own
    first slide (level 1) gets it as the stack's first slide below.
    """
    slide = slide_of(node)
    assert slide is not None
    rest: list[nodes.Node] = []
    current: nodes.Node = node
    while current.parent is not slide:
        parent = current.parent
        after = parent.children[parent.index(current) + 1 :]
        for c in after:
            parent.remove(c)
        if after:
            copy = parent.copy()
            copy["ids"] = []
            copy.extend(after)
            rest.append(copy)
        current = parent
    index = slide.index(current)
    after = [c for c in slide.children[index + 1 :] if not isinstance(c, nodes.section)]
    for c in after:  # its own content; a stack's slides stay where they are
        slide.remove(c)
    node.parent.remove(node)
    new = nodes.section("", title, *rest, *after, classes=list(classes))
    new.source, new.line = node.source, node.line
    new.document = slide.document
    slide.document.set_id(new)
    if isinstance(slide.parent, nodes.section):  # a slide of a stack
        stack = slide.parent
        stack.insert(stack.index(slide) + 1, new)
    else:  # the stack's own slide: the new one is the first below it
        first = next(
            (i for i, c in enumerate(slide.children) if isinstance(c, nodes.section)), None
        )
        slide.insert(len(slide.children) if first is None else first, new)
    return new


def title_of(slide: nodes.section) -> nodes.title:
    """The slide's title (an empty one if it has none)."""
    title = slide.next_node(nodes.title)
    return title if isinstance(title, nodes.title) else nodes.title("", "")


def continued_title(slide: nodes.section, increment: bool) -> nodes.title:
    """The title of the slide that continues ``slide``: the same, or numbered ``(2)``."""
    old = title_of(slide)
    base, count = getattr(old, "lecturedeck_base", old.children), getattr(old, "lecturedeck_n", 1)
    children = [c.deepcopy() for c in base]
    if increment:
        children.append(nodes.Text(f" ({count + 1})"))
    title = nodes.title(old.rawsource, "", *children)
    title.lecturedeck_base, title.lecturedeck_n = base, count + 1
    return title


def section_data(attributes: dict[str, str]) -> revealjs_section:
    """A slide's reveal.js ``data-*`` attributes, as ``revealjs-section`` holds them.

    A local background image becomes an image of the deck, found and copied as one.
    """
    node = revealjs_section()
    node.attributes.update(attributes)
    return inject_children(node)


def place_data(slide: nodes.section, data: revealjs_section) -> None:
    """Give ``slide`` the attributes of ``data``: the first such node in a slide counts."""
    if data.parent is not None:
        data.parent.remove(data)
    slide.insert(1 if slide.children and isinstance(slide[0], nodes.title) else 0, data)


LISTS = (nodes.bullet_list, nodes.enumerated_list, nodes.definition_list, nodes.field_list)


def fragments(node: nodes.Element, *, nested: bool = False) -> None:
    """Reveal a list's items (or a block's children) one at a time, as fragments.

    ``nested``: every list item, term and definition at any depth.
    """
    if nested:
        kinds = (nodes.list_item, nodes.term, nodes.definition, nodes.field)
        targets = [n for n in node.findall(nodes.Element) if isinstance(n, kinds)]
    else:
        targets = [c for c in node.children if isinstance(c, nodes.Element)]
    for target in targets:
        if "fragment" not in target["classes"]:
            target["classes"].append("fragment")


class LocatedDirective(SphinxDirective):
    """A directive whose nodes carry its file and line (so its errors and warnings do too)."""

    def locate(self, node: nodes.Element) -> nodes.Element:
        """``node``, placed at this directive's source line."""
        node.source, node.line = self.get_source_info()
        return node


class Notes(LocatedDirective):
    """Speaker notes under a toolchain's name: sphinx-revealjs's notes, for the speaker view.

    sphinxjp's ``rv_note`` and sphinxcontrib-revealjs's ``speaker``.
    """

    has_content = True
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        self.assert_has_content()
        text = "\n".join(self.content)
        node = self.locate(revealjs_notes(text, classes=self.options.get("class", [])))
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


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
