"""The Module 4.4 deck in Chromium, served on loopback: slides, images, math, no network."""

from __future__ import annotations

import re

import pytest
from deckfixtures import ROOT, SEED, go_to_cell

pytestmark = pytest.mark.browser

DECK = "module4_4.html"


def visit_every_slide(page) -> int:
    total = page.evaluate("Reveal.getTotalSlides()")
    for index in range(total):
        page.evaluate(
            "i => { const s = Reveal.getIndices(Reveal.getSlides()[i]); Reveal.slide(s.h, s.v); }",
            index,
        )
    return total


def test_deck_has_every_seed_slide_and_all_images_load(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    total = visit_every_slide(page)
    seed_titles = re.findall(r"^(.+)\n[-=]{3,}\s*$", SEED.read_text(), re.M)
    assert total >= len(seed_titles) >= 27
    titles = page.eval_on_selector_all(
        ".slides section h1, .slides section h2",
        "els => els.map(e => e.textContent.trim().replace('\u2019', \"'\"))",
    )
    # Every seed slide is there, in the seed's order (the deck adds slides between them).
    # One deliberate edit: the seed's typo "Altenative" is corrected on the slide.
    position = 0
    for title in seed_titles:
        wanted = title.strip().replace("Altenative", "Alternative")
        assert wanted in titles[position:], f"{wanted!r} missing or out of order"
        position = titles.index(wanted, position) + 1
    # Images load lazily as their slides come near; after visiting every slide, all have.
    page.wait_for_function("[...document.images].every(i => i.src && i.complete)")
    images = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0}))"
    )
    assert len(images) >= 3
    assert [i["src"] for i in images if not i["ok"]] == []
    assert watch.external == [] and watch.failed == [] and watch.errors == []


def test_every_formula_is_rendered_and_no_raw_tex_shows(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    source = (ROOT / "slides" / "module4_4.rst").read_text()
    formulas = len(re.findall(r"^\s*\.\. math::", source, re.M)) + source.count(":math:`")
    seed = SEED.read_text()
    assert formulas >= len(re.findall(r"^\.\. math::", seed, re.M)) + seed.count(":math:`")
    rendered = page.eval_on_selector_all(
        "div.math, span.math", "els => els.filter(e => e.querySelector('.katex-html')).length"
    )
    assert rendered == formulas
    assert page.locator(".katex-error, .math-error").count() == 0
    visible_text = page.evaluate(
        """() => { const body = document.body.cloneNode(true);
                   body.querySelectorAll('.katex-mathml, script, style, aside.notes')
                       .forEach(e => e.remove());
                   return body.textContent; }"""
    )
    assert "\\text{" not in visible_text and "\\begin{" not in visible_text
    assert watch.external == [] and watch.errors == []


def test_index_links_the_deck(deck_page):
    open_deck, page, watch = deck_page
    open_deck("index.html")
    hrefs = page.eval_on_selector_all(".deck-index a", "as => as.map(a => a.getAttribute('href'))")
    assert DECK in hrefs
    page.click(f".deck-index a[href='{DECK}']")
    page.wait_for_url(f"**/{DECK}*")
    assert watch.external == [] and watch.errors == []


def test_a_quiz_is_answered_and_announced_with_the_keyboard_alone(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    page.evaluate(
        "() => { const s = Reveal.getSlides().find(s => s.querySelector('.quiz'));"
        " const i = Reveal.getIndices(s); Reveal.slide(i.h, i.v); }"
    )
    quiz = page.locator(".present .quiz").first
    live = quiz.locator(".quiz-feedback")
    assert live.get_attribute("aria-live") == "polite" and live.inner_text() == ""
    right = quiz.locator(".quiz-option[data-correct='1']").first.inner_text()
    for _ in range(40):  # Tab through the page until an option of this quiz has focus
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement.classList.contains('quiz-option') && "
            "document.activeElement.closest('.quiz') === document.querySelector('.present .quiz')"
        )
        if focused and page.evaluate("() => document.activeElement.innerText") == right:
            break
    else:
        raise AssertionError("Tab never reached the right option of the quiz")
    page.keyboard.press("Enter")
    assert live.inner_text() == "Right!"
    assert page.evaluate("() => document.activeElement.getAttribute('aria-pressed')") == "true"
    assert watch.errors == []


def test_tab_indents_in_a_cell_and_esc_hands_the_keyboard_back(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    cell = go_to_cell(page, "softmax")
    source = cell.locator("textarea.live-source")
    before = source.input_value()
    for _ in range(20):  # Tab from the top of the slide until the cell's code has focus
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('live-source')"):
            break
    else:
        raise AssertionError("Tab never reached the cell's code")
    page.keyboard.press("Control+End")
    page.keyboard.press("Tab")
    assert source.input_value() == before + "    "
    assert page.evaluate("() => document.activeElement.classList.contains('live-source')")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert not page.evaluate("() => document.activeElement.classList.contains('live-source')")
    assert "Esc leaves the cell" in source.get_attribute("aria-label")
