"""The figure runner and the figure scripts: real runs in throwaway copies of the project."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deckfixtures import ROOT, snapshot
from figfixtures import run_figs
from PIL import Image

from lecturedeck import project
from lecturedeck.commands import figs

PACKAGE = project.PACKAGE


def copy_project(dst: Path, figs_from: Path | None = None) -> Path:
    """What the runner reads: scripts/, src/lecture_code and, if given, a figs/ folder."""
    project.copy_project(ROOT, dst, ("scripts", f"src/{PACKAGE}"), link_node_modules=False)
    if figs_from is not None:
        shutil.copytree(figs_from, dst / "figs")
    return dst


@pytest.fixture(scope="module")
def clean_runs(tmp_path_factory, figs_ready) -> tuple[Path, Path]:
    """Two projects whose figures were made from scratch: one here, by `make figs` on one
    worker; and the session's course copy, whose figures were made on every core (read only)."""
    root = copy_project(tmp_path_factory.mktemp("figs") / "project")
    result = run_figs(root, "--jobs", "1")
    assert result.returncode == 0, result.stderr
    return root, figs_ready.parent


def test_every_script_writes_its_figure(clean_runs):
    root, _ = clean_runs
    scripts = figs.discover(root)
    assert len(scripts) == len(list((root / "scripts").glob("plot_*.py")))
    for script in scripts:
        assert (root / script.figure).is_file(), script.path.name
    assert figs.stale(root, scripts) == []
    # The seed's paths stay valid.
    for path in ("figs/Graphs/incorrect.png", "figs/Graphs/sigmoid.png", "figs/Conv/argmax.png"):
        assert path in {s.figure for s in scripts}


def test_second_run_rewrites_nothing(clean_runs):
    root, _ = clean_runs
    before = snapshot(root / "figs")
    result = run_figs(root)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert snapshot(root / "figs") == before
    # Even a forced rerun leaves every figure alone: the new bytes equal the old ones.
    result = run_figs(root, "--force")
    assert result.returncode == 0, result.stderr
    assert "written" not in result.stdout and "unchanged" in result.stdout
    after = snapshot(root / "figs")
    assert {k: v for k, v in after.items() if k.endswith(".png")} == {
        k: v for k, v in before.items() if k.endswith(".png")
    }


def test_clean_runs_are_byte_identical(clean_runs):
    one, two = clean_runs
    pngs = sorted(p.relative_to(one) for p in (one / "figs").rglob("*.png"))
    assert pngs == sorted(p.relative_to(two) for p in (two / "figs").rglob("*.png"))
    for rel in pngs:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel


def test_no_op_run_does_not_import_matplotlib(clean_runs):
    root, _ = clean_runs
    code = (
        "import sys\n"
        "from lecturedeck.commands import figs\n"
        f"assert figs.main(['--root', {str(root)!r}]) == 0\n"
        "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# -- Staleness ------------------------------------------------------------------------------------
def runtime_dependencies(script: Path) -> set[str]:
    """The lecture_code modules a script's imports reach, found by importing them.

    This is an oracle independent of the runner's source reading: names are resolved
    by ``getattr`` on the imported modules, and a module's own dependencies are the
    lecture_code modules its namespace holds objects from.
    """
    tree = ast.parse(script.read_text())
    todo: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            module = importlib.import_module(node.module)
            if not hasattr(module, "__path__"):
                todo.append(module.__name__)
            for alias in node.names:
                obj = getattr(module, alias.name)
                origin = getattr(obj, "__module__", None) or module.__name__  # constants: here
                todo.append(obj.__name__ if inspect.ismodule(obj) else origin)
        elif isinstance(node, ast.Import):
            todo += [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for value in vars(importlib.import_module(name)).values():
            origin = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
            if isinstance(origin, str) and origin.split(".")[0] == PACKAGE:
                todo.append(origin)
    files = {f"{n.split('.')[-1]}.py" if n != PACKAGE else "__init__.py" for n in seen}
    # Importing any part of the package runs its __init__ first.
    return files | ({"__init__.py"} if seen else set())


def test_touching_a_module_reruns_exactly_the_scripts_that_import_it(clean_runs, tmp_path):
    root = copy_project(tmp_path / "project", figs_from=clean_runs[0] / "figs")
    scripts = figs.discover(root)
    assert figs.stale(root, scripts) == []
    deps = {s.path.name: runtime_dependencies(s.path) for s in scripts}
    proper_subsets = 0
    for module in sorted((root / "src" / PACKAGE).glob("*.py")):
        original = module.read_bytes()
        # A new mtime alone is no change: staleness is decided by content.
        os.utime(module, ns=(1, 1))
        assert figs.stale(root, figs.discover(root)) == [], module.name
        module.write_bytes(original + b"\n# touched\n")
        try:
            rerun = {s.path.name for s in figs.stale(root, figs.discover(root))}
        finally:
            module.write_bytes(original)
        expected = {name for name, files in deps.items() if module.name in files}
        assert rerun == expected, module.name
        proper_subsets += 0 < len(expected) < len(scripts)
    assert proper_subsets >= 2, "no module is used by only some scripts: the test proves nothing"
    # The shared style is an input of every script.
    style = root / "scripts" / "figstyle.py"
    style.write_text(style.read_text() + "\n# touched\n")
    assert len(figs.stale(root, figs.discover(root))) == len(scripts)


def test_an_edited_or_missing_figure_is_stale(clean_runs, tmp_path):
    root = copy_project(tmp_path / "project", figs_from=clean_runs[0] / "figs")
    first, second = figs.discover(root)[:2]
    (root / first.figure).write_bytes(b"edited by hand")
    (root / second.figure).unlink()
    assert {s.path.name for s in figs.stale(root, figs.discover(root))} == {
        first.path.name,
        second.path.name,
    }


# -- Failures -------------------------------------------------------------------------------------
def break_script(path: Path, statement: str) -> int:
    """Put ``statement`` as the first line of ``main()``; return its line number."""
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("def main(")) + 1
    lines.insert(at, f"    {statement}\n")
    path.write_text("".join(lines))
    return at + 1


@pytest.mark.parametrize(
    "statement, message",
    [
        ("raise RuntimeError('deliberately broken')", "RuntimeError: deliberately broken"),
        ("softmax([])", "ValueError: softmax: xs must not be empty"),
    ],
    ids=["raises", "lecture-code-raises"],
)
def test_a_failing_script_keeps_the_old_figure(clean_runs, tmp_path, statement, message):
    root = copy_project(tmp_path / "project", figs_from=clean_runs[0] / "figs")
    script = next(s for s in figs.discover(root) if s.path.name == "plot_temperature.py")
    figure = root / script.figure
    before = (figure.stat().st_mtime_ns, figure.read_bytes())
    line = break_script(script.path, statement)
    result = run_figs(root)
    assert result.returncode != 0
    assert f"scripts/plot_temperature.py:{line}" in result.stderr, result.stderr
    assert message in result.stderr
    assert (figure.stat().st_mtime_ns, figure.read_bytes()) == before
    # It stays stale until it is fixed.
    assert [s.path.name for s in figs.stale(root, figs.discover(root))] == ["plot_temperature.py"]


def test_a_script_that_writes_no_file_fails(tmp_path):
    root = copy_project(tmp_path / "project")
    for script in (root / "scripts").glob("plot_*.py"):
        script.unlink()
    (root / "scripts" / "plot_nothing.py").write_text(
        '"""Nothing\n=======\n"""\n\nFIGURE = "figs/Nothing/nothing.png"\n\n\n'
        "def main():\n    pass\n\n\nmain()\n"
    )
    result = run_figs(root)
    assert result.returncode != 0
    assert "scripts/plot_nothing.py" in result.stderr and "wrote no file" in result.stderr
    assert not (root / "figs" / "Nothing").exists()
    stamps = json.loads((root / "figs" / ".stamps.json").read_text())
    assert "plot_nothing.py" not in stamps


def test_a_syntax_error_names_file_and_line(tmp_path):
    root = copy_project(tmp_path / "project")
    script = root / "scripts" / "plot_sigmoid.py"
    line = break_script(script, "x = (")
    result = run_figs(root)
    assert result.returncode != 0
    assert f"scripts/plot_sigmoid.py:{line}: SyntaxError" in result.stderr, result.stderr


# -- Projector-ready ------------------------------------------------------------------------------
INSPECT = """
import json, os, runpy, sys
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import to_hex
from matplotlib.text import Text

scripts = Path(sys.argv[1])
sys.path.insert(0, str(scripts))
import figstyle
report = {}
for script in sorted(scripts.glob("plot_*.py")):
    plt.close("all")
    runpy.run_path(str(script), run_name="__main__")
    fig = plt.gcf()
    fig.canvas.draw()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    sizes = [t.get_fontsize() for t in texts]
    colours = set()
    for ax in fig.axes:
        colours |= {to_hex(line.get_color()) for line in ax.lines}
        colours |= {to_hex(p.get_facecolor()) for p in ax.patches if p.get_fill()}
        colours |= {to_hex(p.get_edgecolor()) for p in ax.patches if not p.get_fill()}
    report[script.name] = {
        "min_text": min(sizes),
        "dpi": plt.rcParams["savefig.dpi"],
        "colours": sorted(colours),
        "palette": [to_hex(c) for c in figstyle.PALETTE],
    }
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def inspected(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("inspect")
    result = subprocess.run(
        [sys.executable, "-c", INSPECT, str(ROOT / "scripts")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, project.FIG_OUT_ENV: str(out)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_figures_are_projector_ready(clean_runs, inspected):
    root, _ = clean_runs
    for script in figs.discover(root):
        facts = inspected[script.path.name]
        assert facts["min_text"] >= 14, (script.path.name, facts["min_text"])
        assert facts["dpi"] >= 150
        assert set(facts["colours"]) <= set(facts["palette"]), (script.path.name, facts)
        with Image.open(root / script.figure) as image:
            width, height = image.size
            dpi = image.info["dpi"][0]
            assert image.text == {}, "no metadata (timestamps, software) in the PNG"
        # Saved at twice the slide size: shown at its slide size, that is 192 dpi.
        assert round(dpi) == 192
        assert 480 <= width / 2 <= 900 and 300 <= height / 2 <= 460, (script.figure, width, height)
