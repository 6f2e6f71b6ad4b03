"""Live cells under runaway code, in Chromium: Stop, Esc and the time limit; the deck stays live.

The tests run served cross-origin isolated (as `make present` serves, so Stop raises
KeyboardInterrupt through Pyodide's interrupt buffer), and those where serving makes a
difference run served plain too (so Stop ends the Python worker and the next Run starts a
fresh one). Esc, the time limit and the grace behave alike either way up to the Stop itself.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from deckfixtures import PageWatch, default_signals, go_to_cell

from lecturedeck.commands import browser
from lecturedeck.sphinxext import cellrun

DECK = "module4_4.html"
RUNAWAY = "print('started')\nn = 0\nwhile True:\n    n += 1"
SOFTMAX = "from lecture_code import softmax\nprint(softmax([3.0, -1.0, 0.5, 0.5]))"
LOAD = 60000  # ms: the first Run loads Pyodide
# Stopped, it raises an exception whose message takes longer to write than Stop's 3 s grace.
SLOW_REPORT = """import time
class SlowToSay(Exception):
    def __str__(self):
        end = time.monotonic() + 4
        while time.monotonic() < end:
            pass
        return 'written after 4 s'
print('started')
try:
    while True:
        pass
except KeyboardInterrupt:
    raise SlowToSay()
"""

# The time limit, Stop and Esc are timed in the page: these tests run one after another, on one
# xdist worker.
pytestmark = pytest.mark.xdist_group("pyodide")

# Count the Python workers a page starts: one when Stop interrupts, one more per restart; and
# note when the first one started.
COUNT_WORKERS = """
window.workersStarted = 0;
const PlainWorker = window.Worker;
window.Worker = class extends PlainWorker {
  constructor(...args) {
    super(...args);
    window.workersStarted += 1;
    if (window.firstWorkerAt === undefined) window.firstWorkerAt = performance.now();
  }
};
"""
# The page is never idle: Python does not start ahead of the first Run.
NEVER_IDLE = "window.requestIdleCallback = () => 0;"


# The tests where serving plain changes nothing but the Stop itself run isolated only.
ISOLATED_ONLY = pytest.mark.parametrize("served", ["isolated"], indirect=True)


@pytest.fixture(scope="module", params=["isolated", "plain"])
def served(request, built_decks):
    """The built decks served with the cross-origin isolation headers, then without."""
    isolated = request.param == "isolated"
    with browser.serve(built_decks, isolate=isolated) as url:
        yield url, isolated


@pytest.fixture(scope="module")
def context(chromium, served):
    """One browser context per way of serving: its pages share the HTTP cache, as the tabs of
    one browser do, so Pyodide is fetched and compiled once, not once a test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    context.add_init_script(COUNT_WORKERS)
    yield context
    context.close()


@pytest.fixture()
def live(context, served):
    """A new page on the deck, its watch, and whether the page is cross-origin isolated."""
    url, isolated = served
    page = context.new_page()
    watch = PageWatch(page, url)
    page.goto(f"{url}/{DECK}")
    browser.wait_for_deck(page)
    assert page.evaluate("crossOriginIsolated") is isolated
    yield page, watch, isolated
    page.close()


def wait_state(cell, states: list[str], timeout: int = LOAD) -> str:
    cell.page.wait_for_function(
        "([c, states]) => states.includes(c.dataset.state)",
        arg=[cell.element_handle(), states],
        timeout=timeout,
    )
    return cell.get_attribute("data-state")


def run_to_end(cell) -> str:
    cell.locator(".live-run").click()
    assert wait_state(cell, ["done", "error", "stopped"]) == "done"
    return cell.locator(".live-output").inner_text()


def start_runaway(cell) -> None:
    cell.locator("textarea").fill(RUNAWAY)
    cell.locator(".live-run").click()
    wait_state(cell, ["running"])
    assert cell.locator(".live-run").inner_text().startswith("Stop")


