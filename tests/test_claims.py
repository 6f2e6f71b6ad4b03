r"""Values and claims: ``:eval:`` (and ``\eval{}`` in math) and ``claim``, built and linted.

Two decks are built once each: one with a value in every place a value can go and with
claims, one with every kind of failure, each at a line computed from the fixture text.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from deckfixtures import ROOT, run_build

from lecture_code import softmax
from lecturedeck.commands import lint_slides, notebooks
from lecturedeck.project import copy_project
from lecturedeck.sphinxext.evalrole import FieldError, fstring, math_fields, tex_text

GOOD = r"""
Values :eval:`sigmoid(0.0):.1f`
===============================

Max is :eval:`max_reduce([1.0, 3.0])`
-------------------------------------

The first share is :eval:`softmax([2.0, 1.0, 0.1])[0]:.3f`, a dict gives :eval:`{1: 2}[1]`,
a string :eval:`"a:b"!r` and a lambda :eval:`(lambda x: x + 1)(2):>4`.

* a list item: :eval:`relu(-2.0)`

===== =============================
what  value
===== =============================
max   :eval:`maximum(1.0, 2.0)`
===== =============================

.. math::

   \sigma(0) = \eval{sigmoid(0.0):.2f}, \quad \eval{0.25:.0%}

Inline math: :math:`s = \eval{softmax([0.0, 0.0])[0]}`.

.. revealjs-notes::

   The notes say :eval:`sigmoid(0.0):.3f`. Nothing else.

Claims
------

.. claim:: Step is the derivative of ReLU.
   :check: all(step(x) == relu_back(x, 1.0) for x in (-2.0, -0.5, 0.5, 3.0))

.. claim:: Sigmoid is two-class softmax at :math:`x = \eval{2.0:.0f}`.
   :check: math.isclose(sigmoid(2.0),
           softmax([2.0, 0.0])[0])

.. revealjs-notes::

   Two claims on one slide.

A claim and no notes
--------------------

.. claim:: Softmax ignores a shift.
   :check: softmax([1.0, 2.0]) == softmax([101.0, 102.0])

Written on purpose: Python :num:`3.11`.
"""

BAD = r"""
Bad
===

Errors
------

A paragraph whose second line
fails: :eval:`softmax([])[0]:.3f`.

* :eval:`1 / 0`

===== ===============
a     b
===== ===============
x     :eval:`[][1]`
===== ===============

.. math::

   a = 1 \\
   b = \eval{relu("x")}

Inline :math:`c = \eval{nosuch}`.

Unclosed :math:`d = \eval{f(1)`.

.. claim:: False over elements.
   :check: all(step(x) == relu_back(x, 2.0) for x in (-1.0, 0.5, 2.0))

.. claim:: False comparison.
   :check: sigmoid(0.0) == 0.4

.. claim:: Raises.
   :check: softmax([])[0] > 0

.. claim:: Not a bool.
   :check: softmax([1.0])

.. claim:: Runs for ever.
   :check: all(True for _ in iter(int, 1))

.. revealjs-notes::

   Notes :eval:`relu("a")`.

Title :eval:`1 +`
-----------------

