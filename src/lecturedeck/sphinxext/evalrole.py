r"""Computed values in the text: the ``:eval:`` role, and ``\eval{...}`` inside math.

.. code-block:: rst

   The largest share is :eval:`softmax([2.0, 1.0, 0.1])[0]:.3f`.

   .. math::

      \text{softmax}([2, 1, 0.1])_0 = \eval{softmax([2.0, 1.0, 0.1])[0]:.3f}

The role's text is what goes between the braces of a Python f-string replacement field:
an expression, then optionally ``!r``, ``!s`` or ``!a``, then optionally ``:`` and a format
spec (``:.3f``, ``:.0%``). It is read by Python's own f-string parser, so a ``:`` inside
brackets or a string is part of the expression; a ``lambda`` needs parentheses, as in an
f-string. The value is formatted at build time in the deck's worker process, with the names
a quiz's ``:answer:`` sees (``math`` and the lecture package's public names) and the cells'
time limit, and shown as plain text: in a paragraph, a list, a table, a title, speaker
notes, a claim's sentence.

Inside math (``.. math::`` and ``:math:``), ``\eval{FIELD}`` is replaced by the formatted
value before KaTeX renders the formula; the field ends at the first ``}`` after which it
reads as one replacement field, so ``\eval{ {1: 2}[1]}`` works. TeX's special characters
in a value (``%`` of ``:.0%``, ``_``, ``{`` ...) are escaped, so the value shows as text.
Math is substituted when its deck has been read, after the deck's cells and roles.

A field that does not parse, raises, or runs past the time limit fails the build at its own
line: ``slides/x.rst:12: error: eval: softmax([])[0] raised ValueError: ...``.

``:num:`` shows a number typed on purpose (a version, a room) as written; ``make
lint-slides`` does not suggest ``:eval:`` for it.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from docutils import nodes
from docutils.utils import get_source_line
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from lecturedeck.sphinxext.cells import evaluate, failure

logger = logging.getLogger(__name__)

# Tried in turn: the first quoting that reads the field as one f-string wins.
_QUOTES = ("'''", '"""', "'", '"')
_MATH_EVAL = re.compile(r"\\eval\{")
_TEX_SPECIAL = {
    "\\": r"\backslash ",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\char`\^",
    "~": r"\char`\~",
}


class FieldError(Exception):
    """A replacement field that is not one, or that failed; the message says which."""


def fstring(field: str) -> str:
    """The f-string source that formats ``field``, a replacement field's body.

    Raises :class:`FieldError` when ``field`` is not exactly one replacement field.
    """
    field = field.strip()
    if not field:
        raise FieldError("nothing to evaluate: write an expression, e.g. sigmoid(0.0):.2f")
    first_error: SyntaxError | None = None
    for quote in _QUOTES:
        # The space keeps a field that starts with "{" (a dict, a set) from reading as "{{".
        source = f"f{quote}{{ {field}}}{quote}"
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as exc:
            first_error = first_error or exc
            continue
        parts = tree.body.values if isinstance(tree.body, ast.JoinedStr) else []
        if len(parts) == 1 and isinstance(parts[0], ast.FormattedValue):
            return source
        raise FieldError(
            f"{field} is not one replacement field: write what goes between an f-string's "
            "braces, e.g. softmax([2.0, 1.0])[0]:.3f"
        )
    message = first_error.msg if first_error else "invalid syntax"
    raise FieldError(f"cannot read {field} as an f-string replacement field: {message}")


def format_field(env: object, field: str, where: object) -> str:
    """``field`` formatted in the deck's worker, as ``f"{field}"`` would format it there."""
    source = fstring(field)
    outcome = evaluate(env, source, "eval", where)
    if not outcome.ok:
        raise FieldError(f"{' '.join(field.split())} {failure(outcome.error)}")
    return str(outcome.value)


def source_line(source: str | None, start: int | None, text: str) -> int | None:
    """The line of ``source``, at or after ``start``, where ``text``'s first line is written.

    Docutils knows the line a paragraph (or title, or math block) starts on; a value inside
    it is reported at its own line, found in the file. ``start`` when it is not found.
    """
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not source or not first:
        return start
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return start
    begin = max(1, start or 1)
    # Forward from the block's start; then, in case it was counted too far, a few lines back.
    forward = range(begin, min(len(lines), begin + 200) + 1)
    for number in [*forward, *range(begin - 1, max(0, begin - 4), -1)]:
        if first in lines[number - 1]:
            return number
    return start


