r"""``make notebooks``: one Jupyter notebook per deck, ``_build/notebooks/<deck>.ipynb``.

A take-home copy of a lecture for students: each slide's title and text as markdown, and the
deck's ``live-code`` cells as code cells, in slide order, each with the output it printed when
the deck was built. Written with nbformat (v4), validated, and only when its content changed
(an unchanged notebook keeps its file and time); each file is replaced in one step.

**Source.** The doctrees Sphinx pickled during the last good ``make slides``
(``_build/.doctrees/revealjs-slides/<deck>.doctree``), not the RST: they hold each cell's
source and build-time output, the author's LaTeX and links, and nothing is run or rendered
again. The command therefore refuses, like ``make check`` and ``make pdf``, decks that are not
the build of the current sources; ``make notebooks`` runs ``make slides`` first. Every deck
of :func:`lecturedeck.project.deck_names` gets a notebook, with or without cells.

**Markdown.** Paragraphs, lists, tables, block quotes and fragments as written; inline math
as ``$...$`` with the author's LaTeX, display math as ``$$...$$`` translated as for KaTeX
(:func:`lecturedeck.sphinxext.mathrender.to_katex`: ``eqnarray*`` and bare ``&=`` rows become
``aligned``, which Jupyter's MathJax reads too); literal blocks and ``lecture-source`` as
fenced code; links as markdown links, the URL exactly as written; images embedded as cell
attachments with their alt text, so the notebook shows its figures wherever it is opened; a
quiz as its question, its options and the answer folded under "Answer"; an ``:eval:`` value
as the text the build computed (in math too). Speaker notes (``revealjs-notes``, and comments
when they are notes) are not student material: left out. So is what an older toolchain showed
on slides only (hieroglyph's ``ifslides``); what it kept for the handout (``ifnotslides``) is in.

**Claims.** A ``claim`` is its sentence, then a code cell that imports what its check uses and
asserts it (tagged ``claim``, with no output): running the notebook checks it again.

**Outputs.** A cell's output is one ``stdout`` stream holding what the build printed: its
prints, then the ``repr`` of a last expression (:mod:`lecturedeck.sphinxext.cellrun`).
Run in Jupyter, the same cell prints the first part and shows the second as its result; the
setup cell turns IPython's pretty-printer off (``%config PlainTextFormatter.pprint = False``)
so that a result reads exactly as in the deck. An output the deck cut is stored as cut.

**Importing lecture_code.** The notebook carries the ``lecture_code`` files its cells run
(the package top and what it imports, read from ``src/`` as the deck was built with), packed
into its first code cell with their sha256; that cell is folded where the notebook opens
(``source_hidden``, Colab's form view), so the lecture comes first. Run, it checks the packed
code against its hash (a changed copy is refused in one line), then makes the package
importable and says from where, in one line: the course project's own ``src/`` when the
notebook sits inside the project (found in its folder or one above it: the code the build
ran, as ``conf.py`` puts it first too), else the installed package, else the code it
carries, unpacked into a temporary folder. So the file alone is enough: plain Jupyter,
JupyterLab, VS Code and Colab need nothing installed but Python.

    python -m lecturedeck.commands.notebooks [--root .] [--out _build/notebooks] [deck ...]
"""

from __future__ import annotations

import argparse
import base64
import mimetypes
import os
import pickle
import re
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes

from lecturedeck.project import (
    DECKS_OUT,
    NOTEBOOKS_OUT,
    PACKAGE,
    SLIDES,
    deck_names,
    deck_source,
    doctrees_dir,
    replacing,
    show_path,
    without_iri_grammar,
)

# Imported so that pickle finds the extension's node classes, and for isinstance checks.
from lecturedeck.sphinxext.claims import claim
from lecturedeck.sphinxext.explorable import explorable
from lecturedeck.sphinxext.legacy.slides import handout_only, slides_only, subheading
from lecturedeck.sphinxext.livecode import lecture_source, live_cell
from lecturedeck.sphinxext.mathrender import to_katex

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