Not one field: :eval:`x}{y`, and one that hangs: :eval:`sum(1 for _ in iter(int, 1))`.
"""

# In BAD, what each line says: a piece of the line, and a piece of its error.
BAD_ERRORS = [
    ("fails: :eval:", "eval: softmax([])[0]:.3f raised ValueError: softmax: xs must not be empty"),
    ("* :eval:`1 / 0`", "eval: 1 / 0 raised ZeroDivisionError: division by zero"),
    ("x     :eval:", "eval: [][1] raised IndexError: list index out of range"),
    (r"b = \eval", "eval: relu(\"x\") raised TypeError: relu: x must be a number, got 'x'"),
    ("Inline :math:", "eval: nosuch raised NameError: name 'nosuch' is not defined"),
    ("Unclosed :math:", r"eval: no } closes \eval{f(1)"),
    (
        ".. claim:: False over elements.",
        'claim "False over elements." is false: step(x) == relu_back(x, 2.0) is False for '
        "x = 0.5: step(x) = 1.0, relu_back(x, 2.0) = 2.0",
    ),
    (
        ".. claim:: False comparison.",
        'claim "False comparison." is false: sigmoid(0.0) == 0.4 is False: sigmoid(0.0) = 0.5',
    ),
    (
        ".. claim:: Raises.",
        'claim "Raises.": its check softmax([])[0] > 0 raised ValueError: softmax: xs must not',
    ),
    (
        ".. claim:: Not a bool.",
        'claim "Not a bool.": its check must be True or False, but softmax([1.0]) is [1.0]',
    ),
    (
        ".. claim:: Runs for ever.",
        'claim "Runs for ever.": its check all(True for _ in iter(int, 1)) timed out after 1 s',
    ),
    ("Notes :eval:", "eval: relu(\"a\") raised TypeError: relu: x must be a number, got 'a'"),
    ("Title :eval:", "eval: cannot read 1 + as an f-string replacement field"),
    ("Not one field", "eval: x}{y is not one replacement field"),
    ("Not one field", "eval: sum(1 for _ in iter(int, 1)) timed out after 1 s"),
]


def line_of(text: str, piece: str) -> int:
    """The 1-based line of ``text`` where ``piece`` first appears."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if piece in line)


def new_project(folder: Path, decks: dict[str, str], conf: str = "") -> Path:
    """A throwaway project with these decks (no figures: the decks use none)."""
    project = copy_project(ROOT, folder, ("conf.py", "package-lock.json", "slides/index.rst"))
    (project / "src").mkdir()
    if conf:
        (project / "conf.py").write_text((project / "conf.py").read_text() + conf)
    for name, text in decks.items():
        (project / "slides" / f"{name}.rst").write_text(text)
    return project


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with the GOOD deck, built, and its notebooks written."""
    project = new_project(tmp_path_factory.mktemp("claims") / "good", {"deck": GOOD})
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert ": error: " not in result.stderr and ": warning: " not in result.stderr, result.stderr
    notebooks.run(project)
    return project


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory: pytest.TempPathFactory):
    """The BAD deck's build, with a one-second time limit: its result."""
    folder = tmp_path_factory.mktemp("claims") / "bad"
    project = new_project(folder, {"bad": BAD}, "\nlecturedeck_cell_timeout = 1.0\n")
    return run_build(project)


def deck(project: Path, name: str = "deck") -> BeautifulSoup:
    return BeautifulSoup((project / "_build/slides" / f"{name}.html").read_text(), "html.parser")


def slide(soup: BeautifulSoup, title: str):
    """The ``<section>`` of the slide with this title."""
    heading = next(h for h in soup.select("h1, h2") if h.get_text().strip() == title)
    return heading.find_parent("section")


def notes(section) -> str:
    aside = section.find("aside", class_="notes", recursive=False)
    return aside.get_text() if aside else ""


# -- Reading a field ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("softmax([2.0, 1.0, 0.1])[0]:.3f", f"{0.6590011388859679:.3f}"),
        ("{1: 2}[1]", "2"),  # a ':' inside braces is the dict's, not the spec
        ("[1, 2, 3][1:]", "[2, 3]"),  # and inside brackets, a slice
        ('"a:b"!r', "'a:b'"),  # and inside a string
        ("(lambda x: x * 2)(3):>3", "  6"),  # and in a parenthesised lambda
        ("0.25:.0%", "25%"),
        ("'x'!a:>4", " 'x'"),
    ],
)
def test_a_field_is_read_as_python_reads_an_f_string(field, value):
    assert eval(fstring(field), {"softmax": softmax}) == value  # noqa: S307 - our own literals


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ("x}{y", "is not one replacement field"),
        ("x=", "is not one replacement field"),  # a debug field shows more than the value
        ("1 +", "cannot read 1 + as an f-string replacement field"),
        ("lambda x: x", "cannot read"),  # as in an f-string, a lambda needs parentheses
        ("", "nothing to evaluate"),
    ],
)
def test_what_is_not_one_field_is_refused(field, problem):
    with pytest.raises(FieldError, match=re.escape(problem)):
        fstring(field)


