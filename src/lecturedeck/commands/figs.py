"""The figure runner: ``make figs`` reruns exactly the figure scripts that are stale.

Each ``scripts/plot_<name>.py`` names the file it writes in a module constant,
``FIGURE = "figs/Graphs/sigmoid.png"``, and does its work in ``main()``. A script
may give itself more time than the default 60 s with ``TIMEOUT = 120`` (seconds);
``--timeout`` changes the default for the scripts that set none.

A script is stale when the SHA-256 of its inputs changed, or when its figure is
missing or no longer the one it wrote. Its inputs are the script itself, the
shared style module, and the ``lecture_code`` modules whose code it runs: the
modules it imports names from, followed through their own imports inside the
package. ``from lecture_code import softmax`` counts as an import of the module
that defines ``softmax`` (found through the package's ``__init__``), not of
every module ``__init__`` re-exports, so touching one module reruns only the
scripts that use it. ``__init__.py`` itself runs on every import of the
package, so it is an input of every script that imports from the package.

Staleness is decided from the stamp file ``figs/.stamps.json`` by reading and
hashing source files, without importing matplotlib, so a no-op run is quick.
Each stale script runs in a process of its own, forked from a server that has
matplotlib imported (:mod:`lecturedeck.commands.figworker`), a few at a time. A script
that runs past its time limit, crashes or ends its process fails alone, with
one ``file:line: message``; the others go on. A figure is written to a
temporary folder and moved into place only when the script succeeded, and only
if its bytes changed, so a failing script leaves the previous figure untouched
and a rerun that changes nothing touches nothing.

The stamps also say which files in ``figs/`` the runner generated. It writes
``figs/.gitignore`` listing exactly those (and its own two files), so anything
else in ``figs/`` shows in ``git status``, and it warns about such files:
hand-made images belong in ``images/``. ``make clean`` (:mod:`lecturedeck.commands.clean`)
removes only what the stamps list. A figure whose script is gone (or now writes
elsewhere) is removed, unless it was edited since.

The work is done holding a lock (``_build/.figs.lock``), so that two runs at
once take turns rather than collide.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lecturedeck.deps import code_deps
from lecturedeck.project import FIGS, PACKAGE, STYLE_MODULE, copy_if_changed, replacing

STAMPS = ".stamps.json"
IGNORE = ".gitignore"
LOCK = "_build/.figs.lock"
DEFAULT_TIMEOUT = 60.0  # seconds a script may run, unless it sets TIMEOUT
GRACE = 5.0  # after the time limit, how long a script stuck outside Python has before the kill
PART = re.compile(r"^\..+\.\d+\.part$")  # a temporary file of an unfinished write

Stamps = dict[str, dict[str, str]]


def grace(limit: float) -> float:
    """How long past its time limit a script stuck outside Python has before the kill.

    As long again as its limit, at most GRACE: a script allowed 1 s is killed at 2 s, not 6 s.
    """
    return min(GRACE, limit)


class FigureError(Exception):
    """A figure script failed; the message is one ``file:line: problem`` line."""


@dataclass
class Script:
    """One figure script and what its output depends on."""

    path: Path
    figure: str  # path relative to the project root, e.g. figs/Graphs/sigmoid.png
    inputs: list[Path] = field(default_factory=list)
    timeout: float | None = None  # its own TIMEOUT, if it sets one

    def digest(self) -> str:
        """Hash every input's bytes, in a fixed order."""
        h = hashlib.sha256()
        for p in self.inputs:
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        return h.hexdigest()


# -- Discovery ------------------------------------------------------------------------------------
def _parse(path: Path, root: Path) -> ast.Module:
    """Parse a Python file; a syntax error becomes a ``file:line:`` FigureError."""
    try:
        return ast.parse(path.read_bytes(), str(path))
    except SyntaxError as exc:
        rel = os.path.relpath(path, root)
        raise FigureError(f"{rel}:{exc.lineno or 1}: SyntaxError: {exc.msg}") from None


