"""Code on slides: shown from the lecture package's source, and run live while presenting.

``.. lecture-source:: lecture_code.softmax``
    Shows a function's source, read from the installed package: the code on the
    slide is the tested code, never a pasted copy. ``:docstring:`` keeps the
    docstring (left out by default, to save room on the slide).

``.. live-code::``
    An editable code cell. At build time it runs in CPython through
    :mod:`lecturedeck.cellrun`, and what it prints (plus the repr of a last
    expression) is embedded under the code. A cell that raises fails the build
    at its file:line. In the browser, ``static/livecode.js`` runs the cell with
    Pyodide, loading the same ``cellrun.py`` and lecture package sources.

Both directives record the package modules they use as dependencies, so a deck
is rebuilt when one of those modules changes, and only then.
"""

from __future__ import annotations

import ast
import html
import importlib
import importlib.util
import inspect
import textwrap
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from lecturedeck import cellrun
from lecturedeck.deps import code_deps

logger = logging.getLogger(__name__)


def _resolve(dotted: str) -> object:
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


def _strip_docstring(source: str) -> str:
    """Remove a function's or class's docstring, keeping everything else as written."""
    tree = ast.parse(source)
    node = tree.body[0]
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        lines = source.splitlines(keepends=True)
        start, end = body[0].lineno - 1, body[0].end_lineno
        return "".join(lines[:start] + lines[end:])
    return source


class LectureSource(SphinxDirective):
    """Show the source of a function of the lecture package, by dotted name."""

    required_arguments = 1
    option_spec = {"docstring": directives.flag}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        name = self.arguments[0]
        try:
            obj = _resolve(name)
            source = textwrap.dedent(inspect.getsource(obj))
            path = inspect.getsourcefile(obj)
        except (ImportError, AttributeError, TypeError, OSError) as exc:
            raise self.error(f"lecture-source: cannot show {name!r}: {exc}") from None
        if "docstring" not in self.options:
            source = _strip_docstring(source)
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


def note_package_deps(directive: SphinxDirective, tree: ast.AST) -> None:
    """Record the lecture package's files that ``tree`` runs as the document's dependencies."""
    spec = importlib.util.find_spec(directive.config.lecturedeck_package)
    if spec and spec.origin:
        for path in code_deps(tree, Path(spec.origin).parent):
            directive.env.note_dependency(str(path))


class live_cell(nodes.General, nodes.Element):
    """An editable code cell with its build-time output."""


class LiveCode(SphinxDirective):
    """A code cell run at build time in CPython and live in the browser with Pyodide."""

    has_content = True
    option_spec = {"rows": directives.positive_int}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        source = "\n".join(self.content)
        if not source.strip():
            raise self.error("live-code: the cell is empty")
        try:
            output = cellrun.run_cell(source)
        except (Exception, SystemExit) as exc:  # any failure of a cell fails the build
            # The cell's line in its own file, which may be an included one.
            source, line = self.state_machine.get_source_and_line(
                self.content_offset + cellrun.error_line(exc)
            )
            detail = str(exc).splitlines()[0] if str(exc) else ""
            logger.warning(
                "live-code: %s: %s",
                type(exc).__name__,
                detail,
                location=f"{source}:{line}",
                type="livecode",
            )
            output = ""
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = ast.Module(body=[], type_ignores=[])
        note_package_deps(self, tree)
        node = live_cell(source=source, output=output, rows=self.options.get("rows"))
        self.set_source_info(node)
        return [node]


def visit_live_cell(self, node: live_cell) -> None:
    """Write a cell: code in an editable textarea, a Run button, the build-time output."""
    source = node["source"]
    rows = node["rows"] or source.count("\n") + 1
    self.body.append(
        '<div class="live-cell">'
        '<div class="live-bar"><span class="live-label">Python</span>'
        '<span class="live-status" aria-live="polite"></span>'
        '<button class="live-run" type="button" title="Run (Shift+Enter)">Run &#9654;</button>'
        "</div>"
        f'<textarea class="live-source" rows="{rows}" spellcheck="false" autocapitalize="off" '
        f'autocomplete="off" aria-label="Python code, editable">{html.escape(source)}</textarea>'
        '<pre class="live-output" data-build-output="1">'
        f"{html.escape(node['output'].rstrip())}</pre>"
        "</div>\n"
    )
    raise nodes.SkipNode


def setup(app: Sphinx) -> None:
    """Register the directives, the cell node and the browser runner."""
    html_visit = (visit_live_cell, None)
    app.add_node(live_cell, html=html_visit, revealjs=html_visit, dirrevealjs=html_visit)
    source_visit = (visit_lecture_source, None)
    app.add_node(lecture_source, html=source_visit, revealjs=source_visit, dirrevealjs=source_visit)
    app.add_directive("lecture-source", LectureSource)
    app.add_directive("live-code", LiveCode)
    app.connect("builder-inited", _add_script)


def _add_script(app: Sphinx) -> None:
    if app.builder.name == "revealjs":  # cells run in decks only; the site shows no cells
        app.add_js_file("livecode.js", defer="defer")
