"""What build-time Python shares: the deck's worker, its code, and its cached results.

Each deck's cells, quiz keys, explorable grids, ``:eval:`` values and claims run, in document
order, in one worker of its own (:mod:`lecturedeck.sphinxext.cellworker`), forked when the
deck first needs it from a server that has imported the lecture package already.

**Results are cached by content.** Every piece that runs in a deck's worker (a cell, a key, a
grid, a value, a check, in the order the deck runs them) has a key: the hash of its own
request and limits, of the requests of the earlier pieces whose state feeds it, of the
contents of the lecture package's files that it and those pieces import (read from their
imports by :func:`lecturedeck.deps.code_deps`, as the figure runner reads a script's), and of
the tool (``lecturedeck_source_hash`` and the Python version).

*Whose state feeds a piece:* pieces run one after another in the deck's worker, each in a
namespace of its own, so what one leaves for another is in the modules both import. An
earlier piece feeds a later one when both import the same module from outside the lecture
package (``random``, say), and so does whatever feeds that earlier piece; the lecture package
is pure functions, changed only by assignment. A piece that may change state no import shows
(it assigns an attribute, uses ``import *``, declares ``global``, calls ``exec``, ``eval``,
``setattr`` or ``globals``) feeds every piece after it. So a prose edit changes no key and
nothing runs; a ``lecture_code`` edit reruns exactly the pieces that run the edited file and
the pieces they feed; an edited cell reruns with the pieces it feeds.

A piece whose result is not cached runs in the deck's worker; the earlier pieces that feed it
and have not run in this worker run first (their results are already known, and thrown
away), so that it starts from the state they leave. A failure is never cached, and the
rest of its deck is then run without the cache (a failing cell fails every build until it is
fixed). Entries live in ``_build/.cache/cells/<key>.json``, one per key, written atomically;
one that cannot be read is dropped with a one-line note and its piece runs again.
``make clean`` removes them with the rest of ``_build``.

With ``LECTUREDECK_RUN_LOG=FILE`` in the environment, each piece run in a worker appends a
line ``WHAT<TAB>DOCNAME<TAB>SOURCE`` (``replay`` lines for pieces run again for their
state): the tests count the runs this way.
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from lecturedeck.deps import code_deps
from lecturedeck.project import BUILD, write_atomic
from lecturedeck.sphinxext import cellworker

CACHE_DIR = f"{BUILD}/.cache/cells"  # under the project root
RUN_LOG_ENV = "LECTUREDECK_RUN_LOG"


def note_package_deps(directive: SphinxDirective, tree: ast.AST) -> None:
    """Record the lecture package's files that ``tree`` runs as the document's dependencies."""
    _note_deps(directive.env, tree)


def _note_deps(env: BuildEnvironment, tree: ast.AST) -> None:
    for path in _package_deps(env, tree):
        env.note_dependency(str(path))


def _package_deps(env: BuildEnvironment, tree: ast.AST) -> set[Path]:
    """The lecture package's files that running ``tree`` runs (as the figure runner reads it)."""
    spec = importlib.util.find_spec(env.config.lecturedeck_package)
    if spec and spec.origin:
        return code_deps(tree, Path(spec.origin).parent)
    return set()


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
    # The names it takes from the package, as if imported from it.
    imports = ast.parse(f"from {package} import {', '.join(used)}" if used else "")
    # With the expression itself, which may import, patch or call exec.
    tree = ast.Module(body=[*imports.body, ast.Expr(tree.body)], type_ignores=[])
    request = cellworker.request_eval(expression, package)
    timeout = env.config.lecturedeck_cell_timeout
    return _run_cached(env, what, where, request, timeout, tree)


def run_cell(
    directive: SphinxDirective, what: str, source: str, timeout: float
) -> cellworker.Outcome:
    """Run ``source`` as a cell in the deck's worker, or take its cached result.

    On Ctrl-C, say which ``what`` was running, and where.
    """

    def where() -> str:
        return "{}:{}".format(*directive.state_machine.get_source_and_line(directive.lineno))

    try:
        tree = ast.parse(source)
    except SyntaxError:  # it fails in the worker, and a failure is never cached
        tree = ast.Module(body=[], type_ignores=[])
    request = cellworker.request_cell(source)
    return _run_cached(directive.env, what, where, request, timeout, tree)


