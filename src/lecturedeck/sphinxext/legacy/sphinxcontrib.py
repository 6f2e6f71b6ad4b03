"""sphinxcontrib-revealjs: decks written for Hackbright's reveal.js builder build unchanged.

Read from sphinxcontrib-revealjs 0.2a0 (the one release) and its repository's later code,
whose documented meaning is taken where the release fell short (``newslide``'s title and
options, which 0.2a0 ignored). A deck is read this way when its course's ``conf.py`` loads
``sphinxcontrib.revealjs``, or when it uses one of these directives. What each becomes:

=================================  ==========================================================
sphinxcontrib-revealjs             here
=================================  ==========================================================
sections                           every section is a slide, at any depth, in reading order
``.. newslide:: [title]``          the rest of the slide goes on a new slide with the same
                                   title; a title argument replaces it, ``+ more`` appends to
                                   it; ``:class:``, ``:background-color:``,
                                   ``:background-image:``, ``:transition:`` and
                                   ``:transition-speed:`` are the new slide's
``----`` (a transition)            a ``newslide`` (``revealjs_break_on_transition``, on unless
                                   the course's conf.py turns it off)
``.. interslide:: [Title]``        a slide of its own where it stands, classed ``interslide``,
                                   with the same options; the text after it continues the
                                   section's slide (glide's ``:background:`` and ``:iframe:``
                                   are taken too)
``.. speaker::``                   speaker notes
``.. incremental:: one|item|nest`` reveals: ``one`` the whole block at once, ``item`` each
(``.. incr::``)                    item of its list, ``nest`` every item at any depth
admonitions                        shown (the release's writer dropped them; nothing is
                                   dropped here)
=================================  ==========================================================
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

from lecturedeck.courseconf import course_conf
from lecturedeck.sphinxext.legacy.slides import (
    LISTS,
    LocatedDirective,
    Notes,
    continued_title,
    flatten,
    fragments,
    place_data,
    section_data,
    slide_of,
    split,
)

NAME = "sphinxcontrib-revealjs"
DEPTH = 6  # every section level is a slide
TRANSITIONS = ("none", "fade", "slide", "convex", "concave", "zoom")
SPEEDS = ("default", "fast", "slow")


class contrib_newslide(nodes.General, nodes.Element):
    """A ``newslide`` (or a transition): where the slide continues on a new one."""


class contrib_interslide(nodes.General, nodes.Element):
    """An ``interslide``: a slide of its own where it stands."""


def _options(node: nodes.Element, options: dict) -> nodes.Element:
    """The slide options as reveal.js attributes on ``node`` (a ``revealjs_section`` child)."""
    data = {}
    if "background-color" in options:
        data["data-background-color"] = options["background-color"]
    if "background-image" in options:
        data["data-background-image"] = options["background-image"]
    if "transition" in options:
        data["data-transition"] = options["transition"]
    if "transition-speed" in options:
        data["data-transition-speed"] = options["transition-speed"]
    # glide, the same authors' earlier tool, wrote one :background: (a colour or an image)
    # and :iframe:; decks moved from it to sphinxcontrib-revealjs kept them.
    background = options.get("background", "")
    if background:
        kind = "image" if "." in background.rsplit("/", 1)[-1] else "color"
        data.setdefault(f"data-background-{kind}", background)
    if options.get("iframe"):
        data["data-background-iframe"] = options["iframe"]
    if data:
        node += section_data(data)
    return node


SLIDE_OPTIONS = {
    "class": directives.class_option,
    "background-color": directives.unchanged,
    "background-image": directives.uri,
    "transition": lambda a: directives.choice(a, TRANSITIONS),
    "transition-speed": lambda a: directives.choice(a, SPEEDS),
    "background": directives.unchanged,
    "iframe": directives.uri,
}


class NewSlide(LocatedDirective):
    """``newslide``: the slide continues on a new one."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = SLIDE_OPTIONS

    def run(self) -> list[nodes.Node]:  # noqa: D102
        node = self.locate(contrib_newslide(classes=self.options.get("class", [])))
        if self.arguments:
            node["title"] = self.arguments[0]
        return [_options(node, self.options)]