def test_math_fields_end_where_the_field_does_and_values_are_tex_text():
    tex = r"a = \eval{ {1: 2}[1]} + \eval{f(x)[0]:.2f}, \eval{'}'}"
    assert [field for _, _, field in math_fields(tex)] == [" {1: 2}[1]", "f(x)[0]:.2f", "'}'"]
    start, end, _ = math_fields(tex)[0]
    assert tex[start:end] == r"\eval{ {1: 2}[1]}"
    assert tex_text("25%") == r"25\%" and tex_text("a_b {c}") == r"a\_b \{c\}"
    assert math_fields(r"x = \eval{f(x)") == [(4, 14, None)]  # no "}" closes it: an error


# -- A value in each place ------------------------------------------------------------------------
def test_values_in_a_paragraph_a_list_and_a_table(good):
    page = slide(deck(good), "Max is 3.0")
    paragraph = page.find("p").get_text()
    assert "The first share is 0.659, a dict gives 2," in paragraph
    assert "a string 'a:b' and a lambda    3." in " ".join(paragraph.split("\n"))  # not ‘a:b’
    assert page.find("li").get_text().strip() == "a list item: 0.0"
    assert [td.get_text(strip=True) for td in page.select("td")] == ["max", "2.0"]
    assert page.find("p").select_one("span.eval").get_text() == "0.659"


def test_values_in_titles_the_deck_index_and_the_page_title(good):
    soup = deck(good)
    assert soup.find("h1").get_text().strip() == "Values 0.5"
    assert soup.find("h2").get_text().strip() == "Max is 3.0"
    assert soup.title.get_text().startswith("Values 0.5")
    index = deck(good, "index")
    assert [a.get_text() for a in index.select(".deck-index a")] == ["Values 0.5"]


def test_values_in_speaker_notes(good):
    said = notes(slide(deck(good), "Max is 3.0"))
    assert said.split() == "The notes say 0.500. Nothing else.".split()


def test_values_in_math_are_substituted_before_katex(good):
    soup = deck(good)
    tex = [a.get_text() for a in soup.select(".math annotation")]
    assert r"\sigma(0) = 0.50, \quad 25\%" in tex
    assert "s = 0.5" in tex and "x = 2" in tex
    assert not soup.select(".katex-error, .math-error")
    assert r"\eval" not in str(soup)


# -- Claims ---------------------------------------------------------------------------------------
def test_a_claim_shows_its_sentence_with_an_accessible_mark(good):
    claims = deck(good).select("p.claim")
    assert [c.get_text().replace("\N{CHECK MARK}", "").strip() for c in claims][0] == (
        "Step is the derivative of ReLU."
    )
    mark = claims[0].select_one("span.claim-mark")
    check = "all(step(x) == relu_back(x, 1.0) for x in (-2.0, -0.5, 0.5, 3.0))"
    assert mark.get_text() == "\N{CHECK MARK}" and mark["role"] == "img"
    assert mark["aria-label"] == f"checked at build time: {check}"
    assert claims[1].select_one(".katex")  # math and values work in the sentence


def test_a_claims_check_goes_into_its_slides_notes(good):
    soup = deck(good)
    said = notes(slide(soup, "Claims"))
    assert said.startswith("Two claims on one slide.")
    assert "Checked at build time: all(step(x) == relu_back(x, 1.0) for x in" in said
    # A check over several lines is shown on one.
    assert "Checked at build time: math.isclose(sigmoid(2.0), softmax([2.0, 0.0])[0])" in said
    # A slide without notes gets them, for its claim.
    assert "Python 3.11." in slide(soup, "A claim and no notes").get_text()
    assert notes(slide(soup, "A claim and no notes")).strip() == (
        "Checked at build time: softmax([1.0, 2.0]) == softmax([101.0, 102.0])"
    )


def test_each_failure_is_its_own_lines_error_and_never_a_traceback(bad_build):
    assert bad_build.returncode == 1
    errors = [ln for ln in bad_build.stderr.splitlines() if ": error: " in ln]
    for piece, message in BAD_ERRORS:
        where = f"slides/bad.rst:{line_of(BAD, piece)}: error: "
        assert any(ln.startswith(where) and message in ln for ln in errors), (where, message)
    assert len(errors) == len(BAD_ERRORS), "\n".join(errors)
    assert "Traceback" not in bad_build.stderr + bad_build.stdout


