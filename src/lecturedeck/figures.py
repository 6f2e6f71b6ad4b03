"""The figure runner: ``make figs`` reruns exactly the figure scripts that are stale.

Each ``scripts/plot_<name>.py`` names the file it writes in a module constant,
``FIGURE = "figs/Graphs/sigmoid.png"``, and does its work in ``main()``.

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
Stale scripts run in parallel worker processes, each figure with the Agg
backend and a fresh style. A figure is written to a temporary folder and moved
into place only when the script succeeded, and only if its bytes changed, so a
failing script leaves the previous figure untouched and a rerun that changes
nothing touches nothing.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lecturedeck.build import copy_if_changed
from lecturedeck.deps import code_deps

STAMPS = ".stamps.json"
STYLE_MODULE = "figstyle"
PACKAGE = "lecture_code"
FIGS = "figs"
OUT_ENV = "LECTUREDECK_FIG_OUT"  # where figstyle.save() writes; set by the runner


class FigureError(Exception):
    """A figure script failed; the message is one ``file:line: problem`` line."""


@dataclass
class Script:
    """One figure script and what its output depends on."""

    path: Path
    figure: str  # path relative to the project root, e.g. figs/Graphs/sigmoid.png
    inputs: list[Path] = field(default_factory=list)

    def digest(self) -> str:
        """Hash every input's bytes, in a fixed order."""
        h = hashlib.sha256()
        for p in self.inputs:
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        return h.hexdigest()


def _parse(path: Path, root: Path) -> ast.Module:
    """Parse a Python file; a syntax error becomes a ``file:line:`` FigureError."""
    try:
        return ast.parse(path.read_bytes(), str(path))
    except SyntaxError as exc:
        rel = os.path.relpath(path, root)
        raise FigureError(f"{rel}:{exc.lineno or 1}: SyntaxError: {exc.msg}") from None


def _figure_constant(tree: ast.Module) -> str | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "FIGURE" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


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
        figure = _figure_constant(tree)
        if figure is None:
            raise FigureError(f"{rel}:1: no FIGURE = 'figs/...' constant")
        parts = PurePosixPath(figure).parts
        if parts[0] != FIGS or ".." in parts or len(parts) < 2:
            raise FigureError(f"{rel}:1: FIGURE must be a path under figs/, got {figure!r}")
        if figure in owners:
            raise FigureError(f"{rel}:1: FIGURE {figure} is also written by {owners[figure].name}")
        owners[figure] = path
        try:
            used = code_deps(tree, pkg_dir)
        except SyntaxError as exc:
            where = os.path.relpath(exc.filename or path, root)
            raise FigureError(f"{where}:{exc.lineno or 1}: SyntaxError: {exc.msg}") from None
        inputs = [path, *([style] if style.exists() else []), *sorted(used)]
        found.append(Script(path, figure, inputs))
    return found


def _load_stamps(figs: Path) -> dict[str, dict[str, str]]:
    try:
        return json.loads((figs / STAMPS).read_text())
    except (OSError, ValueError):
        return {}


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def stale(root: Path, scripts: list[Script]) -> list[Script]:
    """The scripts whose inputs changed, or whose figure is missing or was edited."""
    stamps = _load_stamps(root / FIGS)
    out = []
    for s in scripts:
        stamp = stamps.get(s.path.name, {})
        if stamp.get("inputs") != s.digest() or stamp.get("figure") != _file_hash(root / s.figure):
            out.append(s)
    return out


def _where(exc: BaseException, script: str, root: str) -> str:
    """``scripts/plot_x.py:12``, plus where inside other code it was raised, if elsewhere."""
    import traceback

    rel = os.path.relpath(script, root)
    if isinstance(exc, SyntaxError) and exc.filename == script:
        return f"{rel}:{exc.lineno or 1}"
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename == script]
    where = f"{rel}:{own[-1].lineno if own else 1}"
    if frames and own and frames[-1] is not own[-1]:
        last = frames[-1]
        inner = os.path.relpath(last.filename, root) if last.filename.startswith(root) else None
        if inner:
            where += f" (raised at {inner}:{last.lineno})"
    return where


