"""The edit loop: no-op builds change nothing; an edit rebuilds only what depends on it."""

from __future__ import annotations

import pytest
from deckfixtures import changed_files, own_lecture_code, run_build, snapshot

from lecture_code import softmax

pytestmark = pytest.mark.build

DECK_A = """Deck A
======

Softmax
-------

Some text on slide one.

.. math::

   \\text{softmax}(x)_i = \\frac{e^{x_i}}{\\sum_j e^{x_j}}

.. live-code::

   from lecture_code import softmax
   softmax([1.0, 2.0])
"""
DECK_B = """Deck B
======

ReLU
----

.. live-code::

   from lecture_code.activations import relu
   relu(-1.0)
"""


@pytest.fixture()
def two_decks(project):
    (project / "slides" / "a.rst").write_text(DECK_A)
    (project / "slides" / "b.rst").write_text(DECK_B)
    env = own_lecture_code(project)
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    return project, env


def test_a_noop_build_changes_no_output_file(two_decks):
    project, env = two_decks
    out = project / "_build" / "slides"
    before = snapshot(out)
    assert run_build(project, env=env).returncode == 0  # skipped: inputs unchanged
    assert changed_files(before, snapshot(out)) == set()
    result = run_build(project, "--force", env=env)  # Sphinx runs, finds nothing to do
    assert result.returncode == 0, result.stderr
    assert changed_files(before, snapshot(out)) == set()


def test_a_one_slide_edit_rewrites_only_that_decks_html(two_decks):
    project, env = two_decks
    out = project / "_build" / "slides"
    before = snapshot(out)
    deck = project / "slides" / "a.rst"
    deck.write_text(deck.read_text().replace("Some text on slide one.", "Edited text."))
    assert run_build(project, env=env).returncode == 0
    changed = changed_files(before, snapshot(out))
    assert {c for c in changed if c.endswith(".html")} == {"a.html"}
    assert changed <= {"a.html", "_sources/a.rst.txt"}
    assert "Edited text." in (out / "a.html").read_text()


def test_a_module_edit_rebuilds_only_the_decks_that_import_it(two_decks):
    project, env = two_decks
    out = project / "_build" / "slides"
    before = snapshot(out)
    module = project / "src" / "lecture_code" / "reductions.py"
    # A real change that shows on the slide: softmax now rounds to 3 places.
    source = module.read_text()
    assert "return [e / total for e in exps]" in source
    module.write_text(
        source.replace(
            "return [e / total for e in exps]", "return [round(e / total, 3) for e in exps]"
        )
    )
    assert run_build(project, env=env).returncode == 0
    changed = changed_files(before, snapshot(out))
    html = {c for c in changed if c.endswith(".html")}
    assert html == {"a.html"}, changed  # deck b imports only activations
    rounded = [round(p, 3) for p in softmax([1.0, 2.0])]
    assert rounded != softmax([1.0, 2.0]) and str(rounded) in (out / "a.html").read_text()
    # The browser's copy of the package is the edited one too.
    assert "round(e / total, 3)" in (out / "_static/py/lecture_code/reductions.py").read_text()


def test_formulas_rendered_by_parallel_readers_are_cached(project):
    import json

    formulas = [f"x^{i} + \\frac{{{i}}}{{2}}" for i in range(6)]
    for i, tex in enumerate(formulas):  # enough decks for Sphinx to read with two workers
        (project / "slides" / f"d{i}.rst").write_text(f"D{i}\n==\n\n.. math::\n\n   {tex}\n")
    result = run_build(project, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    doctrees = project / "_build" / ".doctrees" / "revealjs-slides"
    assert [p.name for p in doctrees.glob("katex-cache*.json")] == ["katex-cache.json"]
    cached = json.loads((doctrees / "katex-cache.json").read_text())["formulas"]
    assert {f"1:{tex}" for tex in formulas} <= cached.keys()