def _constant(tree: ast.Module, name: str) -> ast.expr | None:
    """The value assigned to the module-level ``name``, or None."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node.value
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.target.id == name and node.value is not None:
                return node.value
    return None


def _timeout(tree: ast.Module, rel: Path) -> float | None:
    value = _constant(tree, "TIMEOUT")
    if value is None:
        return None
    number = value.value if isinstance(value, ast.Constant) else None
    if isinstance(number, bool) or not isinstance(number, int | float) or not number > 0:
        raise FigureError(
            f"{rel}:{value.lineno}: TIMEOUT must be a positive number of seconds, "
            f"e.g. TIMEOUT = 120, got {ast.unparse(value)}"
        )
    return float(number)


def _figure_path(tree: ast.Module, rel: Path) -> str:
    value = _constant(tree, "FIGURE")
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        raise FigureError(f"{rel}:1: no FIGURE = 'figs/...' constant")
    figure = value.value
    if not valid_path(figure):
        raise FigureError(
            f"{rel}:{value.lineno}: FIGURE must be a path under figs/, got {figure!r}"
        )
    return figure


def valid_path(path: object) -> bool:
    """A plain relative path inside figs/, not one of the runner's own files."""
    if not isinstance(path, str) or any(c in path for c in "\r\n\0"):
        return False
    pure = PurePosixPath(path)
    return (
        pure.as_posix() == path
        and len(pure.parts) >= 2
        and pure.parts[0] == FIGS
        and ".." not in pure.parts
        and path not in (f"{FIGS}/{STAMPS}", f"{FIGS}/{IGNORE}")
    )


def discover(root: Path) -> list[Script]:
    """Find the figure scripts under ``root/scripts`` and what each depends on."""
    scripts_dir = root / "scripts"
    style = scripts_dir / f"{STYLE_MODULE}.py"
    pkg_dir = root / "src" / PACKAGE
    found: list[Script] = []
    owners: dict[str, Path] = {}
    for path in sorted(scripts_dir.glob("plot_*.py")):
        rel = path.relative_to(root)
        tree = _parse(path, root)
        figure = _figure_path(tree, rel)
        if figure in owners:
            raise FigureError(f"{rel}:1: FIGURE {figure} is also written by {owners[figure].name}")
        owners[figure] = path
        timeout = _timeout(tree, rel)
        try:
            used = code_deps(tree, pkg_dir)
        except SyntaxError as exc:
            where = os.path.relpath(exc.filename or path, root)
            raise FigureError(f"{where}:{exc.lineno or 1}: SyntaxError: {exc.msg}") from None
        inputs = [path, *([style] if style.exists() else []), *sorted(used)]
        found.append(Script(path, figure, inputs, timeout))
    return found


# -- Stamps: what was generated, from what --------------------------------------------------------
def _valid_stamps(data: object) -> bool:
    """``{"plot_x.py": {"inputs": sha, "figure": sha, "path": "figs/..."}}``, path optional."""
    if not isinstance(data, dict):
        return False
    for entry in data.values():
        if not isinstance(entry, dict):
            return False
        if not isinstance(entry.get("inputs"), str) or not isinstance(entry.get("figure"), str):
            return False
        if "path" in entry and not valid_path(entry["path"]):
            return False
    return True


def read_stamps(figs: Path) -> tuple[Stamps, bool]:
    """The stamps, and whether a stamps file is there but not valid (then none are returned)."""
    try:
        data = json.loads((figs / STAMPS).read_text())
    except FileNotFoundError:
        return {}, False
    except (OSError, ValueError):
        return {}, True
    return (data, False) if _valid_stamps(data) else ({}, True)


def generated(stamps: Stamps) -> set[str]:
    """The files the stamps say the runner wrote, relative to the project root."""
    return {entry["path"] for entry in stamps.values() if "path" in entry}


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def stale(root: Path, scripts: list[Script], stamps: Stamps | None = None) -> list[Script]:
    """The scripts whose inputs changed, or whose figure is missing or was edited."""
    if stamps is None:
        stamps = read_stamps(root / FIGS)[0]
    out = []
    for s in scripts:
        stamp = stamps.get(s.path.name, {})
        if (
            stamp.get("inputs") != s.digest()
            or stamp.get("path") != s.figure
            or stamp.get("figure") != _file_hash(root / s.figure)
        ):
            out.append(s)
    return out


def _ignore_pattern(rel: str) -> str:
    """A .gitignore line that matches exactly the file ``rel`` (relative to figs/)."""
    escaped = re.sub(r"([\\*?\[\]!#])", r"\\\1", rel)
    body = escaped.rstrip(" ")
    return "/" + body + "\\ " * (len(escaped) - len(body))