class InterSlide(LocatedDirective):
    """``interslide``: a slide of its own, between the section's slides."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True  # the release took one word; a title of several is kept
    option_spec = SLIDE_OPTIONS

    def run(self) -> list[nodes.Node]:  # noqa: D102
        node = self.locate(
            contrib_interslide(classes=["interslide", *self.options.get("class", [])])
        )
        title = nodes.title(self.arguments[0] if self.arguments else "", "")
        if self.arguments:
            text, messages = self.state.inline_text(self.arguments[0], self.lineno)
            title += text
            node += messages
        else:
            title["lecturedeck_hidden"] = True
        node.insert(0, title)
        _options(node, self.options)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class Incremental(LocatedDirective):
    """``incremental`` / ``incr``: reveal a block, its list's items, or every nested item."""

    has_content = True
    required_arguments = 1
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        how = self.arguments[0].strip().lower()
        if how not in {"one", "item", "nest"}:
            raise self.error(f"{self.name}: {how!r} is not one of one, item, nest")
        box = self.locate(nodes.container(classes=self.options.get("class", [])))
        self.state.nested_parse(self.content, self.content_offset, box)
        if how == "one":
            box["classes"].append("fragment")
        elif how == "nest":
            fragments(box, nested=True)
        else:
            first = next((c for c in box.children if isinstance(c, LISTS)), None)
            if first is None:
                raise self.error(f"{self.name}: item: the content has no list")
            fragments(first)
        return [box]


class Slides(SphinxTransform):
    """Give a sphinxcontrib-revealjs deck its slides: every section, newslide, interslide."""

    default_priority = 880

    def apply(self, **kwargs: object) -> None:  # noqa: D102
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        conf = course_conf(docdir, Path(self.env.srcdir))
        ours = conf is not None and conf.toolchain == NAME
        used = any(True for _ in self.document.findall(_ours))
        if not ours and not used:
            return
        if conf is not None and ours:
            self.env.note_dependency(str(conf.path))
        if not ours or conf.get("revealjs_break_on_transition", True):
            for rule in list(self.document.findall(nodes.transition)):
                if slide_of(rule) is not None:
                    new = contrib_newslide()
                    new.source, new.line = rule.source, rule.line
                    rule.replace_self(new)
        flatten(self.document, DEPTH)
        for node in list(self.document.findall(contrib_interslide)):
            self._interslide(node)
        for node in list(self.document.findall(contrib_newslide)):
            self._newslide(node)

    def _newslide(self, node: contrib_newslide) -> None:
        slide = slide_of(node)
        if slide is None:
            node.parent.remove(node)
            return
        title = continued_title(slide, False)
        given = node.get("title", "").strip()
        if given.startswith("+"):
            title += nodes.Text(" " + given[1:].strip())
        elif given:
            title = nodes.title(given, given)
        data = [c for c in node.children if type(c).__name__ == "revealjs_section"]
        new = split(node, title, node["classes"])
        for d in data:
            place_data(new, d)

    def _interslide(self, node: contrib_interslide) -> None:
        owner = slide_of(node)
        if owner is None:
            node.parent.remove(node)
            return
        rest = split(node, continued_title(owner, False), owner["classes"])
        slide = nodes.section("", classes=node["classes"], ids=node["ids"])
        slide.extend(list(node.children))
        slide.source, slide.line = node.source, node.line
        if not slide["ids"]:
            self.document.set_id(slide)
        for data in [c for c in slide.children if type(c).__name__ == "revealjs_section"]:
            place_data(slide, data)
        rest.parent.insert(rest.parent.index(rest), slide)
        if len(rest.children) == 1:
            rest.parent.remove(rest)


def _ours(node: nodes.Node) -> bool:
    return isinstance(node, contrib_newslide | contrib_interslide)


def setup(app: Sphinx) -> None:
    """Register the builder's directives and the reshaping of its decks."""
    app.add_node(contrib_newslide)
    app.add_node(contrib_interslide)
    app.add_directive("newslide", NewSlide, override=True)
    app.add_directive("interslide", InterSlide, override=True)
    app.add_directive("speaker", Notes, override=True)
    app.add_directive("incremental", Incremental, override=True)
    app.add_directive("incr", Incremental, override=True)
    app.add_transform(Slides)
