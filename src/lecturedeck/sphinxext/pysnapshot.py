"""The Pyodide memory snapshot that makes a live cell's first Run quick.

Starting Pyodide in the browser spends seconds running Python's own start-up in WebAssembly.
``make setup`` runs ``python -m lecturedeck.sphinxext.pysnapshot node_modules`` once per
Pyodide install: Node.js starts the locked Pyodide, imports :data:`WARM` (what ``cellrun.py``
imports, and the standard library modules lecture code usually imports), and saves its memory
(``pyodide_snapshot.mjs``). The file lives in ``node_modules/.cache/lecturedeck/``, named by a
key of the Pyodide version, :data:`WARM` and the script, so a stale one is never used.

The build copies it into ``_static/pyodide/snapshot.gz`` and names it in ``py/manifest.json``;
``pyworker.js`` starts Pyodide from it, or the usual way when there is none or it does not
load (Pyodide checks that the snapshot is of its own build). The build never writes into
``node_modules``: without a snapshot the decks work as before, and the build says so once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("pyodide_snapshot.mjs")
CACHE = Path(".cache") / "lecturedeck"  # under node_modules
# Imported before the snapshot is taken: cellrun.py's own imports, then the standard library
# that lecture code commonly uses. An import a cell makes of these costs nothing at its Run.
WARM = (
    "ast",
    "contextlib",
    "io",
    "traceback",
    "collections",
    "collections.abc",
    "contextvars",
    "dataclasses",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "inspect",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "typing",
)


def snapshot_key(modules: Path) -> str | None:
    """The key of the snapshot for the Pyodide in ``modules``; None when Pyodide is missing."""
    try:
        version = json.loads((modules / "pyodide" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    digest = hashlib.sha256(f"{version}\n{','.join(WARM)}\n".encode() + SCRIPT.read_bytes())
    return f"{version}-{digest.hexdigest()[:12]}"


def snapshot_path(modules: Path) -> Path | None:
    """Where the current snapshot is (or would be); None when Pyodide is missing."""
    key = snapshot_key(modules)
    return None if key is None else modules / CACHE / f"pyodide-{key}.gz"


def make(modules: Path) -> int:
    """Make the snapshot unless it exists; 0 also when it cannot be made (said in one line)."""
    target = snapshot_path(modules)
    if target is None:
        print(f"setup: note: no Pyodide in {modules}/; no snapshot made", file=sys.stderr)
        return 0
    if target.is_file():
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["node", str(SCRIPT), str(modules / "pyodide"), str(target), ",".join(WARM)]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        failed = result.returncode != 0 and (result.stderr.strip().splitlines() or ["failed"])[-1]
    except (OSError, subprocess.TimeoutExpired) as exc:
        failed = str(exc)
    if failed:
        print(
            f"setup: note: the Pyodide snapshot could not be made ({failed}); live cells "
            "start Pyodide without it, a few seconds slower",
            file=sys.stderr,
        )
        return 0
    for old in target.parent.glob("pyodide-*.gz"):
        if old != target:
            old.unlink(missing_ok=True)
    print(f"setup: made the Pyodide snapshot {target}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.sphinxext.pysnapshot [node_modules]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", type=Path, nargs="?", default=Path("node_modules"))
    return make(parser.parse_args(argv).modules)


if __name__ == "__main__":
    sys.exit(main())
