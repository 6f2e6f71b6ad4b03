"""Build tests: real Sphinx builds of small decks in a throwaway copy of the project."""

from __future__ import annotations

import re
import shutil

import pytest
from bs4 import BeautifulSoup
from deckfixtures import SEED, run_build

pytestmark = pytest.mark.build


def deck_html(project, name: str) -> BeautifulSoup:
    return BeautifulSoup(
        (project / "_build" / "slides" / f"{name}.html").read_text(), "html.parser"
    )


def test_seed_copied_unchanged_builds_with_no_warning(project):
    shutil.copyfile(SEED, project / "slides" / "seed.rst")
    result = run_build(project)
    assert (project / "slides" / "seed.rst").read_bytes() == SEED.read_bytes()  # left as written
    assert result.returncode == 0, result.stderr
    assert ": warning: " not in result.stderr and ": error: " not in result.stderr, result.stderr
    soup = deck_html(project, "seed")
    source = SEED.read_text()
    formulas = len(re.findall(r"^\.\. math::", source, re.M)) + source.count(":math:`")
    rendered = soup.select("div.math, span.math")
    assert len(rendered) == formulas
    assert all(m.select_one(".katex") for m in rendered)
    assert not soup.select(".math-error, .katex-error")
    # The legacy fragments directive keeps its three fragments.
    assert len(soup.select("li.fragment")) == 3
    # Legacy figs/ paths resolve to the project's top-level figs/.
    # Written for lazy loading: reveal.js sets src when the slide comes near.
    images = [img["data-src"] for img in soup.select("img")]
    assert len(images) == 3 and all(src.startswith("_images/") for src in images)
    for src in images:
        assert (project / "_build" / "slides" / src).stat().st_size > 0


def test_every_legacy_snake_case_directive_is_accepted(project):
    (project / "slides" / "legacy.rst").write_text(
        "Legacy\n======\n\n"
        "First\n-----\n\n.. revealjs_slide::\n   :theme: white\n\n"
        ".. revealjs_section::\n   :data-background-color: #eeeeee\n\n"
        "Before the break.\n\n.. revealjs_break::\n\nAfter the break.\n\n"
        ".. revealjs_vertical::\n\n"
        ".. revealjs_fragments::\n\n   * one\n   * two\n"
    )
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    soup = deck_html(project, "legacy")
    assert len(soup.select("li.fragment")) == 2
    assert soup.find("section", attrs={"data-background-color": "#eeeeee"})


def test_index_links_every_deck_by_title(project):
    for name, title in [("alpha", "First deck"), ("beta", "Second deck")]:
        (project / "slides" / f"{name}.rst").write_text(f"{title}\n{'=' * len(title)}\n\nHi.\n")
    assert run_build(project).returncode == 0
    links = {a.get_text(): a["href"] for a in deck_html(project, "index").select(".deck-index a")}
    assert links == {"First deck": "alpha.html", "Second deck": "beta.html"}
    # Dropping in a new deck is all it takes.
    (project / "slides" / "gamma.rst").write_text("Third deck\n==========\n\nHi.\n")
    assert run_build(project).returncode == 0
    links = {a.get_text() for a in deck_html(project, "index").select(".deck-index a")}
    assert links == {"First deck", "Second deck", "Third deck"}


GOOD = "Deck\n====\n\nSlide\n-----\n\nSome text.\n"
BROKEN = {
    "unknown directive": ("\n.. no-such-directive::\n\n   body\n", 9, "Unknown directive type"),
    "missing image": ("\n.. image:: figs/none/missing.png\n", 9, "image not found"),
    "math error": ("\n.. math::\n\n   \\frac{1}{\n", 11, "KaTeX parse error"),
    "bad list indentation": ("\n* one\n   * two\n  * three\n", 11, "unexpected unindent"),
}


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_broken_deck_fails_with_file_line_and_keeps_last_good_output(project, fault):
    deck = project / "slides" / "deck.rst"
    deck.write_text(GOOD)
    assert run_build(project).returncode == 0
    published = project / "_build" / "slides" / "deck.html"
    good_html = published.read_bytes()

    snippet, line, message = BROKEN[fault]
    deck.write_text(GOOD + snippet)
    result = run_build(project)
    assert result.returncode != 0
    located = [ln for ln in result.stderr.splitlines() if f"slides/deck.rst:{line}:" in ln]
    assert located and any(message in ln for ln in located), result.stderr
    assert "build FAILED" in result.stderr
    assert published.read_bytes() == good_html


