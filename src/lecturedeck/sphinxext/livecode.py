"""Code on slides: shown from the lecture package's source, and run live while presenting.

``.. lecture-source:: lecture_code.softmax``
    Shows a function's source, read from the installed package: the code on the
    slide is the tested code, never a pasted copy. ``:docstring:`` keeps the
    docstring (left out by default, to save room on the slide).

``.. live-code::``
    An editable code cell. At build time it runs in CPython through
    :mod:`lecturedeck.sphinxext.cellrun`, and what it prints (plus the repr of a last
    expression) is embedded under the code. A cell that raises fails the build
    at its file:line. In the browser, ``static/livecode.js`` runs the cell with
    Pyodide, loading the same ``cellrun.py`` and lecture package sources.

Both directives record the package modules they use as dependencies, so a deck
is rebuilt when one of those modules changes, and only then.

A deck with live cells links its notebook (``make notebooks`` writes
``_build/notebooks/<deck>.ipynb``) from its title slide, and the same notebook in JupyterLite
on the companion site (``make html``: ``_build/html/lite``), to run in the browser; the links
are not printed.
"""

from __future__ import annotations

import ast
import html
import importlib
import importlib.util
import inspect
import posixpath
import textwrap

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from lecturedeck.project import DECKS_OUT, LITE_OUT, NOTEBOOKS_OUT, SITE_OUT
from lecturedeck.sphinxext.cells import run_cell

logger = logging.getLogger(__name__)


def resolve(dotted: str) -> object:
    """Import ``a.b.c`` as the longest importable module prefix plus attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"no module named {parts[0]!r}")


def strip_docstring(source: str) -> str:
    """Remove a function's or class's docstring, keeping everything else as written."""
    tree = ast.parse(source)
    node = tree.body[0]
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        lines = source.splitlines(keepends=True)
        start, end = body[0].lineno - 1, body[0].end_lineno
        return "".join(lines[:start] + lines[end:])
    return source


def strip_decorators(source: str) -> str:
    """Remove the decorators above a function: the slide shows the math, not its checks."""
    node = ast.parse(source).body[0]
    decorators = getattr(node, "decorator_list", [])
    if not decorators:
        return source
    lines = source.splitlines(keepends=True)
    return "".join(lines[: decorators[0].lineno - 1] + lines[node.lineno - 1 :])


class LectureSource(SphinxDirective):
    """Show the source of a function of the lecture package, by dotted name."""

    required_arguments = 1
    option_spec = {"docstring": directives.flag}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        name = self.arguments[0]
        try:
            obj = resolve(name)
            source = textwrap.dedent(inspect.getsource(obj))
            path = inspect.getsourcefile(obj)
        except (ImportError, AttributeError, TypeError, OSError) as exc:
            raise self.error(f"lecture-source: cannot show {name!r}: {exc}") from None
        if "docstring" not in self.options:
            source = strip_docstring(source)
        source = strip_decorators(source)
        if path:
            self.env.note_dependency(path)
        block = lecture_source(code=source)
        self.set_source_info(block)
        return [block]


class lecture_source(nodes.General, nodes.Element):
    """A function's source, highlighted with Pygments when written."""


def visit_lecture_source(self, node: lecture_source) -> None:
    """Write the source highlighted at build time: no script needed, and it prints."""
    highlighted = self.highlighter.highlight_block(node["code"], "python", location=node)
    self.body.append(f'<div class="lecture-source">{highlighted}</div>\n')
    raise nodes.SkipNode


class live_cell(nodes.General, nodes.Element):
    """An editable code cell with its build-time output."""


# What a cell's output may show in the deck before it is cut, with a warning.
DISPLAY_LINES = 200
DISPLAY_CHARS = 20_000


def truncate(output: str) -> tuple[str, int]:
    """Output as the deck shows it, and how many lines were cut (0: none)."""
    lines = output.splitlines(keepends=True)
    if len(lines) <= DISPLAY_LINES and len(output) <= DISPLAY_CHARS:
        return output, 0
    kept, size = [], 0
    for line in lines[:DISPLAY_LINES]:
        if size + len(line) > DISPLAY_CHARS:
            break
        kept.append(line)
        size += len(line)
    cut = len(lines) - len(kept)
    return "".join(kept) + f"\n… output truncated: {cut} more line(s) not shown\n", cut


