"""Build-time results are cached by content: an edit reruns only what it can change.

Each test counts the runs (``LECTUREDECK_RUN_LOG``: one line per piece run in a worker),
never the time.
"""

from __future__ import annotations

import json
import shutil

import pytest
from bs4 import BeautifulSoup
from deckfixtures import own_lecture_code, run_build

from lecturedeck.sphinxext.cells import CACHE_DIR

pytestmark = pytest.mark.build

# Every kind of piece: cells, a quiz key, an explorable grid, an :eval: value (in text and
# in math) and a claim. Only the cell on slide two imports losses.py; no piece imports
# language.py; the first cell imports reductions.py (softmax).
DECK = """Deck
====

Slide one
---------

Some text on slide one.

.. live-code::

   from lecture_code import softmax
   softmax([1.0, 2.0])

.. quiz:: The larger share of softmax([0, 0]) is
   :answer: softmax([0.0, 0.0])[0]

   * 0.25
   * 0.5

Largest share :eval:`softmax([2.0, 1.0])[0]:.3f`.

.. math::

   s = \\eval{softmax([1.0, 1.0])[1]}

.. explorable:: lecture_code.explore.softmax_temperature
   :alt: Softmax at temperature T

   T: 0.5 to 1.5 step 0.5; default 1

Slide two
---------

.. live-code::

   from lecture_code import losses
   losses.__name__

.. claim:: ReLU of a negative number is 0.
   :check: relu(-2.0) == 0.0

.. live-code::

   print("last")
"""
ALL = [
    "cell",
    "quiz key",
    "eval",
    "explorable",
    "cell",
    "claim",
    "cell",
    "eval",
]  # the math's \eval runs last: formulas are substituted once the deck has been read


def runs(log) -> list[str]:
    """What ran in a worker since the last call, in order; replays marked ``replay``."""
    if not log.exists():
        return []
    lines = log.read_text().splitlines()
    log.unlink()
    return [line.split("\t")[0] for line in lines]


def counted(project, tmp_path, text: str) -> tuple[dict[str, str], object]:
    """Write the deck; return the environment of a build that logs its runs, and the log."""
    (project / "slides" / "deck.rst").write_text(text)
    env = own_lecture_code(project)
    log = tmp_path / "runs.log"
    env["LECTUREDECK_RUN_LOG"] = str(log)
    return env, log


@pytest.fixture()
def deck(project, tmp_path):
    env, log = counted(project, tmp_path, DECK)
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    assert runs(log) == ALL
    return project, env, log


def results(page: str) -> tuple:
    """What the deck shows of its build-time results: cell output, values, the quiz key."""
    soup = BeautifulSoup(page, "html.parser")
    return (
        [pre.get_text() for pre in soup.select(".live-output")],
        [span.get_text() for span in soup.select(".eval")],
        [o.get_text() for o in soup.select(".quiz-option") if o["data-correct"] == "1"],
        str(soup.select_one(".katex")),
        len(soup.select(".claim-mark")),
    )


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_prose_edit_runs_nothing(deck):
    project, env, log = deck
    page = project / "_build" / "slides" / "deck.html"
    before = page.read_text()
    edit(project / "slides" / "deck.rst", "Some text on slide one.", "Edited text.")
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    assert runs(log) == []
    after = page.read_text()
    assert "Edited text." in after
    assert results(after) == results(before)
    assert results(after)[0] == [
        "[0.2689414213699951, 0.7310585786300049]",
        "",  # the explorable's editor: no build output
        "'lecture_code.losses'",
        "last",
    ]


def test_a_module_edit_reruns_exactly_the_piece_that_imports_it(deck):
    project, env, log = deck
    module = project / "src" / "lecture_code" / "losses.py"
    module.write_text(module.read_text() + "\n# an edit\n")
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    # Only the cell on slide two imports it, and no later piece reads a name it touched.
    assert runs(log) == ["cell"]


def test_an_edit_to_a_module_no_piece_imports_runs_nothing(deck):
    project, env, log = deck
    module = project / "src" / "lecture_code" / "language.py"
    module.write_text(module.read_text() + "\n# an edit\n")
    assert run_build(project, env=env).returncode == 0
    assert runs(log) == []


def test_an_edit_to_softmax_reruns_every_piece_that_uses_it_and_no_other(deck):
    project, env, log = deck
    module = project / "src" / "lecture_code" / "reductions.py"
    edit(module, "return [e / total for e in exps]", "return [round(e / total, 3) for e in exps]")
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    # The first cell, the key, both values and the grid (its figure calls softmax) use it;
    # the losses cell, the ReLU claim and the last cell neither import it nor read their state.
    assert runs(log) == ["cell", "quiz key", "eval", "explorable", "eval"]
    assert "[0.269, 0.731]" in (project / "_build" / "slides" / "deck.html").read_text()


