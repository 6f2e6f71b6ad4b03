"""sphinxjp.themes.revealjs: decks written for tell-k's reveal.js theme build unchanged.

Read from sphinxjp.themes.revealjs 0.3 (``directives.py``, ``templates/revealjs/layout.html``)
and return42's fork, which some decks need. There, only ``revealjs`` directives were slides:
the page's script deleted the document title and unwrapped its sections. A deck is read this
way when it uses the ``revealjs`` directive. What each construct becomes:

=================================  ==========================================================
sphinxjp.themes.revealjs           here
=================================  ==========================================================
``.. revealjs:: Title words``      a slide (the words, joined, are its title); a ``revealjs``
                                   inside another is a slide below it (vertical)
``:noheading:``                    the slide shows no title (it keeps it for the index)
``:title-heading: h1``             the title's heading level (``h2`` by default)
``:subtitle:`` /                   a subtitle under the title, at that level (``h3``)
``:subtitle-heading:``
``:id:`` / ``:class:``             the slide's id and classes
``:data-transition:``,             the slide's reveal.js attributes, as ``revealjs-section``
``:data-background...:``,          gives them (``data-background`` with an image path is the
``:data-state:`` and any           background image, copied with the deck)
``data-*``
``:data-markdown:``                the content (or the local file it names) is Markdown,
                                   rendered at build time; ``data-separator`` splits slides
``.. rv_code::``                   a code block, highlighted at build time; its text is HTML
                                   as the theme wrote it (``&lt;`` is ``<``); ``:class:`` and
                                   ``:id:`` (return42's fork) class it
``.. rv_small::``                  small text (``.small``)
``.. rv_note::``                   speaker notes
``.. rst-class:: fragment ...``    a fragment (reveal.js's own classes, as they were)
the document title                 not a slide, as the theme deleted it: a hidden slide that
                                   names the deck in the index and the browser's title
text outside every ``revealjs``    a slide of its own, untitled (nothing is dropped)
=================================  ==========================================================
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_revealjs.nodes import revealjs_vertical

from lecturedeck.sphinxext.legacy.slides import (
    LocatedDirective,
    Notes,
    place_data,
    section_data,
    subheading,
)

NAME = "sphinxjp.themes.revealjs"
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif")
# Nodes that show nothing: they never make a slide of their own.
INVISIBLE = (
    nodes.comment,
    nodes.target,
    nodes.substitution_definition,
    nodes.system_message,
    nodes.pending,
)


class sphinxjp_slide(nodes.General, nodes.Element):
    """A ``revealjs`` directive: title, subtitle and content; a slide once :class:`Slides` ran."""


def _heading(argument: str) -> str:
    value = directives.choice(argument.strip().lower(), HEADINGS)
    return value


class _DataOptions(dict):
    """The directive's options: the named ones, and any ``data-*`` attribute."""

    def __missing__(self, key: str):  # noqa: ANN204
        if key.startswith("data-"):
            return directives.unchanged
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or (isinstance(key, str) and key.startswith("data-"))


class RevealjsSlide(LocatedDirective):
    """``revealjs``: a slide, with its title words as the arguments."""

    has_content = True
    optional_arguments = 100
    option_spec = _DataOptions(
        {
            "id": directives.unchanged,
            "class": directives.class_option,
            "noheading": directives.flag,
            "title-heading": _heading,
            "subtitle": directives.unchanged,
            "subtitle-heading": _heading,
        }
    )

    def run(self) -> list[nodes.Node]:  # noqa: D102
        node = self.locate(sphinxjp_slide(classes=self.options.get("class", [])))
        if "id" in self.options:
            node["ids"] = [nodes.make_id(self.options["id"]) or self.options["id"]]
            node["explicit_id"] = node["ids"][0]
        words = " ".join(self.arguments)
        title = nodes.title(words, "", *_raw_inline(words))
        title.source, title.line = node.source, node.line
        title["level"] = int(self.options.get("title-heading", "h2")[1])
        if not words or "noheading" in self.options:
            title["lecturedeck_hidden"] = True
        node += title
        if self.options.get("subtitle"):
            text = self.options["subtitle"]
            level = int(self.options.get("subtitle-heading", "h3")[1])
            node += subheading(text, "", *_raw_inline(text), level=level)
        data = {k: v for k, v in self.options.items() if k.startswith("data-")}
        markdown = data.pop("data-markdown", None)
        for key in ("data-separator", "data-separator-vertical", "data-separator-notes"):
            data.pop(key, None)
        data.pop("data-charset", None)
        background = data.pop("data-background", None)
        if background:
            kind = "image" if background.lower().endswith(IMAGE_SUFFIXES) else "color"
            data.setdefault(f"data-background-{kind}", background)
        if data:
            node += section_data(data)
        if markdown is not None:
            node += self.markdown(markdown)
        else:
            self.state.nested_parse(self.content, self.content_offset, node)
        return [node]

    def markdown(self, source: str) -> list[nodes.Node]:
        """The slide's Markdown (its content, or the local file it names), as HTML."""
        from markdown_it import MarkdownIt

        text = "\n".join(self.content)
        if source.strip():
            path = Path(self.env.relfn2path(source.strip())[1])
            root = Path(self.config.lecturedeck_root).resolve()
            if not path.resolve().is_relative_to(root) or not path.is_file():
                raise self.error(f"revealjs: data-markdown file not found: {source.strip()}")
            self.env.note_dependency(str(path))
            text = path.read_text(encoding="utf-8")
        separator = self.options.get("data-separator") or r"^\r?\n---\r?\n$"
        parts = re.split(separator, text, flags=re.MULTILINE) if separator else [text]
        rendered = "\n<hr>\n".join(MarkdownIt("commonmark").render(p) for p in parts)
        return [nodes.raw("", rendered, format="html")]