def deck_still_responds(page) -> None:
    """Timers tick, and the arrow keys move the slides, while Python spins."""
    page.evaluate("window.ticks = 0; setInterval(() => { window.ticks += 1; }, 10)")
    page.wait_for_function("window.ticks >= 20", timeout=10000)
    page.evaluate("document.activeElement.blur()")
    where = page.evaluate("Reveal.getIndices().h")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("Reveal.getIndices().h") == where + 1
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("Reveal.getIndices().h") == where


def check_stopped(cell, isolated: bool, reason: str) -> None:
    assert wait_state(cell, ["done", "error", "stopped"], timeout=20000) == "stopped"
    status = cell.locator(".live-status").inner_text()
    assert status.startswith("Stopped after ") and status.endswith(f" s: {reason}"), status
    output = cell.locator(".live-output").inner_text()
    if isolated:  # interrupted: what it printed, then KeyboardInterrupt on a line of the loop
        assert output.startswith("started\nTraceback (most recent call last):")
        assert output.endswith("KeyboardInterrupt")
        assert 'File "<cell>", line ' in output
    else:
        assert "Python was restarted" in output
    assert cell.locator(".live-run").inner_text().startswith("Run")


def stopped_by_its_time_limit(page, code: str):
    """Run ``code`` in a cell given 1 s; once it is stopped, the cell and what it shows."""
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    page.evaluate("c => { c.dataset.timeout = '1'; }", cell.element_handle())
    cell.locator("textarea").fill(code)
    cell.locator(".live-run").click()  # the wait covers Python's load, if not yet done
    assert wait_state(cell, ["done", "error", "stopped"]) == "stopped"
    assert cell.locator(".live-status").inner_text() == "Stopped after 1 s: the cell's time limit"
    return cell, cell.locator(".live-output").inner_text()


def check_runs_again(cell, isolated: bool) -> None:
    """The cell runs the next code as CPython does; Python restarted only when it had to."""
    cell.locator("textarea").fill(SOFTMAX)
    assert run_to_end(cell) == cellrun.run_cell(SOFTMAX).rstrip()
    assert cell.page.evaluate("window.workersStarted") == (1 if isolated else 2)


@pytest.mark.browser
def test_stop_ends_a_runaway_cell_while_the_deck_keeps_working(live):
    page, watch, isolated = live
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    start_runaway(cell)
    deck_still_responds(page)
    assert cell.get_attribute("data-state") == "running"
    cell.locator(".live-run").click()
    check_stopped(cell, isolated, "Stop pressed")
    check_runs_again(cell, isolated)
    assert watch.external == [] and watch.errors == [] and watch.failed == []


@pytest.mark.browser
@ISOLATED_ONLY
def test_esc_in_the_cell_or_on_the_page_stops_it_and_not_the_deck(live):
    page, watch, isolated = live
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    area = cell.locator("textarea")
    area.fill(RUNAWAY)
    area.press("Shift+Enter")
    wait_state(cell, ["running"])
    area.press("Escape")
    check_stopped(cell, isolated, "Esc pressed")
    assert area.evaluate("a => document.activeElement === a")  # still editing
    # Esc with nothing running hands the keyboard back to the deck.
    area.press("Escape")
    assert page.evaluate("document.activeElement === document.body")
    # While a cell runs, Esc anywhere stops it; reveal.js does not open the overview.
    start_runaway(cell)
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Escape")
    check_stopped(cell, isolated, "Esc pressed")
    assert not page.evaluate("Reveal.isOverview()")
    # Another cell runs and prints the right value.
    other = go_to_cell(page, "soft_gate(2.0, -1.0, r)")
    code = other.locator("textarea").input_value()
    assert run_to_end(other) == cellrun.run_cell(code).rstrip()
    assert page.evaluate("window.workersStarted") == (1 if isolated else 3)
    assert watch.external == [] and watch.errors == [] and watch.failed == []


@pytest.mark.browser
@ISOLATED_ONLY
def test_the_time_limit_stops_a_runaway_cell_on_its_own(live):
    page, watch, isolated = live
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    page.evaluate("c => { c.dataset.timeout = '1.5'; }", cell.element_handle())
    start_runaway(cell)
    check_stopped(cell, isolated, "the cell's time limit")
    assert cell.locator(".live-status").inner_text().startswith("Stopped after 1.5 s:")
    check_runs_again(cell, isolated)
    assert watch.external == [] and watch.errors == [] and watch.failed == []


