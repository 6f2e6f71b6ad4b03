"""hieroglyph: decks written for the classic Sphinx slide builder build unchanged.

Read from hieroglyph 2.1's documentation and source (``directives.py``, ``writer.py``). A deck
is a hieroglyph deck when its course's ``conf.py`` loads ``hieroglyph``, or when it uses one of
hieroglyph's directives. What each construct becomes:

=================================  ==========================================================
hieroglyph                         here
=================================  ==========================================================
sections, ``slide_levels`` (3)     every section down to ``slide_levels`` is a slide, in
                                   reading order (the document title is level 1); deeper
                                   sections are headings inside their slide
``autoslides = False``             only ``slide`` directives (and sections with class
(conf.py or ``slideconf``)         ``include-as-slide``) are slides; the rest of the text is
                                   for the companion site and notebook only
``.. slide:: Title``               a slide of its own, where it stands (the text after it
                                   continues the section's slide); ``:class:`` classes the
                                   slide; ``:level:`` deeper than ``slide_levels`` makes it
                                   plain content; ``:inline-contents:`` concerns the HTML
                                   handout only (the notebook shows every slide)
``.. nextslide:: [Title]``         the rest of the slide goes on a new slide with the same
                                   title (or the one given); ``:increment:`` numbers it
                                   ``Title (2)``, ``:classes:`` classes it
``.. ifslides::`` / ``slides``     content on the slides only (not in the notebook)
``.. ifnotslides::`` / ``notslides``  content for the companion site and notebook only
``.. slideconf::``                 ``:autoslides:`` and ``:slide_classes:`` for the document;
                                   ``:theme:`` is a hieroglyph theme: warns, the deck keeps
                                   this project's theme
``.. note::``                      speaker notes (hieroglyph's presenter console)
``.. rst-class:: build``           each item of the list (or child of the block) is a
                                   fragment, revealed one at a time
``.. rst-class:: x`` on a section  the slide has class ``x``
``.. only:: slides``               true in a deck (the ``slides`` tag is set)
``.. figure:: :class: fill``       the image covers its whole slide, a figure's caption lies
(or ``.. image::``)                over its foot and the slide's text over the image (slide
                                   and figure get class ``lecturedeck-fill``; lecturedeck.css)
=================================  ==========================================================
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_revealjs._ext.notes import revealjs_notes

from lecturedeck.courseconf import course_conf
from lecturedeck.sphinxext.legacy.slides import (
    LocatedDirective,
    continued_title,
    flatten,
    fragments,
    handout_only,
    slide_of,
    slides_only,
    split,
    unsupported,
)

NAME = "hieroglyph"
SLIDE_LEVELS = 3  # hieroglyph's default: the title, its sections, and theirs
BUILD = "build"  # hieroglyph's class for incremental reveals
FILL = "fill"  # hieroglyph's class for an image shown full size over the whole slide
FILL_SLIDE = "lecturedeck-fill"  # the class of its slide and figure here (lecturedeck.css)


class hieroglyph_slide(nodes.General, nodes.Element):
    """A ``slide`` directive: its title, then its content; resolved by :class:`Slides`."""


class hieroglyph_next(nodes.General, nodes.Element):
    """A ``nextslide`` directive: where its slide continues on a new one."""


class hieroglyph_conf(nodes.General, nodes.Element):
    """A ``slideconf`` directive's settings for its document."""


def _boolean(argument: str | None) -> bool:
    """The boolean option of hieroglyph: ``True``, ``yes`` or ``1`` (any case) is true."""
    return str(argument or "").strip().lower() in {"true", "yes", "1"}


class IfSlides(LocatedDirective):
    """``ifslides`` / ``ifnotslides`` (and their old names ``slides`` / ``notslides``)."""

    has_content = True

    def run(self) -> list[nodes.Node]:  # noqa: D102
        on_slides = self.name in {"ifslides", "slides"}
        node = self.locate(slides_only() if on_slides else handout_only())
        self.state.nested_parse(self.content, self.content_offset, node, match_titles=True)
        return [node]


