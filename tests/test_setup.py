"""Set-up: the Python environment is exactly the lock, and an old Node.js stops set-up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from lecturedeck.project import copy_project

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_environment_holds_exactly_the_locked_versions():
    locked = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if match:
            locked[canonical(match[1])] = match[2]
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=json", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    )
    installed = {canonical(p["name"]): p["version"] for p in json.loads(listed.stdout)}
    for bootstrap in (
        "pip",
        "setuptools",
        "wheel",
    ):  # the venv's own, left out as `pip freeze` does
        installed.pop(bootstrap, None)
    assert "sphinx" in locked and "import-linter" in locked and "docutils" in locked
    assert installed == locked


def fake_tools(folder: Path, version: str) -> dict[str, str]:
    """A `node` that reports ``version`` and an `npm` that records its call, first on PATH."""
    folder.mkdir()
    (folder / "node").write_text(f"#!/bin/sh\necho v{version}\n")
    (folder / "npm").write_text('#!/bin/sh\nmkdir -p node_modules && echo "$@" > npm-called\n')
    for tool in ("node", "npm"):
        (folder / tool).chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}


def setup_node(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "node_modules/.package-lock.json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_set_up_stops_with_a_clear_line_when_node_is_older_than_declared(tmp_path):
    project = copy_project(
        ROOT,
        tmp_path / "project",
        ("Makefile", "package.json", "package-lock.json"),
        link_node_modules=False,
    )
    floor = json.loads((project / "package.json").read_text())["engines"]["node"]
    major = int(re.match(r">=(\d+)", floor)[1])
    result = setup_node(project, fake_tools(tmp_path / "old", f"{major - 2}.9.0"))
    assert result.returncode != 0
    assert f"setup: node v{major - 2}.9.0 is older than {major}.0.0" in result.stderr
    assert "install a newer Node.js" in result.stderr
    assert not (project / "npm-called").exists()


def test_set_up_accepts_the_declared_floor(tmp_path):
    project = copy_project(
        ROOT,
        tmp_path / "project",
        ("Makefile", "package.json", "package-lock.json"),
        link_node_modules=False,
    )
    floor = json.loads((project / "package.json").read_text())["engines"]["node"]
    version = floor.removeprefix(">=")
    result = setup_node(project, fake_tools(tmp_path / "new", version))
    assert result.returncode == 0, result.stderr
    assert (project / "npm-called").read_text().split() == ["ci", "--no-audit", "--no-fund"]
