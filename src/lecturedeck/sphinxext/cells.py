"""What build-time Python shares: the deck's worker process and the code it depends on.

Each deck's cells, quiz keys, ``:eval:`` values and claims run in one worker of its own
(:mod:`lecturedeck.sphinxext.cellworker`), forked when the deck first needs it from a server
that has imported the lecture package already.
"""

from __future__ import annotations

import ast
import atexit
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from lecturedeck.deps import code_deps
from lecturedeck.sphinxext import cellworker


def note_package_deps(directive: SphinxDirective, tree: ast.AST) -> None:
    """Record the lecture package's files that ``tree`` runs as the document's dependencies."""
    _note_deps(directive.env, tree)


def _note_deps(env: BuildEnvironment, tree: ast.AST) -> None:
    spec = importlib.util.find_spec(env.config.lecturedeck_package)
    if spec and spec.origin:
        for path in code_deps(tree, Path(spec.origin).parent):
            env.note_dependency(str(path))


def public_names(package: str) -> set[str]:
    """The names an expression evaluated in the worker may take from ``package``."""
    module = importlib.import_module(package)
    return set(getattr(module, "__all__", None) or dir(module))


# How a run ended when it did not raise: stopped from outside (cellworker's messages).
_STOPPED = ("timed out", "crashed the worker", "ended the worker", "printed more than")


def failure(error: str) -> str:
    """A failed run's error as a phrase: ``raised ValueError: ...``, ``timed out after 5 s``."""
    return error if error.startswith(_STOPPED) else f"raised {error}"


def evaluate(
    env: BuildEnvironment, expression: str, what: str, where: Callable[[], str]
) -> cellworker.Outcome:
    """Evaluate ``expression`` in the deck's worker, as every build-time expression is.

    ``math`` and the lecture package's public names are in scope, and the cells' time limit
    applies. The package modules the expression names become the document's dependencies.
    A syntax error is a failed outcome, like any other. ``what`` and ``where()`` name it
    when Ctrl-C stops the build while it runs.
    """
    package = env.config.lecturedeck_package
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        return cellworker.Outcome(False, error=f"SyntaxError: {exc.msg}")
    used = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & public_names(package))
    if used:  # the names it takes from the package, as if imported from it
        _note_deps(env, ast.parse(f"from {package} import {', '.join(used)}"))
    timeout = env.config.lecturedeck_cell_timeout
    return run_for_document(
        env, what, where, lambda worker: worker.evaluate(expression, package, timeout)
    )


class DeckWorkers:
    """The worker process of the deck being read, forked when the deck first needs one.

    Each deck gets a fresh interpreter (:mod:`lecturedeck.sphinxext.cellworker`), forked from
    the build's worker server, which is started ahead, while Sphinx reads up to the first
    deck. Forked reader processes start their own (a worker belongs to the process that
    started it).
    """

    def __init__(self) -> None:
        self.docname: str | None = None
        self.current: cellworker.Worker | None = None

    def for_deck(self, docname: str, memory_mb: int) -> cellworker.Worker:
        """The worker for ``docname``: the deck's own, or a fresh one."""
        if self.docname == docname and self.current is not None and self.current.alive():
            return self.current
        if self.docname != docname:
            self.release()
        self.docname, self.current = docname, cellworker.Worker(memory_mb)
        return self.current

    def warm(self, app: Sphinx, _env: object, docnames: list[str]) -> None:
        """Start the worker server ahead, while Sphinx reads up to the first piece to run."""
        if docnames:
            cellworker.server()

    def release(self, *_args: object) -> None:
        """The deck has been read: stop its worker."""
        if self.current is not None:
            self.current.close()
        self.docname, self.current = None, None

    def close(self, *_args: object) -> None:
        """The build is over: stop every worker, and the server."""
        self.release()
        cellworker.close_server()


workers = DeckWorkers()
atexit.register(workers.close)


def run_in_worker(directive: SphinxDirective, what: str, call) -> cellworker.Outcome:  # noqa: ANN001
    """Run ``call(worker)`` in the deck's worker; on Ctrl-C, say which cell was running."""

    def where() -> str:
        return "{}:{}".format(*directive.state_machine.get_source_and_line(directive.lineno))

    return run_for_document(directive.env, what, where, call)


def run_for_document(
    env: BuildEnvironment, what: str, where: Callable[[], str], call: Callable
) -> cellworker.Outcome:
    """Run ``call(worker)`` in the worker of the deck being read; on Ctrl-C, say ``where()``."""
    try:
        worker = workers.for_deck(env.docname, env.config.lecturedeck_cell_memory_mb)
        return call(worker)
    except KeyboardInterrupt:
        print(f"\ninterrupted while running the {what} at {where()}", file=sys.stderr)
        workers.close()
        raise


def setup(app: Sphinx) -> None:
    """Register the cells' limits and the workers' life cycle."""
    app.add_config_value("lecturedeck_cell_timeout", cellworker.TIMEOUT_S, "env")
    app.add_config_value("lecturedeck_cell_memory_mb", cellworker.MEMORY_MB, "env")
    app.connect("env-before-read-docs", workers.warm)
    app.connect("doctree-read", workers.release)
    app.connect("build-finished", workers.close)