class SlideConf(LocatedDirective):
    """``slideconf``: the document's slide settings."""

    option_spec = {
        "theme": directives.unchanged,
        "autoslides": _boolean,
        "slide_classes": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:  # noqa: D102
        node = self.locate(hieroglyph_conf(**self.options))
        if "theme" in self.options:
            unsupported(
                f"slideconf :theme: {self.options['theme']}",
                node,
                "a hieroglyph theme; the deck keeps this project's reveal.js theme",
            )
        return [node]


class Slide(LocatedDirective):
    """``slide``: a slide where it stands, with a title."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {
        "class": directives.class_option,
        "name": directives.unchanged,
        "level": directives.nonnegative_int,
        "inline-contents": _boolean,
    }

    def run(self) -> list[nodes.Node]:  # noqa: D102
        node = self.locate(hieroglyph_slide(classes=self.options.get("class", [])))
        if "level" in self.options:
            node["level"] = self.options["level"]
        if self.arguments:
            text, messages = self.state.inline_text(self.arguments[0], self.lineno)
            title = nodes.title(self.arguments[0], "", *text)
            title.source, title.line = node.source, node.line
            node += title
            node += messages
        self.add_name(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class NextSlide(LocatedDirective):
    """``nextslide``: the slide continues on a new one."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"increment": directives.flag, "classes": directives.class_option}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        node = self.locate(hieroglyph_next(classes=self.options.get("classes", [])))
        node["increment"] = "increment" in self.options
        if self.arguments:
            text, messages = self.state.inline_text(self.arguments[0], self.lineno)
            node["title"] = nodes.title(self.arguments[0], "", *text)
            return [node, *messages]
        return [node]


# -- Reshaping a hieroglyph deck into slides ------------------------------------------------------
class Slides(SphinxTransform):
    """Give a hieroglyph deck its slides: sections by level, ``slide``, ``nextslide``, notes."""

    default_priority = 880  # after Sphinx's own transforms, before the deck is pickled

    def apply(self, **kwargs: object) -> None:  # noqa: D102
        _build_fragments(self.document)
        settings = self.settings_of()
        if settings is None:
            return
        levels, autoslides, classes = settings
        for conf in list(self.document.findall(hieroglyph_conf)):
            conf.parent.remove(conf)
        if not autoslides:
            self._explicit_slides_only()
        flatten(self.document, levels)
        if classes:
            for section in self.document.findall(nodes.section):
                if not section["classes"]:
                    section["classes"] = list(classes)
        for node in list(self.document.findall(hieroglyph_slide)):
            self._slide(node, levels)
        for node in list(self.document.findall(hieroglyph_next)):
            self._next(node)
        for image in self.document.findall(nodes.image):
            slide = slide_of(image) if FILL in image["classes"] else None
            if slide is None:
                continue
            holders = [slide, image.parent] if isinstance(image.parent, nodes.figure) else [slide]
            for holder in holders:
                if FILL_SLIDE not in holder["classes"]:
                    holder["classes"].append(FILL_SLIDE)
        for note in list(self.document.findall(nodes.note)):
            notes = revealjs_notes(note.rawsource, *note.children)
            notes.source, notes.line = note.source, note.line
            note.replace_self(notes)

    def settings_of(self) -> tuple[int, bool, list[str]] | None:
        """``(slide_levels, autoslides, slide_classes)``, or None for a deck of no toolchain's."""
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        conf = course_conf(docdir, Path(self.env.srcdir))
        ours = conf is not None and conf.toolchain == NAME
        used = any(True for _ in self.document.findall(_hieroglyph_node))
        if not ours and not used:
            return None
        if conf is not None:
            self.env.note_dependency(str(conf.path))
        get = conf.get if ours else (lambda name, default=None: default)
        levels = get("slide_levels", SLIDE_LEVELS)
        autoslides = get("autoslides", True)
        slide_classes: list[str] = []
        for node in self.document.findall(hieroglyph_conf):
            autoslides = node.get("autoslides", autoslides)
            slide_classes = node.get("slide_classes", slide_classes)
        levels = levels if isinstance(levels, int) and levels >= 1 else SLIDE_LEVELS
        return levels, bool(autoslides), slide_classes

    def _explicit_slides_only(self) -> None:
        """``autoslides = False``: the text outside ``slide`` directives is not on the slides.

        Each section's explicit slides (``slide`` directives, sections classed
        ``include-as-slide``, ``ifslides`` blocks) follow it as slides of their own; the rest
        of the section is for the site and the notebook only.
        """
        for section in [s for s in self.document.children if isinstance(s, nodes.section)]:
            slides: list[nodes.section] = []
            for node in self._explicit(section):
                if isinstance(node, nodes.section):
                    slides.append(node)
                elif slides:  # slide-only text between slides: on the slide before it
                    slides[-1] += node
                else:
                    slides.append(nodes.section("", nodes.title("", ""), node))
                    self.document.set_id(slides[-1])
            index = self.document.index(section)
            self.document.remove(section)
            wrapper = handout_only()
            wrapper += section
            self.document.insert(index, wrapper)
            for offset, slide in enumerate(slides, start=1):
                self.document.insert(index + offset, slide)

    def _explicit(self, section: nodes.section) -> list[nodes.Node]:
        """The explicit slides of ``section``, taken out of it, as top-level sections."""
        found: list[nodes.Node] = []
        for node in list(section.findall(_explicit_slide)):
            if node.parent is None or _inside_taken(node):
                continue
            node.parent.remove(node)
            if isinstance(node, hieroglyph_slide):
                title = node.next_node(nodes.title)
                rest = [c for c in node.children if c is not title]
                slide = nodes.section(
                    "", title or nodes.title("", ""), *rest, classes=node["classes"]
                )
                slide.source, slide.line = node.source, node.line
                slide.document = self.document
                self.document.set_id(slide)
                node = slide
            node["lecturedeck_taken"] = True
            found.append(node)
        return found

    def _slide(self, node: hieroglyph_slide, levels: int) -> None:
        title = node.next_node(nodes.title)
        title = title if isinstance(title, nodes.title) and title.parent is node else None
        owner = slide_of(node)
        if node.get("level", 0) > levels or owner is None:
            box = nodes.container(classes=["slide-content", *node["classes"]])
            box.extend([c for c in node.children if c is not title])
            node.replace_self(box)
            return
        # The section's text after the directive continues the section's slide, after it.
        rest = split(node, continued_title(owner, False), owner["classes"])
        slide = nodes.section("", *node.children, classes=node["classes"], ids=node["ids"])
        if title is None:
            slide.insert(0, nodes.title("", ""))
        slide.source, slide.line = node.source, node.line
        slide.document = self.document
        if not slide["ids"]:
            self.document.set_id(slide)
        rest.parent.insert(rest.parent.index(rest), slide)
        if len(rest.children) == 1:  # nothing followed the directive
            rest.parent.remove(rest)

    def _next(self, node: hieroglyph_next) -> None:
        slide = slide_of(node)
        if slide is None:
            node.parent.remove(node)
            return
        title = node.get("title") or continued_title(slide, node["increment"])
        new = split(node, title, node["classes"])
        if len(new.children) == 1:  # nothing followed: hieroglyph makes no slide
            new.parent.remove(new)


def _hieroglyph_node(node: nodes.Node) -> bool:
    return isinstance(node, hieroglyph_slide | hieroglyph_next | hieroglyph_conf)


def _explicit_slide(node: nodes.Node) -> bool:
    return isinstance(node, hieroglyph_slide | slides_only) or (
        isinstance(node, nodes.section) and "include-as-slide" in node.get("classes", [])
    )


def _inside_taken(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.Element) and parent.get("lecturedeck_taken"):
            return True
        parent = parent.parent
    return False


def _build_fragments(document: nodes.document) -> None:
    """``.. rst-class:: build``: each item of the list, or child of the block, is a fragment."""
    for node in list(document.findall(nodes.Element)):
        if BUILD in node.get("classes", []) and not isinstance(node, nodes.section):
            fragments(node)


def setup(app: Sphinx) -> None:
    """Register hieroglyph's directives and the reshaping of its decks."""
    for node in (hieroglyph_slide, hieroglyph_next, hieroglyph_conf):
        app.add_node(node)
    for name in ("ifslides", "ifnotslides", "slides", "notslides"):
        app.add_directive(name, IfSlides, override=True)
    app.add_directive("slideconf", SlideConf, override=True)
    app.add_directive("slide", Slide, override=True)
    app.add_directive("nextslide", NextSlide, override=True)
    app.add_transform(Slides)
