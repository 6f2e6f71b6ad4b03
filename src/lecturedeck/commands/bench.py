"""``make bench``: our edit loop measured against plain sphinx-revealjs, in one run.

Both builds run on the same machine, on the same RST, in throwaway copies under
``_build/bench/``:

* ours: ``python -m lecturedeck.commands.slides`` (what ``make slides`` runs), figures included;
* baseline: ``python -m sphinx build -b revealjs`` with only ``sphinx_revealjs``
  configured (so our directives are unknown to it; it reports them and builds on).

Steps: cold build, no-op rebuild, a one-slide text edit, a one-module edit of
``lecture_code`` (for the baseline, a .py edit changes nothing it reads, so this
is its no-op), then the same on a course of 30 copies of the deck (ours with
parallel workers), then the deck's first paint in Chromium and the bytes the
first slide transfers, then ``make check``'s seconds per slide on the deck and on a
281-slide deck (``check_per_slide``, ``check_per_slide_long``). ``worker_start`` is a deck's
clean worker forked from the warm server, against a new interpreter importing the same
(how workers started before). ``deck_cells`` is the price of isolation: the deck's live
cells run in a fresh worker process (as the build runs them), against the same
cells run inside the build's own process (its baseline). ``preview_save_to_visible`` is
``make preview``'s save to the edit shown on the slide open in Chromium; its one-slide and
``lecture_code`` rebuilds compare with plain sphinx-build's one-slide incremental rebuild
(a new process per save, as sphinx-autobuild runs it). Every figure is the
median of several runs; the table gives the ratio ours / baseline, and
``_build/bench.json`` keeps every sample.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lecturedeck.project import PACKAGE, VIEWPORT, copy_project

COURSE_SIZE = 30
DECK = "module4_4"
BASELINE_CONF = """\
# Plain sphinx-revealjs: the baseline the benchmark compares against.
project = "baseline"
extensions = ["sphinx_revealjs"]
revealjs_style_theme = "white"
"""
GO_TO_ELEMENT = "e => { const s = Reveal.getIndices(e.closest('section')); Reveal.slide(s.h, s.v) }"
TARGETS = {  # seconds (bytes for first_slide_bytes), from the issues that asked for them
    "noop": 0.5,
    "slide_edit": 1.5,
    "course_cold": 20.0,
    "course_noop": 0.5,
    "course_slide_edit": 1.5,
    "first_paint": 0.4,
    "first_slide_bytes": 1_000_000,
    "figs_noop": 0.5,
    "live_cold_run": 3.0,
    "live_cold_run_max": 3.0,
    "live_warm_run": 0.2,
    "explorable_redraw": 0.030,
    "explorable_redraw_p95": 0.050,
    "explorable_grid": 0.3,
    "worker_start": 0.01,
    "check_per_slide": 0.1,
    "check_per_slide_long": 0.1,
    "preview_save_to_visible": 0.5,  # and ours/base <= 0.5 (slide), <= 1.5 (module rebuild)
}
LONG_REPEATS = 8  # the 4.4 deck's slides 8 times over: a 281-slide deck
# One control change, timed in the page: from the input event to the next animation frame.
# The baseline is the same change of a slider that draws nothing: the frame's own floor.
REDRAW_JS = """async ({moves, plain}) => {
  const frame = () => new Promise(done => requestAnimationFrame(() => done()));
  let input = document.querySelector('.present .explorable input[type=range]');
  if (plain) {
    input = document.createElement('input');
    input.type = 'range'; input.max = '49';
    document.querySelector('.present').appendChild(input);
  }
  const samples = [];
  for (let k = 0; k < moves; k++) {
    await frame();
    const t0 = performance.now();
    input.value = String((k * 7) % (Number(input.max) + 1));
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await frame();
    samples.push(performance.now() - t0);
  }
  return samples;
}"""


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Run ``cmd`` and return its wall time; fail loudly if it fails."""
    t0 = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{result.stdout}\n{result.stderr}")
    return took