class LiveCode(SphinxDirective):
    """A code cell run at build time in a worker process, and live in the browser with Pyodide."""

    has_content = True
    option_spec = {"rows": directives.positive_int, "timeout": directives.positive_int}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        source = "\n".join(self.content)
        if not source.strip():
            raise self.error("live-code: the cell is empty")
        timeout = self.options.get("timeout", self.config.lecturedeck_cell_timeout)
        outcome = run_cell(self, "cell", source, timeout)
        output = outcome.output
        if not outcome.ok:
            # The failing line in its own file, which may be an included one; a cell stopped
            # from outside (a time limit, a crash) is reported at the directive.
            if outcome.line:
                where = self.state_machine.get_source_and_line(self.content_offset + outcome.line)
            else:
                where = self.state_machine.get_source_and_line(self.lineno)
            logger.warning(
                "live-code: %s",
                outcome.error,
                location=f"{where[0]}:{where[1]}",
                type="livecode",
            )
            output = ""
        output, cut = truncate(output)
        if cut:
            logger.warning(
                "live-code: output truncated in the deck: %d line(s) not shown (limit %d lines "
                "or %d characters)",
                cut,
                DISPLAY_LINES,
                DISPLAY_CHARS,
                location="{}:{}".format(*self.state_machine.get_source_and_line(self.lineno)),
                type="lecturedeck",
                subtype="size",
            )
        # In the browser Pyodide runs a cell a few times slower than CPython: twice the
        # build's limit, and never less than the browser's default of 10 s.
        browser_timeout = max(10, 2 * timeout)
        node = live_cell(
            source=source, output=output, rows=self.options.get("rows"), timeout=browser_timeout
        )
        self.set_source_info(node)
        return [node]


def cell_html(source: str, output: str, rows: int | None, timeout: float, attrs: str = "") -> str:
    """A cell: code in an editable textarea, a Run button, the build-time output."""
    rows = rows or source.count("\n") + 1
    return (
        f'<div class="live-cell" data-timeout="{timeout:g}"{attrs}>'
        '<div class="live-bar"><span class="live-label">Python</span>'
        '<span class="live-status" aria-live="polite"></span>'
        '<button class="live-run" type="button" title="Run (Shift+Enter)">Run &#9654;</button>'
        "</div>"
        f'<textarea class="live-source" rows="{rows}" spellcheck="false" autocapitalize="off" '
        f'autocomplete="off" aria-label="Python code, editable: Tab indents, Shift+Enter runs, '
        f'Esc leaves the cell">{html.escape(source)}</textarea>'
        '<pre class="live-output" data-build-output="1">'
        f"{html.escape(output.rstrip())}</pre>"
        "</div>\n"
    )


def visit_live_cell(self, node: live_cell) -> None:
    """Write a cell (:func:`cell_html`)."""
    self.body.append(
        cell_html(node["source"], node["output"], node["rows"], node.get("timeout", 10))
    )
    raise nodes.SkipNode


def setup(app: Sphinx) -> None:
    """Register the directives, the cell node, the workers and the browser runner."""
    html_visit = (visit_live_cell, None)
    app.add_node(live_cell, html=html_visit, revealjs=html_visit, dirrevealjs=html_visit)
    source_visit = (visit_lecture_source, None)
    app.add_node(lecture_source, html=source_visit, revealjs=source_visit, dirrevealjs=source_visit)
    app.add_directive("lecture-source", LectureSource)
    app.add_directive("live-code", LiveCode)
    app.connect("builder-inited", _add_script)
    app.connect("doctree-resolved", _link_notebook)


def notebook_href(docname: str) -> str:
    """The link from a deck's page to its notebook: ``../notebooks/<deck>.ipynb``."""
    page_dir = posixpath.dirname(f"{DECKS_OUT}/{docname}")
    return posixpath.relpath(f"{NOTEBOOKS_OUT}/{docname}.ipynb", page_dir)


def lite_href(docname: str) -> str:
    """The link from a deck's page to its notebook in the site's JupyterLite."""
    page_dir = posixpath.dirname(f"{DECKS_OUT}/{docname}")
    lite = posixpath.relpath(f"{SITE_OUT}/{LITE_OUT}/notebooks/index.html", page_dir)
    return f"{lite}?path={docname}.ipynb"


def _link_notebook(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Link a deck with live cells to its notebook, at the end of its title slide."""
    if app.builder.name != "revealjs" or next(doctree.findall(live_cell), None) is None:
        return
    section = doctree.next_node(nodes.section)
    if section is None:
        return
    link = nodes.reference(
        "",
        "Notebook",
        refuri=notebook_href(docname),
        reftitle="This deck's code cells and text as a Jupyter notebook (make notebooks)",
    )
    lite = nodes.reference(
        "",
        "Run it in the browser",
        refuri=lite_href(docname),
        reftitle="The notebook in JupyterLite on the companion site (make html), served over http",
    )
    para = nodes.paragraph(
        "", "", link, nodes.Text(" \N{MIDDLE DOT} "), lite, classes=["deck-notebook"]
    )
    first_slide = section.first_child_matching_class(nodes.section)
    section.insert(len(section) if first_slide is None else first_slide, para)


def _add_script(app: Sphinx) -> None:
    if app.builder.name == "revealjs":  # cells run in decks only; the site shows no cells
        app.add_js_file("livecode.js", defer="defer")