@pytest.mark.browser
@ISOLATED_ONLY
def test_a_cell_that_prints_without_end_shows_its_first_and_last_lines(live):
    page, watch, _ = live
    # More than the kept head and tail however slowly the machine runs: the filler alone.
    filler = "print('filler\\n' * 3000, end='')"
    code = f"print('line', 1)\n{filler}\nn = 1\nwhile True:\n    n += 1\n    print('line', n)"
    _, output = stopped_by_its_time_limit(page, code)
    lines = output.splitlines()
    assert lines[0] == "line 1" and lines[-1] == "KeyboardInterrupt"
    assert sum(line.endswith(" characters of output left out …") for line in lines) == 1
    assert len(output) < 20000
    assert watch.errors == [] and watch.failed == []


@pytest.mark.browser
@ISOLATED_ONLY
def test_a_cell_that_will_not_stop_is_ended_with_its_python(live):
    """Code that catches KeyboardInterrupt and goes on: Python is ended after the grace."""
    page, watch, _ = live
    cell, output = stopped_by_its_time_limit(
        page,
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except KeyboardInterrupt:\n        print('not stopping')",
    )
    assert "Python was restarted" in output
    cell.locator("textarea").fill(SOFTMAX)
    assert run_to_end(cell) == cellrun.run_cell(SOFTMAX).rstrip()
    assert page.evaluate("window.workersStarted") == 2
    assert watch.errors == [] and watch.failed == []


LIVECODE_JS = Path(browser.__file__).parent.parent / "sphinxext" / "static" / "livecode.js"


@pytest.mark.browser
@ISOLATED_ONLY
def test_a_cell_in_c_code_that_never_takes_the_interrupt_is_ended_after_two_graces(live):
    """``sum`` over a range runs in C, which never looks at the interrupt: Python is ended, but
    only once the grace has passed twice, as for a worker a busy machine held back."""
    page, watch, _ = live
    started = time.monotonic()
    cell, output = stopped_by_its_time_limit(page, "sum(range(10**12))")
    took = time.monotonic() - started
    assert "Python was restarted" in output
    grace_ms = re.search(r"INTERRUPT_GRACE_MS = (\d+);", LIVECODE_JS.read_text())[1]
    assert took >= 1 + 2 * int(grace_ms) / 1000  # the time limit, then twice the grace
    cell.locator("textarea").fill(SOFTMAX)
    assert run_to_end(cell) == cellrun.run_cell(SOFTMAX).rstrip()
    assert watch.errors == [] and watch.failed == []


@pytest.mark.browser
@ISOLATED_ONLY
def test_a_stopped_cell_whose_report_is_slow_shows_it(live):
    """Once the cell's code has ended, its report is waited for past the 3 s grace: here the
    report is slow because the exception's message takes 4 s to write."""
    page, watch, _ = live
    _, output = stopped_by_its_time_limit(page, SLOW_REPORT)
    assert output.startswith("started\nTraceback (most recent call last):")
    assert output.endswith("SlowToSay: written after 4 s")
    assert page.evaluate("window.workersStarted") == 1
    assert watch.errors == [] and watch.failed == []


@pytest.mark.browser
def test_one_cell_runs_at_a_time_and_stop_cancels_loading(chromium, served):
    url, isolated = served
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.add_init_script(COUNT_WORKERS + NEVER_IDLE)
    page.goto(f"{url}/{DECK}")
    browser.wait_for_deck(page)
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    cell.locator(".live-run").click()
    assert cell.get_attribute("data-state") == "loading"
    cell.locator(".live-run").click()
    assert wait_state(cell, ["done", "error", "stopped"]) == "stopped"
    assert cell.locator(".live-status").inner_text() == (
        "Stopped while Python was loading: Stop pressed"
    )
    start_runaway(cell)
    assert page.evaluate("window.workersStarted") == 2
    other = go_to_cell(page, "soft_gate(2.0, -1.0, r)")
    other.locator(".live-run").click()
    assert other.locator(".live-status").inner_text() == (
        "Another cell is running: stop it first (Esc)"
    )
    page.keyboard.press("Escape")
    check_stopped(cell, isolated, "Esc pressed")
    context.close()