class Project:
    """A throwaway copy of the project (``ours``) or a plain sphinx-revealjs folder."""

    def __init__(self, root: Path, where: Path, ours: bool, decks: int, jobs: int) -> None:
        self.root, self.where, self.ours, self.decks, self.jobs = root, where, ours, decks, jobs

    def make(self) -> None:
        """Lay out a fresh copy: sources only, nothing built."""
        shutil.rmtree(self.where, ignore_errors=True)
        slides = self.where / "slides"
        slides.mkdir(parents=True)
        deck = (self.root / "slides" / f"{DECK}.rst").read_text()
        names = [DECK] if self.decks == 1 else [f"{DECK}_{i:02d}" for i in range(self.decks)]
        for name in names:
            (slides / f"{name}.rst").write_text(deck)
        shutil.copy2(self.root / "slides" / "index.rst", slides / "index.rst")
        if self.ours:
            parts = ("conf.py", "package-lock.json", "scripts", "images", f"src/{PACKAGE}")
            copy_project(self.root, self.where, parts)
        else:
            (self.where / "conf.py").write_text(BASELINE_CONF)
            # Same figures as ours, made by our build, so the baseline copies the same images.
            shutil.copytree(self.root / "figs", slides / "figs")

    def env(self) -> dict[str, str]:
        """Our build imports this copy's lecture_code, so a module edit is seen."""
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.where / "src")
        env["JOBS"] = str(self.jobs)
        return env

    def build(self) -> float:
        """One build as a user runs it; returns wall seconds."""
        if self.ours:
            cmd = [sys.executable, "-m", "lecturedeck.commands.slides", "--root", str(self.where)]
            cmd += ["--jobs", str(self.jobs)]
        else:
            cmd = [sys.executable, "-m", "sphinx", "build", "-b", "revealjs", "-c", ".", "-q"]
            if self.jobs > 1:
                cmd += ["-j", str(self.jobs)]
            cmd += ["slides", "_build/slides"]
        return _run(cmd, self.where, self.env())

    def clean(self) -> None:
        """Remove every build output (and our generated figures)."""
        shutil.rmtree(self.where / "_build", ignore_errors=True)
        if self.ours:
            shutil.rmtree(self.where / "figs", ignore_errors=True)

    def edit_slide(self, n: int) -> None:
        """Change one sentence of one slide of the first deck."""
        deck = sorted((self.where / "slides").glob(f"{DECK}*.rst"))[0]
        original = (self.root / "slides" / f"{DECK}.rst").read_text()
        marker = "Simplest `max` function."
        assert marker in original, f"bench: the deck no longer says {marker!r}; pick another"
        deck.write_text(original.replace(marker, f"Simplest `max` function (edit {n}).", 1))

    def edit_module(self, n: int) -> None:
        """Change one lecture_code module (a comment) as an instructor's fix would."""
        if not self.ours:
            (self.where / "helper.py").write_text(f"# edit {n}\n")  # nothing reads it
            return
        module = self.where / "src" / "lecture_code" / "gates.py"
        module.write_text(module.read_text() + f"\n# edit {n}\n")


def samples_of(runs: int, prepare: Callable[[int], None], step: Callable[[], float]) -> list[float]:
    """``runs`` samples of ``step``, each after ``prepare(i)``."""
    samples = []
    for i in range(runs):
        prepare(i)
        samples.append(step())
    return samples


def measure_builds(p: Project, runs: int, module_edit: bool = True) -> dict[str, list[float]]:
    """Cold, no-op, slide-edit and module-edit samples for one project."""
    p.make()
    out: dict[str, list[float]] = {}
    out["cold"] = samples_of(runs, lambda i: p.clean(), p.build)
    out["noop"] = samples_of(runs, lambda i: None, p.build)
    out["slide_edit"] = samples_of(runs, lambda i: p.edit_slide(i + 1), p.build)
    if module_edit:
        out["module_edit"] = samples_of(runs, lambda i: p.edit_module(i + 1), p.build)
    return out


def measure_paint(folder: Path, deck: str, runs: int) -> dict[str, list[float]]:
    """First paint (ms to the first slide ready, with math and fonts) and its bytes."""
    from lecturedeck.commands.browser import chromium, serve

    paint, sizes = [], []
    # Offline, as in a lecture hall: the baseline's CDN requests fail at once.
    with serve(folder) as url, chromium(offline=True) as browser:
        for _ in range(runs):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.goto(f"{url}/{deck}.html", wait_until="commit")
            ready = page.wait_for_function(
                """() => window.Reveal && Reveal.isReady() && document.fonts.status === 'loaded'
                        ? performance.now() : false""",
                polling="raf",
                timeout=30000,
            ).json_value()
            size = page.evaluate(
                """() => performance.getEntriesByType('navigation')
                        .concat(performance.getEntriesByType('resource'))
                        .reduce((n, e) => n + (e.encodedBodySize || 0), 0)"""
            )
            paint.append(ready / 1000)
            sizes.append(size)
            context.close()
    return {"first_paint": paint, "first_slide_bytes": sizes}


