"""Live code: source shown from lecture_code, cells run at build time and in the browser."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

import pytest
from bs4 import BeautifulSoup
from deckfixtures import go_to_cell, own_lecture_code, run_build

import lecture_code
from lecturedeck.sphinxext import cellrun

DECK = "module4_4.html"


def cpython_prints(code: str) -> str:
    """What a separate CPython process prints for ``code``."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.rstrip()


# -- the cell runner, shared by the build and the browser --------------------------------------


def test_cell_prints_stdout_then_the_repr_of_a_last_expression():
    out = cellrun.run_cell("from lecture_code import softmax\nprint('logits')\nsoftmax([0.0, 0.0])")
    assert out == "logits\n[0.5, 0.5]\n"
    assert cellrun.run_cell("x = 1") == ""
    assert cellrun.run_cell("None") == ""


def test_cell_report_gives_a_traceback_that_starts_at_the_cell():
    ok, text = cellrun.run_cell_report(
        "print('before')\nfrom lecture_code import softmax\nsoftmax([])"
    )
    assert not ok
    assert text.startswith("before\nTraceback (most recent call last):\n")
    assert 'File "<cell>", line 3' in text
    assert "ValueError: softmax: xs must not be empty" in text
    assert "cellrun.py" not in text


def test_cell_report_says_the_cell_raised_before_it_writes_the_report():
    """The browser's worker tells the page a stopped cell's code is over (then it waits for
    the report rather than restarting Python): said once per raise, never on success."""
    calls = []
    source = "print('before')\n1 / 0"
    ok, text = cellrun.run_cell_report(source, lambda: calls.append(len(calls)))
    assert (ok, calls) == (False, [0]) and text.endswith("ZeroDivisionError: division by zero\n")
    assert cellrun.run_cell_report("print('fine')", calls.append) == (True, "fine\n")
    assert calls == [0]


# -- build time --------------------------------------------------------------------------------


def deck(project, body: str) -> str:
    (project / "slides" / "deck.rst").write_text("Deck\n====\n\nSlide\n-----\n\n" + body)
    return "deck"


def test_build_embeds_the_cell_output_computed_by_cpython(project):
    code = "from lecture_code import softmax\nprint(softmax([2.0, 1.0, 0.1]))"
    deck(project, ".. live-code::\n\n" + textwrap.indent(code, "   ") + "\n")
    assert run_build(project).returncode == 0
    soup = BeautifulSoup((project / "_build/slides/deck.html").read_text(), "html.parser")
    cell = soup.select_one(".live-cell")
    assert cell.select_one("textarea.live-source").get_text() == code
    assert cell.select_one("pre.live-output").get_text() == cpython_prints(code)


def test_a_cell_that_raises_fails_the_build_at_its_line(project):
    deck(
        project,
        ".. live-code::\n\n   from lecture_code import softmax\n   x = 1\n   softmax([], 2.0)\n",
    )
    result = run_build(project)
    assert result.returncode != 0
    # The cell's third line is line 11 of the file.
    assert "slides/deck.rst:11: " in result.stderr, result.stderr
    assert "live-code: ValueError: softmax: xs must not be empty" in result.stderr


def test_a_cell_with_a_syntax_error_fails_the_build_at_its_line(project):
    deck(project, ".. live-code::\n\n   x = 1\n   def f(:\n")
    result = run_build(project)
    assert result.returncode != 0
    assert "slides/deck.rst:10: " in result.stderr and "SyntaxError" in result.stderr


def test_lecture_source_shows_the_function_as_written_without_its_docstring(project):
    deck(
        project,
        ".. lecture-source:: lecture_code.softmax\n\n"
        ".. lecture-source:: lecture_code.relu\n   :docstring:\n",
    )
    assert run_build(project).returncode == 0
    soup = BeautifulSoup((project / "_build/slides/deck.html").read_text(), "html.parser")
    shown = [block.get_text() for block in soup.select(".lecture-source pre")]

    def undecorated(function) -> str:  # the source from its `def` line on
        lines = inspect.getsource(function).splitlines(keepends=True)
        return "".join(lines[next(i for i, ln in enumerate(lines) if ln.startswith("def ")) :])

    full = undecorated(lecture_code.softmax)
    doc = inspect.getdoc(lecture_code.softmax).splitlines()[0]
    assert doc in full and doc not in shown[0]
    assert shown[0].splitlines()[0] == full.splitlines()[0]
    assert shown[0].splitlines()[0].startswith("def softmax(")
    assert shown[0].rstrip().splitlines()[-1] == full.rstrip().splitlines()[-1]
    assert shown[1].strip() == undecorated(lecture_code.relu).strip()
    assert "@" not in shown[0] + shown[1]


