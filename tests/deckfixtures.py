"""Fixtures for build and browser tests: project copies, built decks, a served deck."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import warmrun

from lecturedeck.commands import browser, figs
from lecturedeck.commands.slides import build
from lecturedeck.project import PACKAGE, copy_project

ROOT = Path(__file__).resolve().parent.parent
# The instructor's draft of Module 4.4, byte for byte as it was handed over.
SEED = ROOT / "tests" / "data" / "module-4.4.seed.rst"


def shared(tmp_path_factory: pytest.TempPathFactory, name: str, make) -> Path:
    """``make(folder)``'s result, made once per test run however many xdist workers ask.

    Serially, ``make`` runs in a fresh temporary folder. Under xdist, the first worker to ask
    makes it in the run's own temporary folder (the parent of every worker's), holding a lock;
    the others wait for it and reuse it, and fail with its error if it failed. What it makes is
    read, never written, by the tests that share it.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return make(tmp_path_factory.mktemp(name))
    run = tmp_path_factory.getbasetemp().parent
    made, failed = run / f"{name}.made", run / f"{name}.failed"
    with open(run / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if made.exists():
            return Path(made.read_text())
        if failed.exists():
            pytest.fail(f"{name}, shared by the workers, failed: {failed.read_text()}")
        folder = run / name
        folder.mkdir(exist_ok=True)
        try:
            result = make(folder)
        except BaseException as exc:
            failed.write_text(f"{type(exc).__name__}: {exc}")
            raise
        made.write_text(str(result))
        return result


@pytest.fixture(scope="session")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this project's sources, for the session: tests never write into the checkout."""
    return shared(tmp_path_factory, "course", lambda tmp: copy_project(ROOT, tmp / "project"))


def _make_figs(course: Path) -> Path:
    assert figs.run(course, quiet=True) == 0, "a figure script failed; run `make figs`"
    return course / "figs"


@pytest.fixture(scope="session")
def figs_ready(tmp_path_factory: pytest.TempPathFactory, course: Path) -> Path:
    """The course copy's figures, made as `make figs` makes them."""
    return shared(tmp_path_factory, "figs", lambda _tmp: _make_figs(course))


def _build_decks(course: Path) -> Path:
    assert build(course, course / "slides", course / "_build" / "slides") == 0
    return course / "_build" / "slides"


@pytest.fixture(scope="session")
def built_decks(tmp_path_factory: pytest.TempPathFactory, figs_ready: Path) -> Path:
    """The real decks, built from the course copy as `make slides` builds them."""
    return shared(tmp_path_factory, "decks", lambda _tmp: _build_decks(figs_ready.parent))


def make_project(dst: Path, figs_from: Path) -> Path:
    """Lay out a throwaway project at ``dst``: the real figures, and no deck but the index.

    ``lecture_code`` is the installed one (see :func:`own_lecture_code`).
    """
    copy_project(ROOT, dst, ("conf.py", "package-lock.json", "scripts", "slides/index.rst"))
    shutil.copytree(figs_from, dst / "figs")
    (dst / "src").mkdir()
    return dst


@pytest.fixture()
def project(tmp_path: Path, figs_ready: Path) -> Path:
    """A throwaway copy of the project with an empty slides/ folder and the real figures."""
    return make_project(tmp_path / "project", figs_ready)


FIXTURES = ROOT / "tests" / "roots" / "check-faults"
# A real formula that does not parse, or a missing image, fails the build, so these faults are
# planted in the built page.
MATH_MARKER = "MATH-ERROR-HERE"
BROKEN_IMAGE = ('data-src="_images/argmax.png"', 'data-src="_images/no-such-figure.png"')
KATEX_ERROR = (
    '<span class="katex-error" title="ParseError: KaTeX parse error: '
    'Undefined control sequence: \\frax" style="color:#cc0000">\\frax{1}{2}</span>'
)


@pytest.fixture(scope="session")
def fault_decks(tmp_path_factory: pytest.TempPathFactory, figs_ready: Path) -> Path:
    """tests/roots/check-faults/*.rst built once per test run, faults planted; the output folder.

    What ``make check``, ``make pdf`` and ``make contact`` are tested on.
    """
    return shared(tmp_path_factory, "check-faults", lambda tmp: _plant_faults(tmp, figs_ready))


def _plant_faults(tmp: Path, figs_ready: Path) -> Path:
    project = make_project(tmp / "project", figs_ready)
    for rst in FIXTURES.glob("*.rst"):
        shutil.copy2(rst, project / "slides" / rst.name)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    out = project / "_build" / "slides"
    faults = out / "faults.html"
    page = faults.read_text()
    assert page.count(MATH_MARKER) == 1 and page.count(BROKEN_IMAGE[0]) == 1
    faults.write_text(page.replace(MATH_MARKER, KATEX_ERROR).replace(*BROKEN_IMAGE))
    return out


def build_cmd(project: Path, *extra: str) -> list[str]:
    """``make slides``' build step on a project copy (the figures are already there)."""
    module = "lecturedeck.commands.slides"
    return [sys.executable, "-m", module, "--root", str(project), "--no-figures", *extra]


def run_build(
    project: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``make slides``' build step on a project copy, as a user would (forked warm)."""
    _python, _m, module, *args = build_cmd(project, *extra)
    return warmrun.run_module(module, *args, env=env, timeout=300)


def own_lecture_code(project: Path) -> dict[str, str]:
    """Give a project copy its own lecture_code; return the environment that imports it."""
    copy_project(ROOT, project, (f"src/{PACKAGE}",))
    # First on the path, before whatever the test run was given (the tool's own source).
    path = os.pathsep.join(p for p in (str(project / "src"), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: its modification time and bytes."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def changed_files(before: dict, after: dict) -> set[str]:
    """Files added, removed, rewritten or touched between two snapshots."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium through Playwright. Fails, never skips, when it is missing."""
    try:
        browser.chromium_path()
    except browser.BrowserMissing as exc:
        pytest.fail(str(exc))
    with browser.chromium() as b:
        yield b


@pytest.fixture(scope="session")
def deck_server(built_decks: Path):
    """Base URL of the built decks, served on loopback."""
    with browser.serve(built_decks) as url:
        yield url


class PageWatch:
    """Console errors, failed responses and requests that leave the local server."""

    def __init__(self, page, base_url: str) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(base_url) or r.url.startswith(("data:", "blob:"))
                else self.external.append(r.url)
            ),
        )
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))


@pytest.fixture()
def deck_page(chromium, deck_server):
    """A fresh 1280x720 page and a watch on what it loads; opens decks by file name."""
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    watch = PageWatch(page, deck_server)

    def open_deck(name: str):
        page.goto(f"{deck_server}/{name}")
        browser.wait_for_deck(page)
        return page

    yield open_deck, page, watch
    context.close()


def go_to_cell(page, text: str):
    """Show the slide of the first cell whose code contains ``text``; return the cell."""
    index = page.evaluate(
        """text => {
            const cells = [...document.querySelectorAll('.live-cell')];
            const cell = cells.find(c => c.querySelector('textarea').value.includes(text));
            const i = Reveal.getIndices(cell.closest('section'));
            Reveal.slide(i.h, i.v);
            return cells.indexOf(cell);
        }""",
        text,
    )
    return page.locator(".live-cell").nth(index)


def default_signals() -> None:
    """``preexec_fn`` for a process a test will signal: the default dispositions, as from a
    terminal, whatever the test run inherited (a background job ignores SIGINT, nohup SIGHUP)."""
    import signal

    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