INTRO = """\
*The notebook of the lecture deck **{title}** (`{source}`), written by `make notebooks` from the \
deck's build: each slide's title and text, the deck's code cells with what they printed \
when the deck was built, and a cell that checks each of its claims.*

The code cells import `{package}`, the course's own code. This notebook carries it, exactly as \
the deck was built with: its first code cell (folded) makes it importable, with nothing to \
install but Python, in Jupyter, JupyterLab, VS Code or Colab. Run the cells from the top.

`make notebooks` rewrites this file: keep your own changes in a copy."""

SETUP = """\
# @title Set up: make `{package}` importable, and show values as the deck does
import sys
from pathlib import Path

# This notebook carries the `{package}` the deck was built with ({count} modules, sha256
# {short}), packed below: it runs with Python alone, in Jupyter, VS Code or Colab.
# Inside the course project (as in its {out}/), the project's own src/ is used instead,
# and where the package is installed, the installed one.
CARRIED = (
{blob}
)
SHA256 = "{digest}"


def _setup(package="{package}"):
    import base64, hashlib, importlib.util, json, tempfile, zlib

    class Refused(RuntimeError):
        def _render_traceback_(self):  # IPython shows this one line, not a traceback
            return [f"{{type(self).__name__}}: {{self}}"]

    files = json.loads(zlib.decompress(base64.b64decode("".join(CARRIED))))
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    if digest != SHA256:
        raise Refused(
            f"the {{package}} this notebook carries is not the code the deck was built with "
            f"(sha256 {{digest[:12]}}, not {{SHA256[:12]}}); get the notebook again"
        )
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "src" / package / "__init__.py").is_file():
            if str(folder / "src") not in sys.path:
                sys.path.insert(0, str(folder / "src"))
            return f"{{package}}: the course project's own, in {{folder / 'src'}}"
    if importlib.util.find_spec(package) is not None:
        return f"{{package}}: the installed package"
    home = Path(tempfile.mkdtemp(prefix=f"{{package}}-"))
    for name, text in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(home))
    return f"{{package}}: the code this notebook carries ({{len(files)}} modules), in {{home}}"


print(_setup())
import {package}

# A cell's last value is shown as its repr(), on one line, as on the slide.
%config PlainTextFormatter.pprint = False"""

# Nodes that are not student material, or not content at all.
SKIPPED = (
    nodes.comment,  # a speaker note when revealjs_notes_from_comments is on; else nothing
    nodes.target,
    nodes.substitution_definition,
    nodes.system_message,
    nodes.raw,  # deck markup (theme links, layout); nothing a notebook can use
    nodes.pending,
)
# Markdown's special characters, escaped in plain text.
_SPECIAL = re.compile(r"([\\`*_\[\]<>$|~&])")
# What would start a heading, quote, list or rule at the start of a line.
# An ordered list starts with digits and "." or ")" before a space; markdown escapes only
# punctuation, so the escape goes before the "." ("2\\. x"; "2.0" needs none).
_LINE_START = re.compile(r"^(#|>|[-+=])|^(\d{1,9})([.)])(?=\s|$)")


class NotebookError(Exception):
    """A notebook could not be written; the message names the deck and why."""


def _is_notes(node: nodes.Node) -> bool:
    """A ``revealjs-notes`` block (sphinx-revealjs's node), or any other notes node."""
    return type(node).__name__ in {"revealjs_notes", "notes"}


def _is_slide_markup(node: nodes.Node) -> bool:
    """sphinx-revealjs's attributes nodes (section, slide, vertical, break): no content."""
    return type(node).__name__ in {
        "revealjs_section",
        "revealjs_slide",
        "revealjs_vertical",
        "revealjs_break",
    }


def escape(text: str) -> str:
    """Plain text as markdown that shows it as written (newlines become spaces)."""
    return _SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def _guard_start(text: str) -> str:
    """Escape a paragraph's first character if markdown would read it as block syntax."""
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text, count=1)


def _fence(code: str, char: str = "`", least: int = 3) -> str:
    runs = re.findall(re.escape(char) + "+", code)
    return char * max(least, 1 + max((len(r) for r in runs), default=0))


