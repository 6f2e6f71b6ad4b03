"""The figure runner: ``make figs`` reruns exactly the figure scripts that are stale.

Each ``scripts/plot_<name>.py`` names the file it writes in a module constant,
``FIGURE = "figs/Graphs/sigmoid.png"``, and does its work in ``main()``.

A script is stale when the SHA-256 of its inputs changed: the script itself,
the shared style module, and every ``lecture_code`` module it imports
(followed through imports inside the package). Staleness is decided from the
stamp file ``figs/.stamps.json`` without importing matplotlib, so a no-op run
is quick. Stale scripts run in parallel worker processes, each figure with the
Agg backend and a fresh style. A figure is written to a temporary folder and
moved into place only when the script succeeded, and only if its bytes changed,
so a failing script leaves the previous figure untouched and a rerun that
changes nothing touches nothing.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

STAMPS = ".stamps.json"
STYLE_MODULE = "figstyle"
PACKAGE = "lecture_code"
OUT_ENV = "LECTUREDECK_FIG_OUT"  # where figstyle.save() writes; set by the runner


class FigureError(Exception):
    """A figure script failed; the message is one ``file:line: problem`` line."""


@dataclass
class Script:
    """One figure script and what its output depends on."""

    path: Path
    figure: str  # path relative to the project root, e.g. figs/Graphs/sigmoid.png
    inputs: list[Path]

    def digest(self) -> str:
        """Hash every input's bytes, in a fixed order."""
        h = hashlib.sha256()
        for p in self.inputs:
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        return h.hexdigest()


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _package_deps(names: set[str], src: Path) -> set[Path]:
    """The lecture_code source files that importing ``names`` executes, transitively."""
    pkg = src / PACKAGE
    todo = [n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")]
    found: set[Path] = set()
    while todo:
        parts = todo.pop().split(".")
        candidates = [pkg.joinpath(*parts[1:]).with_suffix(".py")] if len(parts) > 1 else []
        candidates.append(pkg / "__init__.py")  # importing a submodule runs the package first
        for path in candidates:
            if path.exists() and path not in found:
                found.add(path)
                tree = ast.parse(path.read_text(), str(path))
                rel = {
                    f"{PACKAGE}.{n.module}" if n.level else n.module
                    for n in ast.walk(tree)
                    if isinstance(n, ast.ImportFrom) and n.module
                }
                todo.extend(r for r in rel if r and r.startswith(PACKAGE))
    return found


def discover(root: Path) -> list[Script]:
    """Find the figure scripts under ``root/scripts`` and what each depends on."""
    scripts_dir = root / "scripts"
    style = scripts_dir / f"{STYLE_MODULE}.py"
    found = []
    for path in sorted(scripts_dir.glob("plot_*.py")):
        tree = ast.parse(path.read_text(), str(path))
        figure = next(
            (
                n.value.value
                for n in tree.body
                if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "FIGURE" for t in n.targets)
                and isinstance(n.value, ast.Constant)
            ),
            None,
        )
        if not isinstance(figure, str):
            raise FigureError(f"{path.relative_to(root)}:1: no FIGURE = 'figs/...' constant")
        deps = _package_deps(_imports(tree), root / "src")
        inputs = [path, *([style] if style.exists() else []), *sorted(deps)]
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
    stamps = _load_stamps(root / "figs")
    out = []
    for s in scripts:
        stamp = stamps.get(s.path.name, {})
        if stamp.get("inputs") != s.digest() or stamp.get("figure") != _file_hash(root / s.figure):
            out.append(s)
    return out


def _run_one(root: str, script: str, figure: str, tmp: str) -> str | None:
    """Run one script in this worker process. Return an error line, or None."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.environ[OUT_ENV] = tmp
    scripts_dir = str(Path(script).parent)
    if scripts_dir not in sys.path:
        sys.path.insert(0, scripts_dir)
    plt.close("all")
    matplotlib.rcdefaults()
    rel = os.path.relpath(script, root)
    try:
        import runpy

        runpy.run_path(script, run_name="__main__")
    except BaseException as exc:  # noqa: BLE001 - any failure of a user script is reported
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == script]
        line = frames[-1].lineno if frames else 1
        detail = str(exc).splitlines()[0] if str(exc) else ""
        return f"{rel}:{line}: {type(exc).__name__}: {detail}".rstrip(": ")
    finally:
        plt.close("all")
    if not (Path(tmp) / figure).exists():
        return f"{rel}:1: wrote no file: expected {figure} (call figstyle.save)"
    return None


def _install(root: Path, tmp: Path, figure: str) -> bool:
    """Move a new figure into place if its bytes differ. Return True if it changed."""
    new, old = tmp / figure, root / figure
    if old.exists() and old.read_bytes() == new.read_bytes():
        return False
    old.parent.mkdir(parents=True, exist_ok=True)
    part = old.with_name(f".{old.name}.part")
    shutil.copyfile(new, part)
    os.replace(part, old)
    return True


def run(root: Path, force: bool = False, jobs: int | None = None, quiet: bool = False) -> int:
    """Regenerate stale figures. Return the number of failures (0 on success)."""
    scripts = discover(root)
    todo = scripts if force else stale(root, scripts)
    if not todo:
        if not quiet:
            print(f"figures: {len(scripts)} up to date")
        return 0
    t0 = time.perf_counter()
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    stamps = _load_stamps(root / "figs")
    failures = []
    with tempfile.TemporaryDirectory(prefix="figs-") as tmp:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [
                (s, pool.submit(_run_one, str(root), str(s.path), s.figure, tmp)) for s in todo
            ]
            for s, fut in futures:
                error = fut.result()
                if error:
                    failures.append(error)
                    continue
                changed = _install(root, Path(tmp), s.figure)
                stamps[s.path.name] = {
                    "inputs": s.digest(),
                    "figure": _file_hash(root / s.figure) or "",
                }
                if not quiet:
                    print(f"figures: {s.figure} {'written' if changed else 'unchanged'}")
    (root / "figs").mkdir(exist_ok=True)
    part = root / "figs" / (STAMPS + ".part")
    part.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n")
    os.replace(part, root / "figs" / STAMPS)
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