# -- The cache ------------------------------------------------------------------------------------
class ResultCache:
    """One JSON file per key: ``{"key": KEY, "reply": the worker's reply}``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The cached reply for ``key``, or None; an entry that cannot be read is dropped."""
        path = self._path(key)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            stored = None
        if (
            isinstance(stored, dict)
            and stored.get("key") == key
            and isinstance(stored.get("reply"), dict)
            and stored["reply"].get("ok") is True
        ):
            return stored["reply"]
        print(f"slides: note: {path} is not a cached result; discarded", file=sys.stderr)
        path.unlink(missing_ok=True)
        return None

    def put(self, key: str, reply: dict) -> None:
        """Keep a successful reply (written in one step: a reader never sees half of it)."""
        try:
            write_atomic(self._path(key), json.dumps({"key": key, "reply": reply}))
        except OSError:
            pass  # a cache that cannot be written only costs time


_digests: dict[tuple[Path, int, int], str] = {}


def _file_digest(path: Path) -> str:
    stat = path.stat()
    known = (path, stat.st_mtime_ns, stat.st_size)
    if known not in _digests:
        _digests[known] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _digests[known]


# Calls that change state that no import shows.
_OPAQUE_CALLS = {"exec", "eval", "setattr", "delattr", "globals", "vars", "__import__"}


def state_links(tree: ast.AST, package: str) -> tuple[set[str], bool]:
    """The module state a piece shares with others, and whether it may change any state.

    Pieces run one after another in the deck's worker, each in a namespace of its own: what
    one leaves for another is in the modules they both import. So a piece is linked to each
    module outside ``package`` that it imports, by its top-level name. The lecture package is
    pure functions: a piece changes its state only by assigning to it. That, and any other
    change no import shows (deleting an attribute, ``import *``, ``global``, ``exec``,
    ``eval``, ``setattr``, ``globals``), makes the piece feed every piece after it.
    """
    links = set()
    opaque = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(node.module)
            links.update(f"import {m.split('.')[0]}" for m in found if m.split(".")[0] != package)
            opaque = opaque or any(alias.name == "*" for alias in node.names)
        elif isinstance(node, ast.Name):
            opaque = opaque or (node.id in _OPAQUE_CALLS and isinstance(node.ctx, ast.Load))
        elif isinstance(node, ast.Global | ast.Nonlocal):
            opaque = True
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            opaque = True
    return links, opaque


class Piece:
    """One piece of the deck: its request, its package files, and the pieces feeding it."""

    def __init__(self, request: dict, timeout: float, deps: set[Path], feeders: set[int]):
        self.request, self.timeout, self.deps, self.feeders = request, timeout, deps, feeders


class DeckChain:
    """The pieces of the deck being read, what feeds each, and which ran in the worker."""

    def __init__(self, docname: str, base: str, package: str) -> None:
        self.docname = docname
        self.package = package
        self.base: str | None = base  # None: the rest of the deck runs without the cache
        self.pieces: list[Piece] = []
        self.touched: dict[str, set[int]] = {}  # module or file -> the pieces linked to it
        self.opaque: set[int] = set()
        self.ran: set[int] = set()  # the pieces the deck's worker has run

    def add(self, request: dict, timeout: float, deps: set[Path], tree: ast.AST) -> str | None:
        """Add the next piece; return its key (None: the cache is off for the rest)."""
        index = len(self.pieces)
        links, opaque = state_links(tree, self.package)
        direct = set(self.opaque).union(*(self.touched.get(n, ()) for n in links))
        feeders = set(direct)
        for j in direct:
            feeders |= self.pieces[j].feeders
        self.pieces.append(Piece(request, timeout, deps, feeders))
        for link in links:
            self.touched.setdefault(link, set()).add(index)
        if opaque:
            self.opaque.add(index)
        if self.base is None:
            return None
        files = set(deps).union(*(self.pieces[j].deps for j in feeders))
        digests = sorted((p.name, _file_digest(p)) for p in files)
        sources = [[self.pieces[j].request, self.pieces[j].timeout] for j in sorted(feeders)]
        piece = [self.base, request, timeout, sources, digests]
        return hashlib.sha256(json.dumps(piece, sort_keys=True).encode()).hexdigest()

    def to_replay(self) -> list[Piece]:
        """The feeders of the last piece the worker has not run, in order; now counted as run."""
        index = len(self.pieces) - 1
        todo = sorted(self.pieces[index].feeders - self.ran)
        self.ran.update(todo)
        self.ran.add(index)
        return [self.pieces[j] for j in todo]


