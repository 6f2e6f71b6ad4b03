"""PDF handouts: one page per slide with its title, notes on their own pages, fonts embedded."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from test_check import build_fixture_decks

from lecturedeck import pdf

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def decks(tmp_path_factory, figs_ready):
    return build_fixture_decks(tmp_path_factory)


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


def slides(deck) -> list[tuple[str, str]]:
    """(title, notes) of each slide of a built deck, in order."""
    soup = BeautifulSoup(deck.read_text(), "html.parser")
    found = []
    for section in soup.select(".slides section"):
        if section.find("section"):
            continue  # a vertical stack, not a slide
        heading = section.find(["h1", "h2", "h3"])
        notes = section.find("aside", class_="notes")
        found.append((normal(heading.get_text()), normal(notes.get_text()) if notes else ""))
    return found


def page_texts(path) -> list[str]:
    return [normal(page.extract_text()) for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def handouts(decks, chromium, tmp_path_factory):
    """The fixture decks printed without and with notes."""
    out = tmp_path_factory.mktemp("pdf")
    plain = pdf.run(decks, out / "plain", ["clean", "cells"], chromium=chromium)
    notes = pdf.run(decks, out / "notes", ["clean", "cells"], notes=True, chromium=chromium)
    return {p.stem: p for p in plain}, {p.stem: p for p in notes}


def test_one_page_per_slide_each_with_its_title(decks, handouts):
    plain, _ = handouts
    for name in ("clean", "cells"):
        expected = slides(decks / f"{name}.html")
        texts = page_texts(plain[name])
        assert len(texts) == len(expected)
        for (title, _notes), text in zip(expected, texts, strict=True):
            assert title in text


def test_fragments_print_complete_and_notes_stay_out(decks, handouts):
    plain, _ = handouts
    text = " ".join(page_texts(plain["clean"]))
    assert all(f"FRAGMENT-{n}" in text for n in ("ONE", "TWO", "THREE"))
    assert "NOTE-SIGMOID" not in text


def test_notes_go_on_a_page_after_their_slide(decks, handouts):
    _, with_notes = handouts
    expected = slides(decks / "clean.html")
    texts = page_texts(with_notes["clean"])
    assert len(texts) == len(expected) + sum(1 for _, notes in expected if notes)
    pages = iter(texts)
    for title, notes in expected:
        assert title in next(pages)
        if notes:
            assert notes in next(pages)
    assert any("NOTE-SIGMOID" in t for t in texts)


def test_live_cells_print_their_build_time_output(handouts):
    plain, _ = handouts
    text = " ".join(page_texts(plain["cells"]))
    assert "BUILD-OUTPUT" in text
    assert "Run" not in text  # paper has no Run button


def fonts_of(pdf_path):
    """Every font dictionary used by any page."""
    fonts = []
    for page in PdfReader(pdf_path).pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            fonts.append(font.get_object())
    return fonts


def test_fonts_and_images_are_embedded(handouts):
    plain, _ = handouts
    fonts = fonts_of(plain["clean"])
    assert fonts
    for font in fonts:
        descriptor = font.get("/FontDescriptor")
        if descriptor is None:  # Type0: the descriptor is on the descendant font
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    names = " ".join(str(f.get("/BaseFont")) for f in fonts)
    assert "KaTeX" in names  # the formula is typeset with KaTeX's own fonts
    reader = PdfReader(plain["clean"])
    figure_page = reader.pages[2]  # "A figure"
    assert figure_page.images, "the figure is not in the PDF"


def test_pdf_command_skips_the_index_and_writes_atomically(decks, tmp_path):
    target = tmp_path / "pdf"
    result = subprocess.run(
        [sys.executable, "-m", "lecturedeck.pdf", "--out", str(decks), "--pdf", str(target)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in target.iterdir())
    assert written == ["cells.pdf", "clean.pdf", "faults.pdf"]  # no index.pdf, no leftovers
    assert re.search(r"clean\.pdf 4 page\(s\) in \d+\.\d s", result.stdout)