def _raw_inline(text: str) -> list[nodes.Node]:
    """A title as the theme wrote it: raw HTML when it has tags, else its text."""
    if "<" in text and ">" in text:
        return [nodes.raw(text, text, format="html")]
    return [nodes.Text(html.unescape(text))]


class RvCode(LocatedDirective):
    """``rv_code``: code, as HTML text, highlighted at build time."""

    has_content = True
    option_spec = {"class": directives.class_option, "id": directives.unchanged}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        self.assert_has_content()
        code = html.unescape("\n".join(self.content))
        node = self.locate(nodes.literal_block(code, code, classes=self.options.get("class", [])))
        if "id" in self.options:
            node["ids"] = [self.options["id"]]
        return [node]


class RvSmall(LocatedDirective):
    """``rv_small``: small text."""

    has_content = True
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        self.assert_has_content()
        node = self.locate(nodes.container(classes=["small", *self.options.get("class", [])]))
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


# -- The deck: only revealjs directives are slides ----------------------------------------------
def _section(slide: sphinxjp_slide, document: nodes.document) -> nodes.section:
    """The slide a ``revealjs`` directive makes, and the slides below it (nested ones)."""
    section = nodes.section("", classes=slide["classes"], ids=slide["ids"])
    if slide.get("explicit_id"):
        section["lecturedeck_slide_id"] = slide["explicit_id"]
    section.source, section.line = slide.source, slide.line
    below = []
    for child in list(slide.children):
        slide.remove(child)
        if isinstance(child, sphinxjp_slide):
            below.append(_section(child, document))
        else:
            section += child
    for data in list(section.findall(lambda n: type(n).__name__ == "revealjs_section")):
        if data.parent is section:
            place_data(section, data)
            break
    if not section["ids"]:
        document.set_id(section)
    for sub in below:  # a vertical stack: sphinx-revealjs nests two levels
        for deeper in [c for c in sub.children if isinstance(c, nodes.section)]:
            sub.remove(deeper)
            below.insert(below.index(sub) + 1, deeper)
    shows = [c for c in section.children if not isinstance(c, INVISIBLE + (nodes.title,))]
    title = section.next_node(nodes.title)
    if below and not shows and (title is None or title.get("lecturedeck_hidden")):
        # A stack and nothing else (the usual outer ``revealjs``): its first slide leads it,
        # and its attributes are the stack's.
        first, below = below[0], below[1:]
        stack = revealjs_vertical()
        for data in [c for c in section.children if type(c).__name__ == "revealjs_section"]:
            stack.attributes.update(
                {k: v for k, v in data.attributes.items() if k.startswith("data-")}
            )
        if len(stack.attributes) > len(revealjs_vertical().attributes):
            first.insert(0, stack)
        first.extend(below)
        return first
    section.extend(below)
    return section


class Slides(SphinxTransform):
    """Give a sphinxjp.themes.revealjs deck its slides: its ``revealjs`` directives."""

    default_priority = 880

    def apply(self, **kwargs: object) -> None:  # noqa: D102
        if not any(True for _ in self.document.findall(sphinxjp_slide)):
            return
        tops = [c for c in self.document.children if isinstance(c, nodes.section)]
        head = tops[0] if tops else None  # the document title's section, if it has one
        title = head.next_node(nodes.title) if head is not None else None
        slides: list[nodes.section] = []
        loose: list[nodes.Node] = []

        def flush() -> None:
            """The text gathered since the last slide: a slide of its own, if it shows."""
            if any(not isinstance(n, INVISIBLE + (nodes.raw,)) for n in loose):
                untitled = nodes.title("", "")
                untitled["lecturedeck_hidden"] = True
                slide = nodes.section("", untitled, *loose)
                self.document.set_id(slide)
                slides.append(slide)
                loose.clear()

        def walk(container: nodes.Element) -> None:
            for child in list(container.children):
                container.remove(child)
                if isinstance(child, sphinxjp_slide):
                    flush()
                    slide = _section(child, self.document)
                    at = 1 if slide.children and isinstance(slide[0], nodes.title) else 0
                    for n in reversed(loose):  # labels, comments, a logo: with the next slide
                        slide.insert(at, n)
                    loose.clear()
                    slides.append(slide)
                elif isinstance(child, nodes.section):
                    sub = child.next_node(nodes.title)
                    if child is not head and isinstance(sub, nodes.title) and sub.parent is child:
                        child.remove(sub)
                        loose.append(subheading(sub.rawsource, "", *sub.children, level=3))
                    walk(child)
                elif child is not title:
                    loose.append(child)

        walk(self.document)
        flush()
        if head is not None:  # the deck's name, for the index and the page title; not shown
            head.clear()
            if isinstance(title, nodes.title):
                head += title
            hidden = revealjs_vertical()  # the whole stack, not only its slide
            hidden["data-visibility"] = "hidden"
            head += [hidden, section_data({"data-visibility": "hidden"})]
            self.document += head
        if loose and slides:  # what closes the deck and shows nothing: with the last slide
            slides[-1].extend(loose)
        elif loose and head is not None:
            head.extend(loose)
        self.document.extend(slides)


def setup(app: Sphinx) -> None:
    """Register the theme's directives and the reshaping of its decks."""
    app.add_node(sphinxjp_slide)
    app.add_directive("revealjs", RevealjsSlide, override=True)
    app.add_directive("rv_code", RvCode, override=True)
    app.add_directive("rv_small", RvSmall, override=True)
    app.add_directive("rv_note", Notes, override=True)
    app.add_transform(Slides)