def measure_live(folder: Path, deck: str, runs: int) -> dict[str, list[float]]:
    """A live cell's first Run (Pyodide's cold load included) and a warm Run, in Chromium.

    Each in a new browser context (nothing cached); the slowest first Run is kept as well.
    """
    from lecturedeck.commands.browser import chromium, serve, wait_for_deck

    cold, warm = [], []
    done = "c => ['done', 'error'].includes(c.dataset.state)"
    with serve(folder) as url, chromium() as browser:
        for _ in range(runs):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.goto(f"{url}/{deck}.html")
            wait_for_deck(page)
            cell = page.locator(".live-cell", has_text="softmax").first
            page.evaluate(GO_TO_ELEMENT, cell.element_handle())
            for samples in (cold, warm):
                t0 = time.perf_counter()
                cell.locator(".live-run").click()
                page.wait_for_function(done, arg=cell.element_handle(), timeout=60000)
                samples.append(time.perf_counter() - t0)
                if cell.get_attribute("data-state") != "done":
                    raise RuntimeError(f"bench: the softmax cell failed in {deck}")
                page.evaluate("c => { c.dataset.state = ''; }", cell.element_handle())
            context.close()
    return {"live_cold_run": cold, "live_cold_run_max": [max(cold)], "live_warm_run": warm}


def measure_explorables(folder: Path, deck: str, moves: int = 200) -> tuple[dict, dict]:
    """Redraw latency of the temperature figure, and the frame floor as its baseline."""
    from lecturedeck.commands.browser import chromium, serve, wait_for_deck

    with serve(folder) as url, chromium() as browser:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"{url}/{deck}.html")
        wait_for_deck(page)
        figure = page.locator(".explorable").first
        page.evaluate(GO_TO_ELEMENT, figure.element_handle())
        page.wait_for_function(
            "() => document.querySelector('.present .explorable')?.dataset.drawn"
        )
        ours = page.evaluate(REDRAW_JS, {"moves": moves, "plain": False})
        base = page.evaluate(REDRAW_JS, {"moves": moves, "plain": True})
        context.close()

    def p95(samples: list[float]) -> list[float]:
        return [statistics.quantiles(samples, n=20)[-1] / 1000]

    return (
        {"explorable_redraw": [t / 1000 for t in ours], "explorable_redraw_p95": p95(ours)},
        {"explorable_redraw": [t / 1000 for t in base], "explorable_redraw_p95": p95(base)},
    )


def measure_grids(source: Path, runs: int) -> list[float]:
    """The deck's explorable grids evaluated in a worker that is already running, as in a build."""
    import re

    from lecturedeck.sphinxext import cellworker, explorable

    text = source.read_text()
    runs_of = []
    declared = re.findall(r"^\.\. explorable:: (\S+)\n(?:   :.*\n)*\n((?:   .*\n)+)", text, re.M)
    for _ in range(runs):
        worker = cellworker.Worker()
        assert worker.run("1").ok  # started and answering
        t0 = time.perf_counter()
        for dotted, body in declared:
            controls = [explorable.parse_control(line.strip()) for line in body.splitlines()]
            grid = explorable.grid_of(controls)
            module, name = dotted.rsplit(".", 1)
            code = explorable.GRID_SOURCE.format(module=module, name=name, grid=json.dumps(grid))
            assert worker.run(code).ok
        runs_of.append(time.perf_counter() - t0)
        worker.close()
    if not declared:
        raise RuntimeError(f"bench: {source} declares no explorable figure")
    return runs_of


def measure_figs(p: Project, runs: int) -> dict[str, list[float]]:
    """``make figs`` from nothing, and with nothing to do."""
    cmd = [sys.executable, "-m", "lecturedeck.commands.figs", "--root", str(p.where)]
    out = {"figs_cold": [], "figs_noop": []}
    for _ in range(runs):
        shutil.rmtree(p.where / "figs", ignore_errors=True)
        out["figs_cold"].append(_run(cmd, p.where, p.env()))
        out["figs_noop"].append(_run(cmd, p.where, p.env()))
    return out


