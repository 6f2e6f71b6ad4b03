"""Small figure projects for the runner's safety tests: quick scripts that do one odd thing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from deckfixtures import ROOT

from lecturedeck.project import copy_project

SCRIPT = '''"""{title}
{underline}
"""

import figstyle

FIGURE = "{figure}"
{constants}

def main():
{body}
    fig, ax = figstyle.figure(200, 120)
    ax.plot([0, 1], [0, 1])
    figstyle.save(fig, FIGURE)


main()
'''


def write_script(
    root: Path, name: str, body: str = "", figure: str | None = None, constants: str = ""
) -> int:
    """Write ``scripts/plot_<name>.py`` whose main() first runs ``body``; return body's line.

    ``body`` is one or more lines of Python, indented by the caller's four spaces here.
    """
    figure = figure or f"figs/Tiny/{name}.png"
    lines = [f"    {line}" for line in body.splitlines()] or ["    pass"]
    text = SCRIPT.format(
        title=name,
        underline="=" * len(name),
        figure=figure,
        constants=constants,
        body="\n".join(lines),
    )
    path = root / "scripts" / f"plot_{name}.py"
    path.write_text(text)
    return text.splitlines().index(lines[0]) + 1


def tiny_project(root: Path, names: tuple[str, ...] = ("one", "two")) -> Path:
    """A project with the real figure style and a few quick, well-behaved scripts."""
    copy_project(ROOT, root, ("scripts/figstyle.py",), link_node_modules=False)
    for name in names:
        write_script(root, name)
    return root


def run_figs(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``make figs`` on a project, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "lecturedeck.commands.figs", "--root", str(root), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def gone(pid: int, within: float = 30.0) -> bool:
    """Wait until process ``pid`` has ended; False if it still runs after ``within`` seconds."""
    end = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def wait_for_file(path: Path, process: subprocess.Popen, within: float = 120.0) -> str:
    """Wait until ``path`` has content (written by a script); fail if the runner ends first."""
    end = time.monotonic() + within
    while not (path.exists() and path.read_text().strip()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)
    return path.read_text().strip()


def no_traceback(stderr: str) -> None:
    """Every problem is one line; none is a Python traceback."""
    assert "Traceback" not in stderr, stderr