def ignore_text(stamps: Stamps) -> str:
    """The content of figs/.gitignore: the runner's own files and the figures it generated."""
    lines = [
        "# Written by `make figs`: the files it generated, which git need not see. Any other",
        "# file here is not generated, and git shows it: hand-made images belong in images/.",
        f"/{IGNORE}",
        f"/{STAMPS}",
        ".*.[0-9]*.part",
    ]
    lines += [_ignore_pattern(p[len(FIGS) + 1 :]) for p in sorted(generated(stamps))]
    return "\n".join(lines) + "\n"


def _write_if_changed(root: Path, path: Path, text: str) -> bool:
    """Write ``text`` atomically, unless the file already holds it; return whether it wrote."""
    try:
        if path.read_text() == text:
            return False
    except (OSError, ValueError):
        pass
    try:
        with replacing(path) as part:
            part.write_text(text)
    except OSError as exc:
        rel = path.relative_to(root).as_posix()
        raise FigureError(f"{rel}: cannot write it: {exc.strerror or exc}") from None
    return True


def not_generated(root: Path, stamps: Stamps, scripts: list[Script] = ()) -> list[str]:
    """The files in figs/ that no script generated (nor will: a script's FIGURE is its own)."""
    ours = generated(stamps) | {s.figure for s in scripts}
    ours |= {f"{FIGS}/{STAMPS}", f"{FIGS}/{IGNORE}"}
    found = []
    for folder, dirs, files in os.walk(root / FIGS):
        dirs.sort()
        for name in sorted(files):
            rel = (Path(folder) / name).relative_to(root).as_posix()
            if rel not in ours and not PART.match(name):
                found.append(rel)
    return found


def _warn_not_generated(root: Path, stamps: Stamps, scripts: list[Script]) -> None:
    found = not_generated(root, stamps, scripts)
    if found:
        shown = ", ".join(found[:3]) + (f", and {len(found) - 3} more" if len(found) > 3 else "")
        print(
            f"figures: {len(found)} file(s) in {FIGS}/ no script generated: {shown}; "
            "hand-made images belong in images/",
            file=sys.stderr,
        )