def _run_one(root: str, script: str, figure: str, tmp: str) -> str | None:
    """Run one script in this worker process. Return an error line, or None."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.environ[OUT_ENV] = tmp
    # The project's own lecture_code and figstyle, whatever else is installed or was
    # imported before this worker was forked.
    for folder, top in ((Path(root) / "src", PACKAGE), (Path(script).parent, STYLE_MODULE)):
        if not (folder / top).exists() and not (folder / f"{top}.py").exists():
            continue
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
        for name, module in list(sys.modules.items()):
            if name == top or name.startswith(top + "."):
                if not str(getattr(module, "__file__", "")).startswith(str(folder) + os.sep):
                    del sys.modules[name]
    plt.close("all")
    matplotlib.rcdefaults()
    try:
        import runpy

        runpy.run_path(script, run_name="__main__")
    except BaseException as exc:  # noqa: BLE001 - any failure of a user script is reported
        detail = str(exc).splitlines()[0] if str(exc) else ""
        return f"{_where(exc, script, root)}: {type(exc).__name__}: {detail}".rstrip(": ")
    finally:
        plt.close("all")
    if not (Path(tmp) / figure).is_file():
        rel = os.path.relpath(script, root)
        return f"{rel}:1: wrote no file: expected {figure} (call figstyle.save(fig, FIGURE))"
    return None


def _write_stamps(figs: Path, stamps: dict[str, dict[str, str]]) -> None:
    figs.mkdir(parents=True, exist_ok=True)
    part = figs / (STAMPS + ".part")
    part.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n")
    os.replace(part, figs / STAMPS)


def run(root: Path, force: bool = False, jobs: int | None = None, quiet: bool = False) -> int:
    """Regenerate stale figures. Return the number of failures (0 on success)."""
    scripts = discover(root)
    todo = scripts if force else stale(root, scripts)
    if not todo:
        if not quiet:
            print(f"figures: {len(scripts)} up to date")
        return 0

    import tempfile
    import time
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    figs = root / FIGS
    stamps = _load_stamps(figs)
    # Hash the inputs before running: an edit made during the run makes the script stale again.
    digests = {s.path.name: s.digest() for s in todo}
    failures = []
    with tempfile.TemporaryDirectory(prefix="figs-") as tmp:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [
                (s, pool.submit(_run_one, str(root), str(s.path), s.figure, tmp)) for s in todo
            ]
            for s, fut in futures:
                try:
                    error = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. the worker process died
                    rel = s.path.relative_to(root)
                    error = f"{rel}:1: the worker running it died: {type(exc).__name__}: {exc}"
                if error:
                    failures.append(error)
                    stamps.pop(s.path.name, None)  # rerun it next time, whatever changed
                    continue
                changed = copy_if_changed(Path(tmp) / s.figure, root / s.figure)
                stamps[s.path.name] = {
                    "inputs": digests[s.path.name],
                    "figure": _file_hash(root / s.figure) or "",
                }
                if not quiet:
                    print(f"figures: {s.figure} {'written' if changed else 'unchanged'}")
    known = {s.path.name for s in scripts}
    _write_stamps(figs, {k: v for k, v in stamps.items() if k in known})
    for error in failures:
        print(error, file=sys.stderr)
    if not quiet:
        took = time.perf_counter() - t0
        print(f"figures: ran {len(todo)} script(s) on {jobs} worker(s) in {took:.1f} s")
    return len(failures)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.figures [--force] [--jobs N] [--root DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--force", action="store_true", help="rerun every script")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes")
    parser.add_argument("--list-stale", action="store_true", help="print stale scripts and exit")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.list_stale:
            for s in stale(root, discover(root)):
                print(s.path.relative_to(root))
            return 0
        failed = run(root, force=args.force, jobs=args.jobs)
    except FigureError as exc:
        print(exc, file=sys.stderr)
        return 1
    if failed:
        print(f"figures: {failed} script(s) failed; previous figures kept", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
