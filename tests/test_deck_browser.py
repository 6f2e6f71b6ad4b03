"""The Module 4.4 deck in Chromium, served on loopback: slides, images, math, no network."""

from __future__ import annotations

import re

import pytest
from deckfixtures import ROOT, SEED

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
