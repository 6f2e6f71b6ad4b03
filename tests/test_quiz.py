"""Quizzes: answer keys computed at build time, checked for exactly one match, clickable."""

from __future__ import annotations

import math

import pytest
from bs4 import BeautifulSoup
from deckfixtures import run_build

from lecture_code import sigmoid, softmax
from lecturedeck.sphinxext.quiz import option_matches


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("0.73", sigmoid(1.0), True),  # rounds to the written decimals
        ("0.7", sigmoid(1.0), True),
        ("0.74", sigmoid(1.0), False),
        ("1", sigmoid(1.0), False),  # an integer option must be exact
        ("0", 0.0, True),
        ("[0.25, 0.75]", softmax([0.0, math.log(3)]), True),
        ("[0, 1]", softmax([0.0, math.log(3)]), False),
        ("[0.25, 0.75, 0]", softmax([0.0, math.log(3)]), False),
        ("1e-3", 0.0010004, True),
        ("uniform", "uniform", True),
        ("(1, 2)", (1.0, 2.0), True),
    ],
)
def test_option_matching(text, value, expected):
    assert option_matches(text, value) is expected


def quiz_deck(project, answer: str, options: list[str]) -> None:
    items = "".join(f"   * {o}\n" for o in options)
    (project / "slides" / "deck.rst").write_text(
        f"Deck\n====\n\nQuiz\n----\n\n.. quiz:: What is it?\n   :answer: {answer}\n\n{items}"
    )


def test_the_right_option_is_computed_from_lecture_code(project):
    quiz_deck(
        project, "softmax([0.0, math.log(3)])", ["[0.5, 0.5]", "[0.25, 0.75]", "[0.75, 0.25]"]
    )
    assert run_build(project).returncode == 0
    soup = BeautifulSoup((project / "_build/slides/deck.html").read_text(), "html.parser")
    options = soup.select(".quiz-option")
    expected = softmax([0.0, math.log(3)])
    flags = [o["data-correct"] == "1" for o in options]
    assert (
        flags == [option_matches(o.get_text(), expected) for o in options] == [False, True, False]
    )
    assert "fragment" in soup.select_one(".quiz-answer")["class"]


@pytest.mark.parametrize(
    ("answer", "options", "problem"),
    [
        ("sigmoid(0.0)", ["0", "1", "2"], "but no option match"),
        ("sigmoid(0.0)", ["0.5", "0.50", "1"], "but 2 options (0.5, 0.50) match"),
        ("softmax([])", ["0", "1"], "raised ValueError: softmax: xs must not be empty"),
        ("no_such_name(1)", ["0", "1"], "raised NameError"),
    ],
)
def test_a_wrong_or_ambiguous_key_fails_the_build_at_the_quiz(project, answer, options, problem):
    quiz_deck(project, answer, options)
    result = run_build(project)
    assert result.returncode != 0
    line = [ln for ln in result.stderr.splitlines() if "slides/deck.rst:7:" in ln]
    assert line and problem in line[0], result.stderr


@pytest.mark.browser
def test_clicking_a_wrong_then_the_right_option_gives_feedback(deck_page):
    open_deck, page, watch = deck_page
    open_deck("module4_4.html")
    quiz = page.locator(".quiz").first
    page.evaluate(
        "q => { const i = Reveal.getIndices(q.closest('section')); Reveal.slide(i.h, i.v); }",
        quiz.element_handle(),
    )
    wrong = quiz.locator(".quiz-option[data-correct='0']").first
    right = quiz.locator(".quiz-option[data-correct='1']")
    wrong.click()
    assert "quiz-wrong" in wrong.get_attribute("class")
    assert quiz.locator(".quiz-feedback").inner_text() == "Not quite, try again"
    right.click()
    assert "quiz-right" in right.get_attribute("class")
    assert quiz.locator(".quiz-feedback").inner_text() == "Right!"
    # Presenting, advancing the fragments reveals the answer.
    assert not quiz.locator(".quiz-answer").evaluate("e => e.classList.contains('visible')")
    page.evaluate("Reveal.nextFragment()")
    assert quiz.locator(".quiz-answer").evaluate("e => e.classList.contains('visible')")
    assert watch.errors == []
