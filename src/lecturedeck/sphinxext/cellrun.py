"""Run one live code cell the way a notebook does, in CPython and in Pyodide alike.

The cell's statements run in a fresh namespace; if the last statement is an
expression its ``repr`` is printed, as in an interactive session. The build
uses this module to embed each cell's output in the deck; the browser loads
the very same file into Pyodide, so a cell prints the same thing in both.
Standard library only.
"""

from __future__ import annotations

import ast
import contextlib
import io
import traceback
from collections.abc import Callable

CELL_FILE = "<cell>"


def run_cell(source: str, out: io.StringIO | None = None) -> str:
    """Run ``source``; return what it printed. Exceptions propagate to the caller.

    Pass ``out`` to keep what the cell printed before an exception.
    """
    tree = ast.parse(source, CELL_FILE, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    namespace = {"__name__": "__main__"}
    out = io.StringIO() if out is None else out
    with contextlib.redirect_stdout(out):
        exec(compile(tree, CELL_FILE, "exec"), namespace)
        if last is not None:
            value = eval(compile(last, CELL_FILE, "eval"), namespace)
            if value is not None:
                print(repr(value))
    return out.getvalue()


def run_cell_report(source: str, raised: Callable[[], object] | None = None) -> tuple[bool, str]:
    """Run ``source``; return ``(ok, output)``, the output ending in a traceback on failure.

    The traceback starts at the cell: frames of this runner are left out. ``raised``, if
    given, is called as soon as the cell's code has ended in an exception, before the
    traceback is written: the browser's worker tells the page that a stopped cell has
    stopped, however long the report then takes.
    """
    out = io.StringIO()
    try:
        return True, run_cell(source, out)
    except BaseException as exc:  # noqa: BLE001 - a cell's error is shown, never raised
        if raised is not None:
            raised()
        frames = traceback.extract_tb(exc.__traceback__)
        start = next((i for i, f in enumerate(frames) if f.filename == CELL_FILE), len(frames))
        lines = ["Traceback (most recent call last):\n"]
        lines += traceback.format_list(frames[start:])
        lines += traceback.format_exception_only(type(exc), exc)
        return False, out.getvalue() + "".join(lines)


def error_line(exc: BaseException) -> int:
    """The 1-based line of the cell where ``exc`` was raised (1 if unknown)."""
    if isinstance(exc, SyntaxError) and exc.filename == CELL_FILE:
        return exc.lineno or 1
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == CELL_FILE]
    return frames[-1].lineno or 1 if frames else 1
