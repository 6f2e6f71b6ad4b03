"""``make clean``: remove what the tools generated, and nothing a user wrote.

It removes ``_build/`` (every tool's output and state), ``site/auto_examples/``
(sphinx-gallery's pages), and in ``figs/`` exactly the figures the figure runner's
stamps say it generated, still as it wrote them, with the stamps, ``figs/.gitignore``
and the folders this leaves empty. Any other file in ``figs/`` is kept, and named:
hand-made images belong in the tracked ``images/`` folder. Standard library only, so
that it runs before the project is set up.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import shutil
import sys
from pathlib import Path

from lecturedeck.commands.figs import FIGS, IGNORE, PART, STAMPS, Stamps, read_stamps, valid_path

TREES = ["_build", "site/auto_examples", "site/notebook_pages"]  # generated wholesale


def _hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _figure_of(script: Path) -> str | None:
    """A script's FIGURE constant, for stamps written before they named their figure."""
    try:
        tree = ast.parse(script.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "FIGURE" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` really lies in ``folder``, symbolic links resolved."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _clean_figs(root: Path, stamps: Stamps) -> tuple[int, list[str]]:
    """Remove the generated figures; return how many, and one line per file kept."""
    figs = root / FIGS
    removed, kept = 0, {}
    for name, entry in sorted(stamps.items()):
        rel = entry.get("path") or _figure_of(root / "scripts" / name)
        path = root / str(rel)
        if (
            not valid_path(rel)
            or not path.is_file()
            or path.is_symlink()
            or not _inside(path, figs)
        ):
            continue
        if _hash(path) == entry["figure"]:
            path.unlink()
            removed += 1
        elif "path" in entry:
            kept[rel] = "changed since `make figs` wrote it"
    for name in (STAMPS, IGNORE):
        (figs / name).unlink(missing_ok=True)
    for folder, _, files in os.walk(figs, topdown=False):
        for file in files:
            if PART.match(file):  # left by a write that was killed
                (Path(folder) / file).unlink(missing_ok=True)
        try:
            Path(folder).rmdir()
        except OSError:
            pass  # not empty
    for folder, dirs, files in os.walk(figs):
        dirs.sort()
        for file in sorted(files):
            rel = (Path(folder) / file).relative_to(root).as_posix()
            kept.setdefault(rel, "not generated; hand-made images belong in images/")
    return removed, [f"kept {rel}: {why}" for rel, why in sorted(kept.items())]


def clean(root: Path) -> int:
    """Remove the generated files under ``root``; print what was removed and kept."""
    done = []
    for tree in TREES:
        path = root / tree
        try:
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.is_dir():
                shutil.rmtree(path)
            else:
                continue
        except OSError as exc:
            print(f"clean: cannot remove {tree}/: {exc.strerror or exc}", file=sys.stderr)
            return 1
        done.append(f"{tree}/")
    figs = root / FIGS
    kept: list[str] = []
    if figs.is_dir():
        stamps, invalid = read_stamps(figs)
        if invalid:
            print(
                f"clean: {FIGS}/{STAMPS} is not valid, so clean cannot tell generated figures "
                f"from yours; {FIGS}/ left as it is (`make figs` rewrites it)",
                file=sys.stderr,
            )
        else:
            removed, kept = _clean_figs(root, stamps)
            if removed:
                done.append(f"{removed} generated figure(s) in {FIGS}/")
    print(f"clean: removed {', '.join(done)}" if done else "clean: nothing to remove")
    for line in kept:
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.clean [--root DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    return clean(args.root.resolve())


if __name__ == "__main__":
    sys.exit(main())