def remove_empty_folders(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to, not including, ``top``, while they are empty."""
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _remove_orphans(root: Path, before: Stamps, after: Stamps) -> list[str]:
    """Remove the figures no script writes any more, unless edited since; return their paths."""
    keep = generated(after)
    removed = []
    for entry in before.values():
        path = entry.get("path")
        if path and path not in keep and _file_hash(root / path) == entry["figure"]:
            (root / path).unlink()
            remove_empty_folders((root / path).parent, root / FIGS)
            removed.append(path)
    return sorted(removed)


@contextmanager
def _lock(root: Path) -> Iterator[None]:
    """Hold the figure runner's lock of this project; a second run waits for the first."""
    import fcntl

    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"figures: another run is updating {FIGS}/; waiting for it", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# -- Worker processes -----------------------------------------------------------------------------
def _work(*args: Any) -> None:
    """The worker process's entry: the fork server already imported figworker."""
    from lecturedeck.commands import figworker

    figworker.main(*args)


def _context():
    """Processes forked from a server with matplotlib imported, where the system has one."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    import threading
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    # Not this module: a worker runs the parent's __main__ module again (multiprocessing's
    # rule), which may be this one, and that must not find it imported already.
    context.set_forkserver_preload(["lecturedeck.commands.figworker"])
    # The server starts with Ctrl-C ignored (it inherits that), so that a Ctrl-C while it
    # imports matplotlib stops the runner only, which then reports it.
    handler = signal.getsignal(signal.SIGINT)
    shield = threading.current_thread() is threading.main_thread() and handler is not None
    if shield:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        if shield:
            signal.signal(signal.SIGINT, handler)
    return context


@dataclass
class _Job:
    script: Script
    limit: float
    process: Any
    conn: Any
    trace: Path
    deadline: float


def _start(context, root: Path, script: Script, limit: float, tmp: str) -> _Job:
    # Duplex: the worker watches its end, and ends itself when the runner closes this one.
    conn, child_conn = context.Pipe()
    trace = Path(tmp) / f"{script.path.name}.trace"
    late = grace(limit)
    args = (str(root), str(script.path), script.figure, tmp, limit, late, child_conn, str(trace))
    process = context.Process(target=_work, args=args, name=f"figure {script.path.name}")
    try:
        process.start()
    except BaseException:
        conn.close()
        raise
    finally:
        child_conn.close()
    return _Job(script, limit, process, conn, trace, time.monotonic() + limit + late + 2)


def _kill(job: _Job) -> None:
    """Kill a worker and whatever its script started (its process group, named by its pid).

    Once the worker has ended, its pid may belong to another process: only its group,
    which lives on while something the script started runs, is then killed.
    """
    pid = job.process.pid
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if job.process.exitcode is None:
        job.process.kill()


def _trace_line(trace: Path, script: Path) -> int | None:
    """The innermost line of ``script`` in a faulthandler dump, if any."""
    try:
        text = trace.read_text(errors="replace")
    except OSError:
        return None
    for match in re.finditer(r'File "(.*)", line (\d+)', text):
        if match.group(1) == str(script):
            return int(match.group(2))
    return None


def _death(job: _Job, root: Path, killed: bool) -> str:
    """The error line of a worker that ended without reporting."""
    rel = job.script.path.relative_to(root).as_posix()
    line = _trace_line(job.trace, job.script.path)
    at = f"{rel}:{line}" if line else rel
    try:  # faulthandler's dump of a script stuck past the grace period starts so
        dumped = re.search(r"^Timeout \(\d+:\d\d:\d\d\)!", job.trace.read_text(), re.M)
    except (OSError, ValueError):
        dumped = None
    timed_out = killed or dumped is not None
    code = job.process.exitcode
    if timed_out:
        later = grace(job.limit)
        return f"{at}: timed out after {job.limit:g} s and did not stop; killed {later:g} s later"
    if code is not None and code < 0:
        number = -code
        if number == signal.SIGKILL:
            return f"{at}: killed by SIGKILL (out of memory, or killed from outside)"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"{at}: crashed: {name} ({signal.strsignal(number) or 'unknown signal'})"
    return f"{at}: ended its process (exit status {code}) before the script finished; os._exit()?"


def _finish(job: _Job, root: Path, killed: bool) -> str | None:
    """Collect a finished worker; return its error line, or None."""
    result = None
    try:
        if job.conn.poll():
            result = job.conn.recv()
    except (EOFError, OSError):
        pass
    job.conn.close()
    job.process.join()
    _kill(job)  # anything the script started and left running
    if isinstance(result, tuple) and len(result) == 2 and result[0] == "done":
        return result[1]
    return _death(job, root, killed)


def _rel(script: Script, root: Path) -> str:
    return script.path.relative_to(root).as_posix()


def _run_scripts(
    root: Path,
    todo: list[Script],
    jobs: int,
    timeout: float,
    tmp: str,
    done: Callable[[Script, str | None], None],
) -> None:
    """Run each script in its own process, ``jobs`` at a time; call ``done`` as each ends."""
    from multiprocessing.connection import wait

    queue = list(todo)
    running: list[_Job] = []
    starting: list[Script] = []
    try:
        context = _context()
        while queue or running:
            while queue and len(running) < jobs:
                starting = [queue.pop(0)]
                limit = starting[0].timeout or timeout
                running.append(_start(context, root, starting[0], limit, tmp))
                starting = []
            first = min(job.deadline for job in running)
            wait([job.process.sentinel for job in running], max(0.0, first - time.monotonic()))
            now = time.monotonic()
            for job in list(running):
                over = job.process.exitcode is None and now >= job.deadline
                if over:
                    _kill(job)
                if over or job.process.exitcode is not None:
                    running.remove(job)
                    done(job.script, _finish(job, root, killed=over))
    except KeyboardInterrupt:
        names = ", ".join(_rel(s, root) for s in [job.script for job in running] + starting)
        print(
            f"figures: interrupted while running {names or 'no script'}; "
            "their previous figures are kept",
            file=sys.stderr,
        )
        raise
    finally:
        for job in running:
            _kill(job)
            job.conn.close()
            job.process.join()


# -- The run --------------------------------------------------------------------------------------
def run(
    root: Path,
    force: bool = False,
    jobs: int | None = None,
    quiet: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """Regenerate stale figures. Return the number of failures (0 on success)."""
    scripts = discover(root)
    figs = root / FIGS
    stamps, invalid = read_stamps(figs)
    todo = scripts if force else stale(root, scripts, stamps)
    tidy = not invalid and not set(stamps) - {s.path.name for s in scripts}
    if tidy and figs.is_dir():
        try:
            tidy = (figs / IGNORE).read_text() == ignore_text(stamps)
        except (OSError, ValueError):
            tidy = False
    if not todo and tidy:
        if not quiet:
            print(f"figures: {len(scripts)} up to date")
        _warn_not_generated(root, stamps, scripts)
        return 0
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # A worker starting up runs its parent's main script again; unguarded, that script
        # would call run() here and wait for the parent's lock.
        raise FigureError(
            "figures: run() called while a figure worker starts: put the calling script's "
            "main code under `if __name__ == '__main__':`"
        )
    with _lock(root):
        return _update(root, scripts, force, jobs, quiet, timeout)


def _update(
    root: Path, scripts: list[Script], force: bool, jobs: int | None, quiet: bool, timeout: float
) -> int:
    """The locked part of :func:`run`: run the stale scripts, then write stamps and .gitignore."""
    import tempfile

    t0 = time.perf_counter()
    figs = root / FIGS
    stamps, invalid = read_stamps(figs)  # again: a run that held the lock may have changed them
    if invalid:
        print(
            f"figures: {FIGS}/{STAMPS} is not valid; discarded, every figure reruns",
            file=sys.stderr,
        )
    todo = scripts if force else stale(root, scripts, stamps)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    before = dict(stamps)
    # Hash the inputs before running: an edit made during the run makes the script stale again.
    digests = {s.path.name: s.digest() for s in todo}
    failures: list[str] = []

    def done(s: Script, error: str | None) -> None:
        name = s.path.name
        if error:
            print(error, file=sys.stderr)
            failures.append(error)
            # Rerun it next time, whatever changed; its previous figure stays, and stays ours.
            old = stamps.pop(name, None)
            path = old and old.get("path")
            if old and not path and old["figure"] == _file_hash(root / s.figure):
                path = s.figure  # a stamp written before stamps named their figure
            if old and path:
                stamps[name] = {"inputs": "", "figure": old["figure"], "path": path}
            return
        changed = copy_if_changed(Path(tmp) / s.figure, root / s.figure)
        stamps[name] = {
            "inputs": digests[name],
            "figure": _file_hash(root / s.figure) or "",
            "path": s.figure,
        }
        if not quiet:
            print(f"figures: {s.figure} {'written' if changed else 'unchanged'}")

    try:
        if todo:
            with tempfile.TemporaryDirectory(prefix="figs-") as tmp:
                _run_scripts(root, todo, jobs, timeout, tmp, done)
    finally:
        known = {s.path.name for s in scripts}
        final = {k: v for k, v in stamps.items() if k in known}
        removed = _remove_orphans(root, before, final)
        if todo or final or figs.is_dir():
            stamps_text = json.dumps(final, indent=1, sort_keys=True) + "\n"
            _write_if_changed(root, figs / STAMPS, stamps_text)
            _write_if_changed(root, figs / IGNORE, ignore_text(final))
    for path in removed:
        print(f"figures: removed {path}: no script writes it any more")
    if not quiet and todo:
        took = time.perf_counter() - t0
        print(f"figures: ran {len(todo)} script(s), {jobs} at a time, in {took:.1f} s")
    elif not quiet:
        print(f"figures: {len(scripts)} up to date")
    _warn_not_generated(root, final, scripts)
    return len(failures)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.figs [--force] [--jobs N] [--timeout S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--force", action="store_true", help="rerun every script")
    parser.add_argument("--jobs", type=int, default=None, help="scripts run at a time")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help="seconds a script may run, unless it sets TIMEOUT (default: %(default)g)",
    )
    parser.add_argument("--list-stale", action="store_true", help="print stale scripts and exit")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.list_stale:
            for s in stale(root, discover(root)):
                print(s.path.relative_to(root))
            return 0
        failed = run(root, force=args.force, jobs=args.jobs, timeout=args.timeout)
    except FigureError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if failed:
        print(f"figures: {failed} script(s) failed; previous figures kept", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