def measure_cells(folder: Path, deck: str, runs: int) -> tuple[list[float], list[float]]:
    """The deck's cells in a fresh worker process, and in this process; seconds per run.

    The first is how the build runs them; the second is how it ran them before cells were
    isolated, the baseline of the price of isolation.
    """
    import html
    import re

    from lecturedeck.sphinxext import cellrun, cellworker

    page = (folder / f"{deck}.html").read_text()
    cells = [
        html.unescape(c)
        for c in re.findall(r'<textarea class="live-source"[^>]*>(.*?)</textarea>', page, re.S)
    ]
    isolated, inline = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        worker = cellworker.Worker()
        for source in cells:
            assert worker.run(source).ok
        worker.close()
        isolated.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for source in cells:
            cellrun.run_cell(source)
        inline.append(time.perf_counter() - t0)
    return isolated, inline


def measure_worker_start(runs: int) -> tuple[list[float], list[float]]:
    """A deck's clean worker, answering its first request, forked from the running server.

    The baseline: a new interpreter importing the same, as workers were started before.
    """
    from lecturedeck.sphinxext import cellworker

    cellworker.Worker().close()  # the server is up, as it is once a build has started
    forked, fresh = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        worker = cellworker.Worker()
        assert worker.run("from lecture_code import softmax").ok
        forked.append(time.perf_counter() - t0)
        worker.close()
        t0 = time.perf_counter()
        cmd = [sys.executable, "-c", "import lecturedeck.sphinxext.cellrun, lecture_code"]
        subprocess.run(cmd, check=True, env={**os.environ, "PYTHONSTARTUP": ""})
        fresh.append(time.perf_counter() - t0)
    return forked, fresh


def measure_check(p: Project, runs: int) -> dict[str, list[float]]:
    """``make check``'s seconds per slide: the 4.4 deck with the index, and a long deck.

    The long deck is the 4.4 deck with its slides (all but the title) repeated
    :data:`LONG_REPEATS` times, built in ``p``'s throwaway copy. One Chromium for all runs, so
    a sample is the decks' visits alone, divided by the slides visited.
    """
    from lecturedeck.commands import browser, check

    deck = (p.root / "slides" / f"{DECK}.rst").read_text()
    cut = deck.index("\nModule 4.4\n---")
    (p.where / "slides" / f"{DECK}_long.rst").write_text(deck[:cut] + deck[cut:] * LONG_REPEATS)
    p.build()
    out = p.where / "_build" / "slides"
    samples: dict[str, list[float]] = {"check_per_slide": [], "check_per_slide_long": []}
    with browser.chromium() as chromium:
        for _ in range(runs):
            for key, decks in (
                ("check_per_slide", ["index", DECK]),
                ("check_per_slide_long", [f"{DECK}_long"]),
            ):
                t0 = time.perf_counter()
                total, findings = check.run(out, decks, chromium=chromium)
                samples[key].append((time.perf_counter() - t0) / total)
                if any(f.kind not in check.NOTICES for f in findings):
                    raise RuntimeError(f"bench: make check finds problems in {decks}")
    (p.where / "slides" / f"{DECK}_long.rst").unlink()
    return samples


# The slide being looked at shows the edit: from the save to the first frame that has it.
SHOWN_JS = """text => { const s = window.Reveal && Reveal.isReady() && Reveal.getCurrentSlide();
  return s && s.textContent.includes(text) ? Date.now() : false }"""