def code_span(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    text = text.replace("\n", " ")
    fence = _fence(text, least=1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced(code: str, language: str = "") -> str:
    """A fenced code block."""
    fence = _fence(code)
    return f"{fence}{language}\n{code.rstrip()}\n{fence}"


def _indent(text: str, prefix: str, first: str | None = None) -> str:
    lines = text.split("\n")
    out = [(first if first is not None else prefix) + lines[0]]
    out += [prefix + line if line else prefix.rstrip() for line in lines[1:]]
    return "\n".join(out)


@dataclass
class Cell:
    """A code cell to be: a live cell's source and build-time output."""

    source: str
    output: str
    tags: tuple[str, ...] = ()


def claim_cell(node: claim) -> Cell:
    """A claim's check, asserted with the sentence as its message; it prints nothing."""
    check = node["source_code"]
    if "\n" in check:  # written over several lines: kept so, inside parentheses
        check = "(\n" + textwrap.indent(check, "    ") + "\n)"
    lines = [
        "# The claim above, checked when the deck was built: run this cell to check it again.",
        *node["imports"],
        f"assert {check}, {' '.join(node.astext().split())!r}",
    ]
    return Cell("\n".join(lines), "", ("claim",))


def explorable_cell(node: explorable) -> Cell:
    """An explorable figure's code: its function, called at the controls' defaults.

    The output is the build's own result for those defaults, printed mark by mark as the
    cell prints it, so that running the notebook prints the same.
    """
    controls = node["controls"]
    index = 0
    for control in controls:
        index = index * len(control["values"]) + control["default"]
    arguments = ", ".join(f"{c['name']}={c['values'][c['default']]!r}" for c in controls)
    source = (
        f"from {node['module']} import *  # the figure's data and the functions it uses\n\n"
        f"{node['source'].rstrip()}\n\n\n"
        f"figure = {node['name']}({arguments})\n"
        'for mark in figure["marks"]:\n'
        '    print(mark["mark"], mark["y"])\n'
    )
    output = "".join(f"{m['mark']} {m['y']}\n" for m in node["results"][index]["marks"])
    return Cell(source, output)


@dataclass
class Markdown:
    """Turns the nodes of one deck into markdown; collects the images it embeds."""

    srcdir: Path
    attachments: dict[str, dict[str, str]] = field(default_factory=dict)  # key: {mime: base64}
    _files: dict[str, Path] = field(default_factory=dict)  # key: the file it holds

    # -- inline ---------------------------------------------------------------------------------
    def inline(self, node: nodes.Node) -> str:
        """The markdown of a node inside a paragraph."""
        if isinstance(node, nodes.Text):
            return escape(node.astext())
        if isinstance(node, SKIPPED) or _is_notes(node):
            return ""
        if isinstance(node, nodes.math):
            return f"${node.astext().strip()}$"
        if isinstance(node, nodes.literal):
            return code_span(node.astext())
        if isinstance(node, nodes.image):
            return self.image(node)
        inner = "".join(self.inline(child) for child in node.children)
        if isinstance(node, nodes.strong):
            return f"**{inner}**" if inner.strip() else inner
        if isinstance(node, nodes.emphasis | nodes.title_reference):
            return f"*{inner}*" if inner.strip() else inner
        if isinstance(node, nodes.subscript):
            return f"<sub>{inner}</sub>"
        if isinstance(node, nodes.superscript):
            return f"<sup>{inner}</sup>"
        if isinstance(node, nodes.reference) and node.get("refuri"):
            uri = node["refuri"]  # exactly as the author wrote it
            if re.search(r"[\s()<>]", uri):
                uri = f"<{uri}>"
            return f"[{inner or escape(node['refuri'])}]({uri})"
        if isinstance(node, nodes.footnote_reference):
            return f"[{inner}]"
        return inner

    def inlines(self, node: nodes.Node) -> str:
        """The markdown of a node's children, as one line."""
        return "".join(self.inline(child) for child in node.children).strip()

    def image(self, node: nodes.image) -> str:
        """An image: embedded as a cell attachment when it is a local file, else linked."""
        alt = escape(node.get("alt", "") or Path(node["uri"]).name).replace("\n", " ")
        uri = node["uri"]
        if "://" in uri or uri.startswith("data:"):
            return f"![{alt}]({uri})"
        path = (self.srcdir / uri).resolve()
        if not path.is_file():
            return f"*[figure: {alt}]*"
        key = re.sub(r"[^A-Za-z0-9._-]", "_", path.name)
        if self._files.get(key, path) != path:  # two files of one name
            key = f"{len(self._files)}-{key}"
        if key not in self._files:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.attachments[key] = {mime: base64.b64encode(path.read_bytes()).decode("ascii")}
            self._files[key] = path
        return f"![{alt}](attachment:{key})"

    # -- blocks ---------------------------------------------------------------------------------
    def blocks(self, children: list[nodes.Node]) -> str:
        """The markdown of a run of body elements, separated by blank lines."""
        return "\n\n".join(b for b in (self.block(c) for c in children) if b.strip())

    def block(self, node: nodes.Node) -> str:  # noqa: C901 - one case per kind of node
        """The markdown of one body element (no trailing newline; '' for nothing)."""
        if isinstance(node, SKIPPED) or _is_notes(node) or _is_slide_markup(node):
            return ""
        if isinstance(node, slides_only):  # an older toolchain's slides-only content
            return ""
        if isinstance(node, nodes.Text):
            return _guard_start(escape(node.astext()).strip())
        if isinstance(node, live_cell | explorable):
            return "*(the code cell below)*"
        if isinstance(node, claim):
            return _guard_start(f"{self.inlines(node)} *(checked by the code cell below)*")
        if isinstance(node, nodes.paragraph):
            return _guard_start(self.inlines(node))
        if isinstance(node, nodes.section):
            title = node.next_node(nodes.title)
            heading = "### " + self.inlines(title) if title else ""
            rest = [c for c in node.children if not isinstance(c, nodes.title)]
            return "\n\n".join(p for p in (heading, self.blocks(rest)) if p)
        if isinstance(node, nodes.title | nodes.rubric | subheading):
            return f"**{self.inlines(node)}**"
        if isinstance(node, nodes.bullet_list | nodes.enumerated_list):
            return self.listing(node)
        if isinstance(node, nodes.block_quote):
            return _indent(self.blocks(node.children), "> ")
        if isinstance(node, nodes.attribution):
            return "— " + self.inlines(node)
        if isinstance(node, nodes.math_block):
            tex = node.astext()
            parts = [tex.strip()] if node.get("nowrap") else to_katex(tex)
            return "\n\n".join(f"$$\n{part}\n$$" for part in parts)
        if isinstance(node, lecture_source):
            return fenced(node["code"], "python")
        if isinstance(node, nodes.literal_block | nodes.doctest_block):
            language = node.get("language", "")
            language = "" if language in {"default", "none", "text"} else language
            return fenced(node.astext(), "python" if language == "python3" else language)
        if isinstance(node, nodes.image):
            return self.image(node)
        if isinstance(node, nodes.figure):
            return self.blocks(node.children)
        if isinstance(node, nodes.caption):
            return f"*{self.inlines(node)}*"
        if isinstance(node, nodes.table):
            return self.table(node)
        if isinstance(node, nodes.container) and "quiz" in node.get("classes", []):
            return self.quiz(node)
        if isinstance(node, nodes.Admonition):
            title = node.next_node(nodes.title)
            name = self.inlines(title) if title else type(node).__name__.capitalize()
            rest = [c for c in node.children if not isinstance(c, nodes.title)]
            return _indent(f"**{name}**\n\n{self.blocks(rest)}", "> ")
        if isinstance(node, nodes.definition_list):
            return self.blocks(node.children)
        if isinstance(node, nodes.definition_list_item):
            terms = [self.inlines(c) for c in node.children if isinstance(c, nodes.term)]
            body = [c for c in node.children if isinstance(c, nodes.definition)]
            definition = self.blocks(body[0].children) if body else ""
            return f"**{' '.join(terms)}**\n\n{_indent(definition, '  ')}"
        if isinstance(node, nodes.field_list):
            return self.blocks(node.children)
        if isinstance(node, nodes.field):
            name = self.inlines(node.children[0])
            body = self.blocks(node.children[1].children) if len(node.children) > 1 else ""
            return f"**{name}:** {body}"
        if isinstance(node, nodes.line_block):
            lines = [self.inlines(line) for line in node.findall(nodes.line)]
            return "\\\n".join(_guard_start(line) for line in lines)
        if isinstance(node, nodes.transition):
            return "---"
        if isinstance(node, nodes.footnote | nodes.citation):
            label = node.next_node(nodes.label)
            rest = [c for c in node.children if not isinstance(c, nodes.label)]
            return f"[{self.inlines(label) if label else ''}] {self.blocks(rest)}"
        if isinstance(node, nodes.TextElement):  # anything else with text: a paragraph of it
            return _guard_start(self.inlines(node))
        if isinstance(node, nodes.Element):  # containers, fragments, autodoc's entries ...
            return self.blocks(node.children)
        return ""

    def listing(self, node: nodes.Element) -> str:
        """A bullet or enumerated list; loose (blank lines between items) if an item is."""
        ordered = isinstance(node, nodes.enumerated_list)
        start = node.get("start", 1)
        items = []
        for i, item in enumerate(c for c in node.children if isinstance(c, nodes.list_item)):
            marker = f"{start + i}. " if ordered else "- "
            body = self.blocks(item.children)
            items.append(_indent(body, " " * len(marker), marker) if body else marker.rstrip())
        loose = any("\n\n" in item for item in items)
        return ("\n\n" if loose else "\n").join(items)

    def table(self, node: nodes.table) -> str:
        """A pipe table; without a header row, the first row is the header."""
        group = node.next_node(nodes.tgroup)
        if group is None:
            return ""
        cols = group.get("cols", 0)
        rows = []
        for row in group.findall(nodes.row):
            cells = []
            for entry in row.children:
                text = self.blocks(entry.children).replace("\n\n", "<br>").replace("\n", " ")
                cells.append(re.sub(r"(?<!\\)\|", r"\\|", text))
                cells += [""] * entry.get("morecols", 0)
            rows.append(cells + [""] * (cols - len(cells)))
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
        lines.insert(1, "|" + "---|" * width)
        title = node.next_node(nodes.title)
        return (f"**{self.inlines(title)}**\n\n" if title else "") + "\n".join(lines)

    def quiz(self, node: nodes.container) -> str:
        """Question, options, and the answer folded: a student can try before looking."""
        parts = []
        for child in node.children:
            classes = child.get("classes", [])
            if "quiz-question" in classes:
                parts.append("**Quiz:** " + self.inlines(child))
            elif "quiz-options" in classes:
                # The options; not the deck's live region for "Right!", raw HTML for the page.
                options = [opt for opt in child.children if not isinstance(opt, nodes.raw)]
                parts.append("\n".join(f"- {self.inlines(opt)}" for opt in options))
            elif "quiz-answer" in classes:
                answer = self.inlines(child)
                parts.append(f"<details><summary>Answer</summary>\n\n{answer}\n\n</details>")
            else:
                parts.append(self.block(child))
        return "\n\n".join(p for p in parts if p)


# -- One deck -------------------------------------------------------------------------------------
CODE_NODES = (live_cell, explorable, claim)  # what becomes a code cell


# Containers that only group what a slide shows: a live cell inside one stays in slide order.
def _cell(node: nodes.Element) -> Cell:
    if isinstance(node, explorable):
        return explorable_cell(node)
    if isinstance(node, claim):
        return claim_cell(node)
    return Cell(node["source"], node["output"])


def _transparent(node: nodes.Node) -> bool:
    if isinstance(node, nodes.container):
        return "quiz" not in node.get("classes", [])
    return type(node).__name__ in {"revealjs_fragments", "compound"}


def _items(md: Markdown, children: list[nodes.Node]) -> list[str | Cell]:
    """The markdown pieces and code cells of a run of body elements, in order."""
    items: list[str | Cell] = []
    for child in children:
        if isinstance(child, claim):  # its sentence, then its check
            items += [md.block(child), _cell(child)]
            continue
        if isinstance(child, CODE_NODES):
            items.append(_cell(child))
            continue
        cells = (
            [n for n in child.findall() if isinstance(n, CODE_NODES)]
            if isinstance(child, nodes.Element)
            else []
        )
        if cells and _transparent(child):
            items += _items(md, child.children)
            continue
        text = md.block(child)
        if text.strip():
            items.append(text)
        items += [_cell(c) for c in cells]
    return items


@dataclass
class Slide:
    """One slide (a level-1 or level-2 section) as notebook pieces: markdown and code."""

    items: list[str | Cell]
    attachments: dict[str, dict[str, str]]


def slides_of(doctree: nodes.document, srcdir: Path) -> list[Slide]:
    """The deck's slides in order, each its heading, text and cells."""
    slides: list[Slide] = []
    for kept in list(doctree.findall(handout_only)):  # the handout's text, where it stood
        kept.replace_self(kept.children)

    def visit(container: nodes.Element, level: int) -> None:
        md = Markdown(srcdir)
        title = container.next_node(nodes.title) if level else None
        text = md.inlines(title) if title is not None else ""
        heading = [f"{'#' * level} {text}"] if text.strip() else []
        body = [
            c
            for c in container.children
            if not isinstance(c, nodes.title) and not (isinstance(c, nodes.section) and level < 2)
        ]
        items = heading + _items(md, body)
        if items:
            slides.append(Slide(items, md.attachments))
        for child in container.children:
            if isinstance(child, nodes.section) and level < 2:
                visit(child, level + 1)

    visit(doctree, 0)
    return slides


def carried_files(root: Path, code: list[str]) -> dict[str, str]:
    """The ``lecture_code`` files that ``code`` runs: ``{path under src/: source}``.

    Read from ``src/`` as the last good deck build read it (``make notebooks`` refuses decks
    whose sources changed since), or from the installed package where the project has no
    ``src/``, with the modules the package itself imports.
    """
    import ast

    from lecturedeck.deps import code_deps

    package = root / "src" / PACKAGE
    if not (package / "__init__.py").is_file():  # a project that uses the installed package
        import importlib.util

        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.origin:
            return {}
        package = Path(spec.origin).parent
    files: set[Path] = {package / "__init__.py"}
    for text in [f"import {PACKAGE}", *code]:
        try:
            files |= code_deps(ast.parse(text), package)
        except SyntaxError:
            continue  # not Python alone (an IPython magic): the package top is carried anyway
    return {
        p.relative_to(package.parent).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(files)
    }


def pack(files: dict[str, str]) -> tuple[str, str]:
    """``files`` packed for a code cell (base64 lines of zlib'd JSON), and their sha256."""
    import base64
    import hashlib
    import json
    import zlib

    canonical = json.dumps(files, sort_keys=True)
    data = base64.b64encode(zlib.compress(canonical.encode(), 9)).decode()
    lines = "\n".join(f'    "{data[i : i + 88]}"' for i in range(0, len(data), 88))
    return lines, hashlib.sha256(canonical.encode()).hexdigest()


def setup_code(root: Path, code: list[str], values: dict[str, str]) -> str:
    """The notebook's first code cell: it makes the package importable, from what it carries."""
    files = carried_files(root, code)
    blob, digest = pack(files)
    return SETUP.format(blob=blob, digest=digest, short=digest[:12], count=len(files), **values)


def notebook(doctree: nodes.document, deck: str, root: Path, out: Path) -> object:
    """The notebook of one deck, as an nbformat v4 ``NotebookNode``."""
    without_iri_grammar()
    import nbformat.v4 as nbf

    srcdir = root / SLIDES
    target = out / f"{deck}.ipynb"
    first = doctree.next_node(nodes.title)
    title = first.astext() if first is not None else deck
    try:
        shown_out = out.relative_to(root).as_posix()
    except ValueError:
        shown_out = out.as_posix()
    up = Path(os.path.relpath(root, target.parent)).as_posix()
    values = {"package": PACKAGE, "out": shown_out}
    source = deck_source(root / SLIDES, deck).relative_to(root).as_posix()
    intro = INTRO.format(title=escape(title), source=source, up=up, **values)
    cells = [nbf.new_markdown_cell(intro, id="about")]
    for slide in slides_of(doctree, srcdir):
        pending: list[str] = []

        def flush(pending: list[str] = pending, slide: Slide = slide) -> None:
            if not pending:
                return
            text = "\n\n".join(pending)
            cell = nbf.new_markdown_cell(text, id=f"cell-{len(cells) + 1}")
            used = {k: v for k, v in slide.attachments.items() if f"(attachment:{k})" in text}
            if used:
                cell["attachments"] = used
            cells.append(cell)
            pending.clear()

        for item in slide.items:
            if isinstance(item, Cell):
                flush()
                outputs = (
                    [nbf.new_output("stream", name="stdout", text=item.output)]
                    if item.output
                    else []
                )
                cell = nbf.new_code_cell(item.source, id=f"cell-{len(cells) + 1}", outputs=outputs)
                if item.tags:
                    cell.metadata["tags"] = list(item.tags)
                cells.append(cell)
            else:
                pending.append(item)
        flush()
    code = [c.source for c in cells if c.cell_type == "code"]
    setup = nbf.new_code_cell(setup_code(root, code, values), id="setup")
    # Folded where the notebook is opened: the lecture comes first, not the packed code.
    setup.metadata.update({"jupyter": {"source_hidden": True}, "cellView": "form"})
    cells.insert(1, setup)
    metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        "lecturedeck": {"deck": deck, "source": source},
    }
    return nbf.new_notebook(cells=cells, metadata=metadata)


def load_doctree(root: Path, deck: str) -> nodes.document:
    """The doctree of ``deck`` as the last ``make slides`` pickled it."""
    path = doctrees_dir(root, "revealjs", root / SLIDES) / f"{deck}.doctree"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        raise NotebookError(f"{deck}: {path} is missing; run `make slides`") from None
    except Exception as exc:  # noqa: BLE001 - a doctree of another Sphinx: one line
        raise NotebookError(f"{deck}: cannot read {path}: {type(exc).__name__}: {exc}") from None


def write(nb: object, target: Path) -> bool:
    """Validate ``nb`` and write it to ``target`` in one step, unless it holds the same already.

    Return whether it wrote.
    """
    without_iri_grammar()
    import nbformat

    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return False
    with replacing(target) as part:
        part.write_text(text, encoding="utf-8")
    return True


def run(root: Path, out: Path | None = None, decks: list[str] | None = None) -> list[Path]:
    """Write the notebook of every deck (or of ``decks``) into ``out``; return their paths.

    Notebooks of decks that no longer exist are removed (when writing every deck).
    Prints one line per notebook written. Raises :class:`NotebookError`.
    """
    out = out or root / NOTEBOOKS_OUT
    names = deck_names(root / SLIDES)
    if decks:
        unknown = sorted(set(decks) - set(names))
        if unknown:
            raise NotebookError(f"no such deck in {SLIDES}/: {', '.join(unknown)}")
        names = [n for n in names if n in decks]
    paths = []
    for deck in names:
        nb = notebook(load_doctree(root, deck), deck, root, out)
        target = out / f"{deck}.ipynb"
        code = sum(1 for c in nb.cells if c.cell_type == "code") - 1  # not the setup cell
        if write(nb, target):
            print(f"notebooks: {show_path(target, root)} ({code} code cell(s))")
        paths.append(target)
    if not decks and out.is_dir():
        keep = {p.resolve() for p in paths}
        for path in sorted(out.rglob("*.ipynb")):
            if ".ipynb_checkpoints" not in path.parts and path.resolve() not in keep:
                path.unlink()
                print(f"notebooks: removed {show_path(path, root)}: its deck is gone")
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    from lecturedeck.commands.slides import stale_reason

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project")
    parser.add_argument("--out", type=Path, help=f"where notebooks go ({NOTEBOOKS_OUT})")
    parser.add_argument("decks", nargs="*", help="deck names (default: every deck)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    reason = stale_reason(root / DECKS_OUT)
    if reason:
        print(f"notebooks: {reason}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    out = (args.out or root / NOTEBOOKS_OUT).resolve()
    try:
        paths = run(root, out, args.decks or None)
    except NotebookError as exc:
        print(f"notebooks: {exc}", file=sys.stderr)
        return 1
    took = time.perf_counter() - t0
    print(f"notebooks: {len(paths)} notebook(s) in {show_path(out, root)}/ ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
