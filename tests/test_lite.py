"""The site's JupyterLite folder: Pyodide's lock for the wheels it serves, and what it refuses.

The notebook running in it, in Chromium, is in test_site.py (it needs the built site).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from deckfixtures import ROOT

from lecturedeck.commands import lite

LOCK = {
    "info": {"python": "3.14.2"},
    "packages": {
        "ipython": {"name": "ipython", "version": "9.0", "depends": ["traitlets"],
                    "file_name": "ipython-9.0-py3-none-any.whl", "sha256": "0"},
        "traitlets": {"name": "traitlets", "version": "5.0", "depends": [],
                      "file_name": "traitlets-5.0-py3-none-any.whl", "sha256": "0"},
        "numpy": {"name": "numpy", "version": "2.0", "depends": [],
                  "file_name": "numpy-2.0-cp314-pyemscripten_wasm32.whl", "sha256": "0"},
    },
}  # fmt: skip


def wheel(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(name.encode())
    return path


def test_the_lock_names_the_served_wheels_and_nothing_else(tmp_path):
    wheels = [
        wheel(tmp_path, "ipython-9.1-py3-none-any.whl"),
        wheel(tmp_path, "traitlets-5.1-py3-none-any.whl"),
        wheel(tmp_path, "comm-0.2.3-py3-none-any.whl"),
    ]
    out = lite.kernel_lock(LOCK, wheels)
    assert out["info"] == LOCK["info"]
    assert sorted(out["packages"]) == ["comm", "ipython", "traitlets"]  # no numpy: not served
    for path in wheels:
        name = path.name.split("-")[0]
        entry = out["packages"][name]
        assert entry["file_name"] == path.name
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["version"] == path.name.split("-")[1]
    assert out["packages"]["ipython"]["depends"] == ["traitlets"]
    assert out["packages"]["comm"]["imports"] == ["comm"]  # not in Pyodide's lock: added
    assert LOCK["packages"]["ipython"]["version"] == "9.0"  # the input is left as it was


def test_a_wheel_whose_dependency_is_not_served_is_refused(tmp_path):
    with pytest.raises(lite.LiteError, match="^ipython needs traitlets, not in site/"):
        lite.kernel_lock(LOCK, [wheel(tmp_path, "ipython-9.1-py3-none-any.whl")])


def test_without_the_wheels_make_html_says_to_run_make_setup(tmp_path):
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    with pytest.raises(lite.LiteError, match="wheels are not in .*: run make setup$"):
        lite.prepare(tmp_path, wheels=tmp_path / "none")


def test_make_setup_downloads_the_wheels_at_pyodides_versions():
    """site/jupyterlite-wheels.txt pins what Pyodide's lock names (comm is not in it)."""
    pyodide = json.loads((ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    versions = {k.lower().replace("_", "-"): p["version"] for k, p in pyodide["packages"].items()}
    pins = [
        line.split(" ")[0].split("==")
        for line in (ROOT / "site" / "jupyterlite-wheels.txt").read_text().splitlines()
        if "==" in line
    ]
    assert {"ipython", "jedi", "micropip", "comm"} <= {name for name, _ in pins}
    assert [(n, v) for n, v in pins if n != "comm" and versions.get(n) != v] == []
    served = sorted(p.name for p in lite.wheels_dir().glob("*.whl"))
    assert len(served) == len(pins)
