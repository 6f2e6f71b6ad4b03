"""The package's layering holds at run time, and `make lint`'s import contracts can fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lecturedeck.project import copy_project

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Loads every module of the extension, then builds a one-deck project with it, in a fresh
# interpreter; prints which lecturedeck modules were loaded.
LOAD_EXTENSION = """
import json, pkgutil, sys, importlib
from pathlib import Path
import lecturedeck.sphinxext as ext
for info in pkgutil.walk_packages(ext.__path__, "lecturedeck.sphinxext."):
    if not info.name.endswith("cellworker"):  # run as a process; imported by cells anyway
        importlib.import_module(info.name)
from sphinx.cmd.build import build_main
project = Path(sys.argv[1])
status = build_main(["-b", "revealjs", "-q", "-c", str(project), str(project / "slides"),
                     str(project / "_build")])
print(json.dumps({"status": status, "modules": sorted(m for m in sys.modules
                                                      if m.startswith("lecturedeck"))}))
"""

DECK = """\
A deck
======

Cells
-----

.. live-code::

   from lecture_code import relu
   print(relu(-1.0))

.. quiz:: What is relu(2.0)?
   :answer: relu(2.0)

   * 2.0
   * 0.0
"""


def test_sphinx_loads_the_extension_without_any_command(tmp_path):
    project = copy_project(ROOT, tmp_path / "project", ("conf.py", "package-lock.json"))
    (project / "slides").mkdir()
    (project / "slides" / "index.rst").write_text(DECK)
    result = subprocess.run(
        [sys.executable, "-c", LOAD_EXTENSION, str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["status"] == 0, result.stderr
    assert "lecturedeck.sphinxext.livecode" in loaded["modules"]  # the deck was really built
    assert "lecturedeck.sphinxext.quiz" in loaded["modules"]
    assert [m for m in loaded["modules"] if m.startswith("lecturedeck.commands")] == []


def test_lecture_code_loads_no_tool_and_no_numerics_library():
    script = (
        "import sys, lecture_code, json;"
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    top_level = set(json.loads(result.stdout))
    assert "lecture_code" in top_level
    assert not top_level & {"lecturedeck", "numpy", "matplotlib"}


@pytest.mark.parametrize(
    ("module", "line", "config", "broken"),
    [
        (
            "src/lecturedeck/sphinxext/writer.py",
            "from lecturedeck.commands import figs",
            ".importlinter",
            "The Sphinx extension never imports the commands BROKEN",
        ),
        (
            "src/lecture_code/gates.py",
            "import numpy",
            ".importlinter",
            "lecture_code is pure Python: nothing from lecturedeck, numpy or matplotlib BROKEN",
        ),
        (
            "scripts/plot_argmax.py",
            "from lecturedeck import project",
            "scripts/.importlinter",
            "Figure scripts import the lecture's code and figstyle, never the tools BROKEN",
        ),
    ],
)
def test_an_import_against_the_rules_fails_make_lint(tmp_path, module, line, config, broken):
    copy = copy_project(
        ROOT,
        tmp_path / "project",
        (".importlinter", "scripts", "src/lecture_code", "src/lecturedeck"),
        link_node_modules=False,
    )
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}

    def lint() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(LINT_IMPORTS), "--no-logo", "--no-cache", config],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
        )

    clean = lint()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    with (copy / module).open("a") as source:
        source.write(f"\n{line}\n")
    result = lint()
    assert result.returncode == 1, result.stdout
    assert broken in result.stdout