def _block_start(parent: nodes.Node | None, line: int | None) -> int | None:
    """Where a block inside ``parent`` starts: docutils numbers a table cell one line late."""
    while parent is not None and not isinstance(parent, nodes.Structural):
        if isinstance(parent, nodes.entry):
            return line - 1 if line and line > 1 else line
        parent = parent.parent
    return line


class EvalRole(SphinxRole):
    """``:eval:`FIELD```: the value of an f-string replacement field, computed at build time."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:  # noqa: D102
        source, start = self.get_source_info()

        def where() -> str:
            return f"{source}:{start}"

        try:
            value = format_field(self.env, self.text, where)
        except FieldError as exc:
            found = source_line(source, _block_start(self.inliner.parent, start), self.rawtext)
            line = self.lineno + (found - start) if found and start else self.lineno
            message = self.inliner.reporter.error(f"eval: {exc}", line=line)
            problem = self.inliner.problematic(self.rawtext, self.rawtext, message)
            return [problem], [message]
        node = nodes.inline(self.rawtext, value, classes=["eval"])
        node["support_smartquotes"] = False  # a value is shown as computed: 'a', not ‘a’
        return [node], []


def num_role(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ANN001, ANN201
    """``:num:`3.11```: a number typed on purpose, shown as written."""
    return [nodes.Text(text)], []


def tex_text(value: str) -> str:
    """A value as TeX that shows it as written."""
    return "".join(_TEX_SPECIAL.get(char, char) for char in " ".join(value.splitlines()))


def math_fields(tex: str) -> list[tuple[int, int, str | None]]:
    r"""``(start, end, field)`` of every ``\eval{field}`` in ``tex``.

    A field ends at the first ``}`` up to which it reads as one replacement field; when none
    does, at the ``}`` that balances its braces, so that the error names it. ``field`` is
    None when no ``}`` closes it (``end`` is then the end of ``tex``).
    """
    found: list[tuple[int, int, str | None]] = []
    position = 0
    while match := _MATH_EVAL.search(tex, position):
        begin = match.end()
        end = None
        for close in (i for i, char in enumerate(tex) if char == "}" and i >= begin):
            try:
                fstring(tex[begin:close])
            except FieldError:
                continue
            end = close
            break
        depth = 1
        for i in range(begin, len(tex) if end is None else begin):
            depth += {"{": 1, "}": -1}.get(tex[i], 0)
            if depth == 0:
                end = i
                break
        if end is None:
            found.append((match.start(), len(tex), None))
            break
        found.append((match.start(), end + 1, tex[begin:end]))
        position = end + 1
    return found


def _location(source: str | None, start: int | None, text: str) -> str:
    return f"{source}:{source_line(source, start, text) or ''}"


def substitute_math(app: Sphinx, doctree: nodes.document) -> None:
    r"""Replace every ``\eval{...}`` in the document's formulas by its value, before KaTeX."""
    for node in list(doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block)))):
        tex = node.astext()
        fields = math_fields(tex) if r"\eval{" in tex else []
        if not fields:
            continue
        source, start = get_source_line(node)
        start = _block_start(node.parent, start)
        pieces, last = [], 0
        for begin, end, field in fields:
            pieces.append(tex[last:begin])
            last = end

            where = functools.partial(_location, source, start, tex[begin:end])
            try:
                if field is None:
                    raise FieldError(f"no }} closes {tex[begin:end].strip()}")
                pieces.append(tex_text(format_field(app.env, field, where)))
            except FieldError as exc:
                line = source_line(source, start, tex[begin:end])
                location = f"{source}:{line}" if source and line else node
                logger.error("eval: %s", exc, location=location)
                pieces.append("?")
        pieces.append(tex[last:])
        node["lecturedeck_authored"] = tex  # where KaTeX errors are looked for in the source
        del node[:]
        node += nodes.Text("".join(pieces))


def setup(app: Sphinx) -> None:
    """Register the roles, and the substitution in math (before KaTeX renders it)."""
    app.add_role("eval", EvalRole())
    app.add_role("num", num_role)
    # Before mathrender's renderer and before the deck's worker is released (both at 500).
    app.connect("doctree-read", substitute_math, priority=400)
