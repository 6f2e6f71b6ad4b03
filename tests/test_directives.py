"""Directive-level behaviour on a small Sphinx root, built in-process with sphinx.testing.

The real-build tests (test_build, test_real_courses, ...) keep what needs `make slides`
itself: staging, publishing, the command line and its messages.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from lecture_code import sigmoid, softmax
from lecturedeck.sphinxext import cellrun

pytestmark = [pytest.mark.build, pytest.mark.sphinx("revealjs", testroot="directives")]


@pytest.fixture()
def page(app) -> BeautifulSoup:
    """tests/roots/test-directives, built with the deck builder."""
    app.build()
    assert app.statuscode == 0, app._warning.getvalue()
    return BeautifulSoup((app.outdir / "index.html").read_text(), "html.parser")


def test_lecture_source_shows_just_the_math(page):
    import lecture_code

    shown = page.select_one("div.lecture-source").get_text()
    assert "def relu(x: float) -> float:" in shown
    assert "return x if x > 0 else 0.0" in shown
    assert "@checked" not in shown and "Rectified linear unit" not in shown
    # Every line shown is a line of the function's own source.
    real = inspect.getsource(lecture_code.relu).splitlines()
    assert all(line in real for line in shown.splitlines() if line.strip())


def test_a_cell_shows_what_it_prints_when_run(page):
    cell = page.select_one("div.live-cell")
    source = cell.select_one("textarea.live-source").get_text()
    assert "print(softmax([0.0, 0.0]))" in source
    output = cell.select_one("pre.live-output").get_text().strip()
    assert output == str(softmax([0.0, 0.0]))
    assert output == cellrun.run_cell(source).strip()  # as the browser's runner prints it


def test_the_quiz_key_is_the_option_equal_to_the_computed_answer(page):
    options = page.select("button.quiz-option")
    assert [o.get_text().strip() for o in options] == ["0", "0.5", "1"]
    correct = [o.get_text().strip() for o in options if o["data-correct"] == "1"]
    assert correct == [str(sigmoid(0.0))]


def test_the_snake_case_alias_of_an_old_toolchain_still_makes_fragments(page):
    assert [li.get_text().strip() for li in page.select("li.fragment")] == ["one", "two"]
    notes = page.select("aside.notes")
    assert len(notes) == 1 and "SNAKE-CASE-NOTES" in notes[0].get_text()


@pytest.mark.sphinx("revealjs", testroot="failing-cell")
def test_a_failing_cell_keeps_its_own_source_and_the_modules_it_uses(app):
    import lecture_code

    app.build()
    warnings = app._warning.getvalue()
    rst = app.srcdir / "index.rst"
    line = rst.read_text().splitlines().index("   softmax([])") + 1
    assert f"index.rst:{line}: " in warnings and "live-code: ValueError: softmax" in warnings
    # The cell is still the author's code (not where it came from), and a fix to the module it
    # uses reruns the deck.
    tree = app.env.get_doctree("index")
    cell = next(n for n in tree.findall() if n.tagname == "live_cell")
    assert cell["source"] == 'from lecture_code import softmax\nprint("before")\nsoftmax([])'
    module = inspect.getsourcefile(lecture_code.softmax)
    assert any(
        Path(dep).resolve() == Path(module).resolve() for dep in app.env.dependencies["index"]
    )


def test_an_explorable_depends_on_its_module_and_what_that_imports(app):
    import lecture_code.explore
    import lecture_code.reductions

    app.build()
    assert app.statuscode == 0, app._warning.getvalue()
    deps = {(app.srcdir / dep).resolve() for dep in app.env.dependencies["index"]}
    for module in (lecture_code.explore, lecture_code.reductions):
        assert Path(inspect.getsourcefile(module)).resolve() in deps, module.__name__
