"""The decks' notebooks, run in the browser from the companion site: JupyterLite and Pyodide.

``make html`` (:mod:`lecturedeck.commands.html`) calls :func:`prepare` before Sphinx runs.
conf.py's site section loads jupyterlite-sphinx, which runs ``jupyter lite build`` once the
pages are written: from the folder prepared here (``_build/.lite``) into ``_build/html/lite``,
with the notebooks of ``_build/notebooks`` as its files. The kernel is the Pyodide kernel
(jupyterlite-pyodide-kernel), and everything it loads is served from the build folder:

``static/pyodide/``
    Pyodide's runtime from ``node_modules/pyodide`` (the npm package the decks' live cells
    use). The kernel's Pyodide addon copies this folder into the site and points the kernel
    at it (``pyodideUrl``). Beside it go the wheels the kernel installs at start (IPython,
    jedi, comm, micropip and what they need; ``site/jupyterlite-wheels.txt``, downloaded by
    ``make setup``): the npm package is Pyodide's core alone, without its packages.
``static/pyodide/pyodide-lock.json``
    Pyodide's own lock, naming those wheels (file, version, sha256; Pyodide checks each
    wheel it loads against it) and nothing the folder does not hold. The kernel's own
    ``PyodideLockAddon`` would write it with pyodide-lock and uv, which need Python 3.12.
``jupyter-lite.json``
    The kernel never falls back to PyPI, and the app is reachable from scripts
    (``window.jupyterapp``), which the tests use to run every cell.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from pathlib import Path

from lecturedeck.project import LITE_SRC, LITE_WHEELS, copy_if_changed, write_atomic

PYODIDE = "pyodide"  # the npm package, in node_modules
# What the runtime loads: the ES module the kernel imports, the WebAssembly, the standard library.
RUNTIME = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
LOCK = "pyodide-lock.json"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
SETTINGS = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "exposeAppInBrowser": True,
        "litePluginSettings": {KERNEL_PLUGIN: {"disablePyPIFallback": True}},
    },
}


class LiteError(Exception):
    """Something JupyterLite needs is missing; the message says what to run."""


def wheels_dir() -> Path:
    """Where ``make setup`` put the kernel's wheels: in this Python's venv."""
    return Path(sys.prefix) / LITE_WHEELS


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kernel_lock(lock: dict, wheels: list[Path]) -> dict:
    """Pyodide's ``lock`` for a folder holding ``wheels`` and no other package.

    Each wheel replaces the lock's entry of its name (or is added, with no dependencies);
    entries with no wheel are left out. Raises :class:`LiteError` when a wheel needs a
    package that is not there.
    """
    from packaging.utils import canonicalize_name, parse_wheel_filename

    out = copy.deepcopy(lock)
    old = {canonicalize_name(key): entry for key, entry in lock["packages"].items()}
    packages = {}
    for wheel in sorted(wheels):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        entry = copy.deepcopy(old.get(name)) or {
            "name": str(name),
            "depends": [],
            "imports": [str(name).replace("-", "_")],
            "install_dir": "site",
            "package_type": "package",
            "unvendored_tests": False,
        }
        entry.update(file_name=wheel.name, version=str(version), sha256=_sha256(wheel))
        packages[str(name)] = entry
    for key, entry in packages.items():
        missing = [d for d in entry["depends"] if canonicalize_name(d) not in packages]
        if missing:
            raise LiteError(f"{key} needs {', '.join(missing)}, not in site/jupyterlite-wheels.txt")
    out["packages"] = packages
    return out


def prepare(root: Path, wheels: Path | None = None) -> Path:
    """Lay out JupyterLite's folder for the project at ``root``; return it.

    Files that did not change are left alone. Raises :class:`LiteError`.
    """
    wheels = wheels or wheels_dir()
    source = root / "node_modules" / PYODIDE
    found = sorted(wheels.glob("*.whl")) if wheels.is_dir() else []
    if not (source / LOCK).is_file():
        raise LiteError(f"{source} has no {LOCK}: run make setup (npm ci)")
    if not found:
        raise LiteError(f"the Pyodide kernel's wheels are not in {wheels}: run make setup")
    lite = root / LITE_SRC
    target = lite / "static" / PYODIDE
    keep = {*RUNTIME, LOCK, *(w.name for w in found)}
    if target.is_dir():
        for stale in target.iterdir():
            if stale.name not in keep:
                stale.unlink()
    for name in RUNTIME:
        copy_if_changed(source / name, target / name)
    for wheel in found:
        copy_if_changed(wheel, target / wheel.name)
    lock = kernel_lock(json.loads((source / LOCK).read_text()), found)
    for path, data in ((target / LOCK, lock), (lite / "jupyter-lite.json", SETTINGS)):
        text = json.dumps(data, indent=1, sort_keys=True) + "\n"
        if not path.is_file() or path.read_text() != text:
            write_atomic(path, text)
    return lite