def test_a_changed_cell_reruns_it_and_the_pieces_its_state_feeds(deck):
    project, env, log = deck
    edit(project / "slides" / "deck.rst", "losses.__name__", "losses.__name__.upper()")
    assert run_build(project, env=env).returncode == 0
    assert runs(log) == ["cell"]  # no later piece reads `losses`
    edit(project / "slides" / "deck.rst", "softmax([1.0, 2.0])", "softmax([1.0, 3.0])")
    assert run_build(project, env=env).returncode == 0
    assert runs(log) == ["cell"]  # the others call softmax too, but share no state with it


def test_state_left_in_a_shared_module_is_replayed_before_a_rerun(project, tmp_path):
    """Cells share only module state: the seeding cell, cached, runs again for its state before
    the cell that draws from ``random`` and calls softmax reruns; the result is a full build's;
    the cell that shares nothing with either stays cached."""
    deck = (
        "Deck\n====\n\nSlide\n-----\n\n"
        ".. live-code::\n\n   import random\n   random.seed(3)\n\n"
        ".. live-code::\n\n   print('unrelated')\n\n"
        ".. live-code::\n\n   import random\n   from lecture_code import softmax\n"
        "   print(softmax([random.random(), 0.0]))\n"
    )
    env, log = counted(project, tmp_path, deck)
    assert run_build(project, env=env).returncode == 0
    assert runs(log) == ["cell"] * 3
    module = project / "src" / "lecture_code" / "reductions.py"
    edit(module, "return [e / total for e in exps]", "return [1.0 - e / total for e in exps]")
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    assert runs(log) == ["replay", "cell"]
    page = project / "_build" / "slides" / "deck.html"
    cached = results(page.read_text())[0]
    shutil.rmtree(project / CACHE_DIR)  # and an edit, so that the deck is read again
    edit(project / "slides" / "deck.rst", "Slide\n", "The slide\n")
    edit(project / "slides" / "deck.rst", "-----\n", "---------\n")
    assert run_build(project, env=env).returncode == 0
    assert runs(log) == ["cell"] * 3
    assert results(page.read_text())[0] == cached


def test_later_pieces_see_the_state_earlier_cached_cells_left(project, tmp_path):
    """A cached cell that patches the package is run again before a later cell that reruns."""
    deck = (
        "Deck\n====\n\nSlide\n-----\n\n"
        ".. live-code::\n\n   import lecture_code\n   lecture_code.shared = 41\n\n"
        ".. live-code::\n\n   import lecture_code\n   lecture_code.shared + 1  # v1\n"
    )
    env, log = counted(project, tmp_path, deck)
    assert run_build(project, env=env).returncode == 0
    assert runs(log) == ["cell", "cell"]
    (project / "slides" / "deck.rst").write_text(deck.replace("# v1", "# v2"))
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    assert runs(log) == ["replay", "cell"]
    assert ">42</pre>" in (project / "_build" / "slides" / "deck.html").read_text()


def test_a_corrupt_entry_is_dropped_with_a_note_and_recomputed(deck):
    project, env, log = deck
    entries = sorted((project / CACHE_DIR).glob("*.json"))
    assert len(entries) == len(ALL)
    for entry in entries:
        entry.write_text("{not json")
    edit(project / "slides" / "deck.rst", "Some text on slide one.", "Edited text.")
    result = run_build(project, env=env)
    assert result.returncode == 0, result.stderr
    notes = [ln for ln in result.stderr.splitlines() if "is not a cached result" in ln]
    assert len(notes) == len(ALL), result.stderr
    assert notes[0].startswith("slides: note: ") and notes[0].endswith("; discarded")
    assert runs(log) == ALL
    assert all(json.loads(e.read_text())["reply"]["ok"] for e in entries)


def test_a_failing_cell_is_not_cached(project, tmp_path):
    deck = "Deck\n====\n\nSlide\n-----\n\n.. live-code::\n\n   1 / 0\n\n.. live-code::\n\n   2\n"
    env, log = counted(project, tmp_path, deck)
    for _ in range(2):
        result = run_build(project, env=env)
        assert result.returncode == 1
        assert "slides/deck.rst:9: error: live-code: ZeroDivisionError: division by zero" in (
            result.stderr
        )
        assert runs(log) == ["cell", "cell"]  # the failing cell, then its deck without cache
    assert list((project / CACHE_DIR).glob("*.json")) == []