def measure_preview(p: Project, runs: int, reload: bool = False) -> dict[str, list[float]]:
    """``make preview`` on ``p``: save to edit shown in Chromium, and its rebuild times.

    Chromium looks at the slide being edited; each sample is from the write of the file to
    the first frame that shows the new text on the current slide. The rebuild times are the
    preview's own (its ``preview: built in`` lines), for a one-slide edit and for a
    ``lecture_code`` edit. ``reload``: the page reloads instead of updating in place.
    """
    import queue
    import socket
    import threading

    from lecturedeck.commands.browser import chromium

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "lecturedeck.commands.preview", "--root", str(p.where)]
    cmd += ["--port", str(port), "--jobs", "1", *(["--reload"] if reload else [])]
    proc = subprocess.Popen(
        cmd, env=p.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()

    def line(start: str) -> str:
        while True:
            got = lines.get(timeout=300)
            if got.startswith(start):
                return got
            if "FAILED" in got or "error" in got:
                raise RuntimeError(f"bench: the preview failed: {got}")

    def built() -> float:
        return float(line("preview: built in ").split()[3])

    out: dict[str, list[float]] = {"preview_save_to_visible": [], "preview_slide_rebuild": []}
    try:
        line("preview: http")
        with chromium() as browser:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"http://127.0.0.1:{port}/{DECK}.html")
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
            marker = page.locator(".reveal .slides p", has_text="Simplest max function").first
            marker.evaluate(GO_TO_ELEMENT)
            for i in range(runs):
                text = f"(edit {1000 + i})"
                saved = time.time()
                p.edit_slide(1000 + i)
                while True:
                    try:
                        shown = page.wait_for_function(SHOWN_JS, arg=text, polling="raf")
                        break
                    except Exception:  # noqa: BLE001 - the page reloaded while it was polled
                        page.wait_for_load_state()
                out["preview_save_to_visible"].append(shown.json_value() / 1000 - saved)
                out["preview_slide_rebuild"].append(built())
        out["preview_module_rebuild"] = samples_of(runs, p.edit_module, built)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def summarise(ours: dict, base: dict) -> list[dict]:
    """One row per step: medians, the ratio ours / baseline, and the target."""
    rows = []
    for key in ours:
        o = statistics.median(ours[key])
        b = statistics.median(base[key]) if key in base else None
        rows.append(
            {
                "step": key,
                "ours": o,
                "baseline": b,
                "ratio": (o / b) if b else None,
                "target": TARGETS.get(key),
                "ok": (o <= TARGETS[key]) if key in TARGETS else None,
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    """The result table, seconds unless the step says bytes."""
    print(f"{'step':<22}{'ours':>12}{'baseline':>12}{'ours/base':>11}{'target':>13}")
    for r in rows:
        in_bytes = "bytes" in r["step"]
        unit = (lambda v: f"{v / 1000:.0f} kB") if in_bytes else (lambda v: f"{v:.3f} s")
        base = unit(r["baseline"]) if r["baseline"] is not None else "-"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        target = "-" if r["target"] is None else f"<= {unit(r['target'])}"
        verdict = {True: "ok", False: "MISSED", None: ""}[r["ok"]]
        print(f"{r['step']:<22}{unit(r['ours']):>12}{base:>12}{ratio:>11}{target:>13}  {verdict}")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.bench [--runs 3] [--course 30]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--runs", type=int, default=3, help="samples per step (median)")
    parser.add_argument("--course", type=int, default=COURSE_SIZE, help="decks in the course")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="course workers")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    work = root / "_build" / "bench"
    print(f"bench: {args.runs} runs per step, course of {args.course} decks, {args.jobs} workers")

    ours_single = Project(root, work / "ours", True, 1, 1)
    base_single = Project(root, work / "baseline", False, 1, 1)
    from lecturedeck.commands import figs

    if figs.run(root, quiet=True):  # the baseline shows the same figures
        return 1
    ours = measure_builds(ours_single, args.runs)
    base = measure_builds(base_single, args.runs)
    # make preview against the plain tool's edit loop (a new sphinx-build per save, as
    # sphinx-autobuild runs it): its one-slide edit rebuild, for both of ours.
    ours.update(measure_preview(ours_single, args.runs + 2))
    base["preview_slide_rebuild"] = base["preview_module_rebuild"] = base["slide_edit"]

    ours_course = Project(root, work / "ours-course", True, args.course, args.jobs)
    base_course = Project(root, work / "baseline-course", False, args.course, args.jobs)
    for name, value in measure_builds(ours_course, args.runs, module_edit=False).items():
        ours[f"course_{name}"] = value
    for name, value in measure_builds(base_course, args.runs, module_edit=False).items():
        base[f"course_{name}"] = value

    ours.update(measure_paint(work / "ours" / "_build" / "slides", DECK, args.runs + 2))
    ours.update(measure_live(work / "ours" / "_build" / "slides", DECK, max(5, args.runs)))
    ours.update(measure_figs(ours_single, args.runs + 2))
    # Baseline: the same cells inside the build's process, as they ran before isolation.
    isolated, inline = measure_cells(work / "ours" / "_build" / "slides", DECK, args.runs + 2)
    ours["deck_cells"], base["deck_cells"] = isolated, inline
    ours["worker_start"], base["worker_start"] = measure_worker_start(args.runs + 7)
    base.update(measure_paint(work / "baseline" / "_build" / "slides", DECK, args.runs + 2))
    redraw, floor = measure_explorables(work / "ours" / "_build" / "slides", DECK)
    ours.update(redraw)
    base.update(floor)
    ours.update(measure_check(ours_single, args.runs))
    ours["explorable_grid"] = measure_grids(root / "slides" / f"{DECK}.rst", args.runs + 2)

    rows = summarise(ours, base)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runs": args.runs,
        "course_decks": args.course,
        "rows": rows,
        "samples": {"ours": ours, "baseline": base},
    }
    out = root / "_build" / "bench.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print_table(rows)
    print(f"bench: wrote {out.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