def test_math_error_on_inline_role_names_its_line(project):
    (project / "slides" / "deck.rst").write_text(GOOD + "\nInline :math:`\\sqrt{x` here.\n")
    result = run_build(project)
    assert result.returncode != 0
    assert re.search(r"slides/deck\.rst:9: .*math: KaTeX parse error", result.stderr), result.stderr


def test_every_problem_is_listed_not_just_the_first(project):
    (project / "slides" / "deck.rst").write_text(
        GOOD + "\n.. math::\n\n   \\frac{1}{\n\n.. image:: nope.png\n"
    )
    result = run_build(project)
    assert result.returncode != 0
    assert "deck.rst:11:" in result.stderr and "deck.rst:13:" in result.stderr, result.stderr


def test_a_failed_build_fails_again_until_the_deck_is_fixed(project):
    deck = project / "slides" / "deck.rst"
    deck.write_text(GOOD)
    assert run_build(project).returncode == 0
    published = project / "_build" / "slides" / "deck.html"
    good_html = published.read_bytes()
    deck.write_text(GOOD + BROKEN["math error"][0])
    for _ in range(2):  # rebuilding with nothing changed must not publish the broken deck
        result = run_build(project)
        assert result.returncode != 0
        assert "slides/deck.rst:11:" in result.stderr and "KaTeX parse error" in result.stderr
        assert published.read_bytes() == good_html
    deck.write_text(GOOD.replace("Some text.", "Fixed."))
    assert run_build(project).returncode == 0
    assert "Fixed." in published.read_text()


def test_a_removed_deck_leaves_the_published_decks(project):
    for name in ("keep", "drop"):
        title = name.title()
        (project / "slides" / f"{name}.rst").write_text(f"{title}\n{'=' * len(title)}\n\nHi.\n")
    assert run_build(project).returncode == 0
    out = project / "_build" / "slides"
    assert (out / "drop.html").exists()
    (project / "slides" / "drop.rst").unlink()
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert not (out / "drop.html").exists()
    assert (out / "keep.html").exists()
    links = {a["href"] for a in deck_html(project, "index").select(".deck-index a")}
    assert links == {"keep.html"}


def test_every_content_slide_has_speaker_notes_of_two_to_four_sentences(built_decks):
    soup = BeautifulSoup((built_decks / "module4_4.html").read_text(), "html.parser")
    slides = [s for s in soup.select("section") if not s.find("section", recursive=False)]
    assert len(slides) >= 27
    for slide in slides:
        title = slide.find(["h1", "h2"]).get_text(strip=True)
        notes = slide.find("aside", class_="notes", recursive=False)
        assert notes is not None, f"slide {title!r} has no speaker notes"
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", notes.get_text(" ", strip=True)) if s]
        assert 2 <= len(sentences) <= 4, f"slide {title!r}: {len(sentences)} sentences of notes"


def test_the_first_slide_waits_for_no_chain_of_requests(built_decks):
    """The theme's font stylesheet and fonts are linked from the page itself, beside the theme
    (not found only once the theme's @import is read); every script but reveal.js's is deferred."""
    soup = BeautifulSoup((built_decks / "module4_4.html").read_text(), "html.parser")
    head = soup.head
    sheets = [link["href"] for link in head.find_all("link", rel="stylesheet")]
    font_css = "_static/revealjs/dist/theme/fonts/source-sans-pro/source-sans-pro.css"
    assert font_css in sheets and (built_decks / font_css).is_file()
    theme = (built_decks / "_static/revealjs/dist/theme/white.css").read_text()
    assert "@import url(./fonts/source-sans-pro/source-sans-pro.css)" in theme
    preloaded = [link["href"] for link in head.find_all("link", rel="preload")]
    assert all((built_decks / href).is_file() for href in preloaded) and len(preloaded) == 4
    assert all(script.get("defer") for script in head.find_all("script", src=True))
    # Python loads only once the deck has shown its first slide, and never from the page's head.
    assert not any("pyodide" in (s.get("src") or "") for s in soup.find_all("script"))