# -- Notebook -------------------------------------------------------------------------------------
def test_the_notebook_has_values_as_text_and_a_cell_that_checks_each_claim(good):
    nb = nbformat.read(good / "_build/notebooks/deck.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "# Values 0.5" in markdown and "## Max is 3.0" in markdown
    assert "The first share is 0.659, a dict gives 2," in markdown
    assert r"\sigma(0) = 0.50, \quad 25\%" in markdown
    assert ":eval:" not in markdown and r"\eval" not in markdown
    assert "notes say" not in markdown and "Checked at build time" not in markdown
    claims = [c for c in nb.cells if "claim" in c.metadata.get("tags", [])]
    assert len(claims) == 3 and all(c.outputs == [] for c in claims)
    first = claims[0].source.splitlines()
    assert first[1:] == [
        "from lecture_code import relu_back, step",
        "assert all(step(x) == relu_back(x, 1.0) for x in (-2.0, -0.5, 0.5, 3.0)), "
        "'Step is the derivative of ReLU.'",
    ]
    assert "import math" in claims[1].source
    above = nb.cells[nb.cells.index(claims[0]) - 1].source
    assert above.endswith("Step is the derivative of ReLU. *(checked by the code cell below)*")
    for cell in claims:  # each runs, and passes (the notebook tests run them in a kernel)
        exec(compile(cell.source, "<claim cell>", "exec"), {})  # noqa: S102


def test_a_claim_cell_fails_when_its_claim_would(good):
    nb = nbformat.read(good / "_build/notebooks/deck.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "claim" in c.metadata.get("tags", []))
    broken = cell.source.replace("relu_back(x, 1.0)", "relu_back(x, 2.0)")
    with pytest.raises(AssertionError, match="Step is the derivative of ReLU"):
        exec(compile(broken, "<claim cell>", "exec"), {})  # noqa: S102


# -- lint-slides ----------------------------------------------------------------------------------
LINTED = """\
Module 4.4 and 2.5
==================

Numbers
-------

The share is 0.62 here,
and on this line 1.5%. A version :num:`3.11` and a year 2026, a room B2.17, a
release 3.2.1, a value :eval:`softmax([2.0, 1.0])[0]:.2f` and :math:`x = 0.5` are fine.

.. code-block:: python

   x = 0.5

.. quiz:: Is it 0.5?
   :answer: sigmoid(0.0)

   * 0.5
   * 1

.. explorable:: lecture_code.explore.softmax_temperature
   :alt: A figure

   T: 0.1 to 5 step 0.1; default 1

.. revealjs-notes::

   Say 0.66 aloud.
"""


def test_lint_warns_about_typed_decimals_in_a_deck_that_runs_code(tmp_path):
    path = tmp_path / "deck.rst"
    path.write_text(LINTED)
    found = lint_slides.lint_file(path)
    assert all(f.warning for f in found)
    assert [(f.line, f.message.split(" ")[0]) for f in found] == [
        (line_of(LINTED, "0.62"), "0.62"),
        (line_of(LINTED, "1.5%"), "1.5"),
        (line_of(LINTED, "Say 0.66"), "0.66"),
    ]
    assert ":eval:" in found[0].message and ":num:`0.62`" in found[0].message
    assert str(found[0]).startswith(f"{path}:{line_of(LINTED, '0.62')}: warning: 0.62 ")
    # Warnings do not fail the check.
    assert lint_slides.main([str(tmp_path)]) == 0


def test_lint_leaves_decks_without_lecture_code_and_the_real_slides_alone(tmp_path):
    plain = tmp_path / "plain.rst"
    plain.write_text("Talk\n====\n\nSlide\n-----\n\nThe room is 0.62 and the share is 1.5.\n")
    assert lint_slides.lint_file(plain) == []
    (tmp_path / "good.rst").write_text(GOOD)  # every number in it is computed
    assert lint_slides.lint_file(tmp_path / "good.rst") == []
    real = lint_slides.sources([ROOT / "slides"])
    assert [f for path in real for f in lint_slides.lint_file(path)] == []