@pytest.mark.browser
def test_python_starts_after_the_first_slide_shows_from_the_snapshot(chromium, served):
    """Python loads ahead of the first Run, once the first slide is painted, from the snapshot."""
    url, _ = served
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.add_init_script(COUNT_WORKERS)
    fetched = []
    page.on("request", lambda r: fetched.append(r.url.rsplit("/_static/", 1)[-1]))
    watch = PageWatch(page, url)
    page.goto(f"{url}/{DECK}")
    page.wait_for_function("() => window.lecturedeckPythonLoadMs !== undefined", timeout=LOAD)
    painted = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
    assert page.evaluate("window.firstWorkerAt") >= painted
    assert "pyodide/snapshot.gz" in fetched and "py/manifest.json" in fetched
    assert not any(name.startswith("py/lecture_code/") for name in fetched)  # one manifest
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    cell.locator(".live-run").click()  # Python is loaded: no "Loading Python…"
    assert cell.get_attribute("data-state") in ("running", "done")
    assert wait_state(cell, ["done", "error", "stopped"]) == "done"
    assert page.evaluate("window.workersStarted") == 1
    assert watch.external == [] and watch.errors == [] and watch.failed == []
    context.close()


@pytest.mark.browser
def test_a_snapshot_that_does_not_load_leaves_python_starting_the_usual_way(chromium, deck_server):
    url = deck_server
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.route("**/_static/pyodide/snapshot.gz", lambda r: r.fulfill(body=b"not a snapshot"))
    warned = []
    page.on("console", lambda m: m.type == "warning" and warned.append(m.text))
    watch = PageWatch(page, url)
    page.goto(f"{url}/{DECK}")
    browser.wait_for_deck(page)
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    code = cell.locator("textarea").input_value()
    assert run_to_end(cell) == cellrun.run_cell(code).rstrip()
    assert any("snapshot did not load" in text for text in warned), warned
    assert watch.external == [] and watch.errors == [] and watch.failed == []
    context.close()


# -- make present ----------------------------------------------------------------------------------


def test_present_serves_isolated_decks_on_loopback(built_decks):
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lecturedeck.commands.present",
            "--port",
            "0",
            "--out",
            str(built_decks),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith(f"Presenting {built_decks} on http://127.0.0.1:"), line
        url = line.split(" on ")[1].split("/  ")[0]
        for path, kind in [
            (f"/{DECK}", "text/html"),
            ("/_static/pyodide/pyodide.asm.wasm", "application/wasm"),
            ("/_static/pyodide/pyodide.mjs", "text/javascript"),
            ("/_static/pyworker.js", "text/javascript"),
        ]:
            with urllib.request.urlopen(url + path) as response:
                assert response.status == 200 and response.version == 11
                assert response.headers["Content-Type"].startswith(kind)
                for name, value in browser.ISOLATION_HEADERS.items():
                    assert response.headers[name] == value
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=10)
    assert server.returncode == 0 and err == ""


def test_present_says_what_is_wrong_in_one_line(tmp_path):
    def present(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lecturedeck.commands.present", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )

    missing = present("--out", str(tmp_path / "nothing"))
    assert missing.returncode == 1
    assert missing.stderr == (
        f"present: no decks in {tmp_path / 'nothing'}/; run `make slides` first\n"
    )
    (tmp_path / "index.html").write_text("<p>decks</p>")
    bad_port = present("--out", str(tmp_path), "--port", "70000")
    assert bad_port.returncode == 2
    assert bad_port.stderr == "present: --port 70000: not a port number (0 to 65535)\n"
    with browser.serve(tmp_path) as url:
        taken = url.rsplit(":", 1)[1]
        busy = present("--out", str(tmp_path), "--port", taken)
    assert busy.returncode == 1
    assert busy.stderr.startswith(f"present: cannot serve on 127.0.0.1:{taken}: ")
    assert busy.stderr.count("\n") == 1