def test_lecture_source_of_an_unknown_name_fails_the_build(project):
    deck(project, ".. lecture-source:: lecture_code.no_such_function\n")
    result = run_build(project)
    assert result.returncode != 0
    assert "slides/deck.rst:7: " in result.stderr and "no_such_function" in result.stderr


# -- in the browser, over http -------------------------------------------------------------------


def run_and_wait(cell, timeout: int = 60000) -> str:
    cell.locator(".live-run").click()
    cell.page.wait_for_function(
        "c => ['done', 'error'].includes(c.dataset.state)",
        arg=cell.element_handle(),
        timeout=timeout,
    )
    return cell.locator(".live-output").inner_text()


@pytest.mark.browser
def test_edit_and_run_the_softmax_cell_offline(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    code = (
        "from lecture_code import softmax\n"
        "print('logits edited')\n"
        "print(softmax([3.0, -1.0, 0.5, 0.5]))"
    )
    cell.locator("textarea").fill(code)
    assert run_and_wait(cell) == cpython_prints(code)
    assert cell.get_attribute("data-state") == "done"
    # A last expression shows its repr, as CPython's repr of the same value.
    cell.locator("textarea").fill(
        "from lecture_code import sigmoid\n[sigmoid(x) for x in (-1.0, 0.0, 3.0)]"
    )
    assert run_and_wait(cell) == cpython_prints(
        "from lecture_code import sigmoid\nprint(repr([sigmoid(x) for x in (-1.0, 0.0, 3.0)]))"
    )
    assert watch.external == [] and watch.errors == [] and watch.failed == []


@pytest.mark.browser
def test_an_error_shows_a_traceback_and_the_next_run_still_works(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    cell.locator("textarea").fill("from lecture_code import softmax\nsoftmax([1.0], temperature=0)")
    text = run_and_wait(cell)
    assert text.startswith("Traceback (most recent call last):")
    assert "ValueError: softmax: temperature must be > 0" in text
    assert cell.get_attribute("data-state") == "error"
    cell.locator("textarea").fill("from lecture_code import softmax\nsoftmax([0.0, 0.0])")
    cell.locator("textarea").press("Shift+Enter")
    page.wait_for_function(
        "c => c.dataset.state === 'done'", arg=cell.element_handle(), timeout=30000
    )
    assert cell.locator(".live-output").inner_text() == "[0.5, 0.5]"
    # The deck still navigates.
    before = page.evaluate("Reveal.getIndices().h")
    page.evaluate("Reveal.next()")
    assert page.evaluate("Reveal.getIndices().h") != before
    assert watch.external == [] and watch.errors == []


@pytest.mark.browser
def test_keys_typed_in_a_cell_do_not_drive_the_deck(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    cell = go_to_cell(page, "softmax([2.0, 1.0, 0.1])")
    where = page.evaluate("Reveal.getIndices()")
    area = cell.locator("textarea")
    area.click()
    for key in ["ArrowRight", "ArrowDown", "Space", "n", "o", "f", "s", "PageDown", "End"]:
        area.press(key)
    assert page.evaluate("Reveal.getIndices()") == where
    assert not page.evaluate("Reveal.isOverview()")
    assert len(page.context.pages) == 1  # no speaker view opened by "s"


@pytest.mark.browser
def test_from_file_the_cell_keeps_its_build_output_and_says_why(chromium, built_decks):
    page = chromium.new_page()
    page.goto((built_decks / DECK).as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    cell = page.locator(".live-cell").first
    code = cell.locator("textarea").input_value()
    assert cell.locator(".live-output").inner_text() == cellrun.run_cell(code).rstrip()
    assert "make present" in cell.locator(".live-note").inner_text()
    assert cell.locator(".live-run").is_disabled()
    page.close()


def test_a_cell_in_an_included_file_is_reported_at_that_file(project):
    (project / "slides" / "part.rsti").write_text(
        "Included slide\n--------------\n\n.. live-code::\n\n   x = 1\n   1 / 0\n"
    )
    deck(project, "Before the include.\n\n.. include:: part.rsti\n")
    result = run_build(project)
    assert result.returncode != 0
    assert "slides/part.rsti:7: " in result.stderr, result.stderr
    assert "ZeroDivisionError" in result.stderr


def test_lecture_source_leaves_out_decorators(project):
    env = own_lecture_code(project)
    module = project / "src" / "lecture_code" / "shown.py"
    module.write_text(
        "import functools\n\n\n"
        "def checked(f):\n    return functools.wraps(f)(lambda *a: f(*a))\n\n\n"
        "@checked\n@functools.cache\ndef double(x: float) -> float:\n"
        '    """Twice x."""\n    return 2 * x\n'
    )
    deck(project, ".. lecture-source:: lecture_code.shown.double\n")
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup((project / "_build/slides/deck.html").read_text(), "html.parser")
    shown = soup.select_one(".lecture-source pre").get_text()
    assert shown == "def double(x: float) -> float:\n    return 2 * x\n"