class DeckRuns:
    """The build's cache, and the chain of the deck being read in this process."""

    def __init__(self) -> None:
        self.cache: ResultCache | None = None
        self.chain: DeckChain | None = None

    def start(self, app: Sphinx) -> None:
        """The build starts: find the cache folder."""
        self.cache = ResultCache(Path(app.confdir) / CACHE_DIR)
        self.chain = None
        cellworker.PRELOAD = app.config.lecturedeck_package

    def chain_for(self, env: BuildEnvironment) -> DeckChain:
        """The chain of the deck being read: a new one when another deck starts."""
        if self.chain is None or self.chain.docname != env.docname:
            config = env.config
            tool = [
                config.lecturedeck_source_hash,
                sys.version,
                config.lecturedeck_package,
                config.lecturedeck_cell_memory_mb,
            ]
            base = hashlib.sha256(json.dumps(tool).encode()).hexdigest()
            self.chain = DeckChain(env.docname, base, config.lecturedeck_package)
        return self.chain

    def release(self, *_args: object) -> None:
        """The deck has been read: the next one starts a chain of its own."""
        self.chain = None


runs = DeckRuns()


def _log(what: str, docname: str, request: dict) -> None:
    log = os.environ.get(RUN_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{what}\t{docname}\t{json.dumps(request['source'])}\n")


def _run_cached(
    env: BuildEnvironment,
    what: str,
    where: Callable[[], str],
    request: dict,
    timeout: float,
    tree: ast.AST,
) -> cellworker.Outcome:
    """The outcome of one piece of the deck: from the cache, or run in the deck's worker.

    The package files ``tree`` imports are the piece's inputs, and the document's dependencies.
    """
    chain = runs.chain_for(env)
    try:
        deps = _package_deps(env, tree)
    except (OSError, SyntaxError):  # a package file that cannot be read fails where it is run
        chain.base = None
        deps = set()
        spec = importlib.util.find_spec(env.config.lecturedeck_package)
        for path in Path(spec.origin).parent.rglob("*.py") if spec and spec.origin else ():
            env.note_dependency(str(path))  # any of them may be what it imports
    else:
        for path in deps:
            env.note_dependency(str(path))
    key = chain.add(request, timeout, deps, tree)
    cache = runs.cache
    if key and cache is not None:
        reply = cache.get(key)
        if reply is not None:
            return cellworker.outcome_of(reply)

    def call(worker: cellworker.Worker) -> dict:
        # The pieces feeding this one that came from the cache: run them again for their state.
        for earlier in chain.to_replay():
            _log("replay", env.docname, earlier.request)
            if not worker.ask(earlier.request, earlier.timeout).get("ok"):
                chain.base = None  # it gave another result this time: cache nothing more here
                break
        _log(what, env.docname, request)
        return worker.ask(request, timeout)

    reply = run_for_document(env, what, where, call)
    if not reply.get("ok"):
        chain.base = None
    elif key and chain.base is not None and cache is not None:
        cache.put(key, reply)
    return cellworker.outcome_of(reply)


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


def run_for_document(
    env: BuildEnvironment, what: str, where: Callable[[], str], call: Callable
) -> dict:
    """Run ``call(worker)`` in the worker of the deck being read; on Ctrl-C, say ``where()``."""
    try:
        worker = workers.for_deck(env.docname, env.config.lecturedeck_cell_memory_mb)
        return call(worker)
    except KeyboardInterrupt:
        print(f"\ninterrupted while running the {what} at {where()}", file=sys.stderr)
        workers.close()
        raise


def _release(*args: object) -> None:
    runs.release()
    workers.release()


def setup(app: Sphinx) -> None:
    """Register the cells' limits, the cache and the workers' life cycle."""
    app.add_config_value("lecturedeck_cell_timeout", cellworker.TIMEOUT_S, "env")
    app.add_config_value("lecturedeck_cell_memory_mb", cellworker.MEMORY_MB, "env")
    app.connect("builder-inited", runs.start)
    app.connect("env-before-read-docs", workers.warm)
    app.connect("doctree-read", _release)
    app.connect("build-finished", _build_finished)


def _build_finished(app: Sphinx, _exception: Exception | None) -> None:
    """Stop the workers; ``make preview``'s long-lived application keeps the warm server."""
    if app.config.lecturedeck_keep_processes:
        workers.release()
    else:
        workers.close()
