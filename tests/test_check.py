"""The deck check in Chromium: it catches every fault planted in a fixture deck, passes a clean
deck, and the speaker view shows the current slide's notes."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pytest

from lecturedeck.commands import browser, check

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def decks(fault_decks) -> Path:
    return fault_decks


@pytest.fixture(scope="module")
def fault_report(decks, chromium) -> tuple[int, list[check.Finding]]:
    return check.run(decks, ["faults"], chromium=chromium)


def by_title(findings: list[check.Finding]) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        kinds[f.title].add(f.kind)
    return kinds


def test_check_passes_a_clean_deck_and_the_index(decks, chromium):
    total, findings = check.run(decks, ["index", "clean.html"], chromium=chromium)
    assert findings == []
    assert total == 1 + 4  # the index is one slide; clean.rst a title slide and 3 more


def test_code_on_a_dark_slide_stays_readable(decks, chromium):
    """A ported deck's slide with a dark background and a code block passes the audit."""
    total, findings = check.run(decks, ["dark.html"], chromium=chromium)
    assert (total, findings) == (2, [])


def test_check_catches_each_planted_fault_on_its_slide(fault_report):
    total, findings = fault_report
    assert total == 12
    kinds = by_title(findings)
    assert kinds["Overflow"] == {"overflow"}
    assert kinds["Broken image"] == {"image", "request"}
    assert kinds["Missing alt"] == {"a11y"}  # axe's image-alt
    assert kinds["Low contrast"] == {"a11y"}
    assert kinds["Dark on dark"] == {"a11y"}  # against the slide's own background
    assert kinds["Math error"] == {"math"}
    assert kinds["Raw TeX"] == {"tex"}
    assert kinds["External request"] == {"network"}
    assert kinds["Tiny text"] == {"text-size"}
    assert kinds["Console error"] == {"console"}
    assert "Fine slide" not in kinds and "Faulty deck" not in kinds
    assert all(f.deck == "faults.html" and f.number > 0 for f in findings)
    numbers = {f.title: f.number for f in findings}
    assert numbers["Overflow"] == 3 and numbers["Console error"] == 10


def test_check_reports_external_requests_without_the_network(fault_report):
    _, findings = fault_report
    external = [f for f in findings if f.kind == "network"]
    assert [f.title for f in external] == ["External request"]
    assert external[0].message == "needs the network (blocked here): http://example.invalid/x.png"
    broken = [f for f in findings if f.kind == "request" and "no-such-figure" in f.message]
    assert broken and "404" in broken[0].message


def test_check_messages_say_what_is_wrong(fault_report):
    _, findings = fault_report
    message = {f.kind: f.message for f in findings}
    assert "by " in message["overflow"] and "bottom" in message["overflow"]
    assert "\\frax" in message["math"]
    assert "\\begin{aligned}" in message["tex"]
    assert "minimum 14" in message["text-size"] and "footnote" in message["text-size"]
    assert "planted console error" in message["console"]
    a11y = {f.title: f.message for f in findings if f.kind == "a11y"}
    assert a11y["Missing alt"].startswith("critical image-alt: ")
    assert a11y["Low contrast"].startswith("serious color-contrast: ")
    assert "#c8c8c8" in a11y["Low contrast"]
    assert a11y["Dark on dark"].startswith("serious color-contrast: ")
    assert "#444444" in a11y["Dark on dark"] and "#1a1a1a" in a11y["Dark on dark"]


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lecturedeck.commands.check", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_command_prints_a_table_and_fails_on_findings(decks):
    result = run_check("--out", str(decks), "faults")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    header, rule, *rows = out.splitlines()
    assert header.split() == ["deck", "slide", "title", "kind", "finding"]
    assert any(r.startswith("faults.html") and "Overflow" in r and "overflow" in r for r in rows)
    assert "finding(s)" in rows[-1]


def test_media_that_need_the_network_are_listed_per_slide_but_do_not_fail(decks):
    result = run_check("--out", str(decks), "remote")
    assert result.returncode == 0, result.stdout + result.stderr
    header, rule, *rows = result.stdout.splitlines()
    assert rows[0].split()[:4] == ["remote.html", "2", "A", "video"]
    assert (
        "network  needs the network (blocked here): http://example.invalid/embed/video" in rows[0]
    )
    assert rows[-1].startswith("check: 2 slide(s) in 1 deck(s), no findings; 1 slide(s) need")


def test_check_reads_the_deck_size_from_its_config(decks, chromium):
    with browser.serve(decks) as base:
        page = chromium.new_page(viewport={"width": 800, "height": 600})
        try:
            info = browser.open_deck(page, f"{base}/clean.html")
            assert (info["width"], info["height"]) == (1280, 720)
            assert page.viewport_size == {"width": 1280, "height": 720}
            shown = browser.show_slide(page, 3)
            assert shown == {"number": 4, "title": "Fragments"}
            hidden = page.locator(".present .fragment:not(.visible)").count()
            assert hidden == 0 and page.locator(".present .fragment.visible").count() == 3
        finally:
            page.close()


def test_speaker_view_shows_the_current_slides_notes(decks, chromium):
    with browser.serve(decks) as base:
        context = chromium.new_context(viewport={"width": 1280, "height": 720})
        try:
            page = context.new_page()
            page.goto(f"{base}/clean.html#/1")
            browser.wait_for_deck(page)
            assert page.locator(".present h2").inner_text() == "A formula"
            with context.expect_page() as popup:
                page.keyboard.press("s")
            speaker = popup.value
            notes = speaker.locator(".speaker-controls-notes .value")
            notes.filter(has_text="NOTE-SIGMOID").wait_for(timeout=15000)
            assert "sigma of zero is one half" in notes.inner_text()
            # The speaker view follows the deck.
            page.bring_to_front()
            page.evaluate("Reveal.slide(3, 0)")
            notes.filter(has_text="NOTE-FRAGMENTS").wait_for(timeout=15000)
        finally:
            context.close()


def test_real_decks_pass_the_check(built_decks, chromium):
    total, findings = check.run(built_decks, chromium=chromium)
    assert total > 27
    assert findings == [], "\n" + check.table(findings)


def test_check_says_how_to_install_axe_when_it_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"axe-core is not installed .*make setup"):
        check.find_axe(tmp_path / "project" / "_build" / "slides")


def test_moderate_accessibility_advice_is_listed_without_failing():
    found = check.axe_findings(
        [
            {
                "id": "region",
                "impact": "moderate",
                "help": "In landmarks",
                "targets": ["p"],
                "detail": "",
            },
            {
                "id": "color-contrast",
                "impact": "serious",
                "help": "Contrast",
                "targets": ["a", "b", "c"],
                "detail": "ratio 2.1",
            },
        ],
        "d.html",
        3,
        "T",
    )
    assert [f.kind for f in found] == ["a11y-note", "a11y"]
    assert "a11y-note" in check.NOTICES and "a11y" not in check.NOTICES
    assert found[1].message == "serious color-contrast: Contrast: a, b (+1 more); ratio 2.1"


@contextmanager
def clean_deck_with_axe(decks, chromium):
    """A page on the clean deck, axe-core loaded into it, for one audit at a time."""
    with browser.serve(decks) as base:
        page = chromium.new_page()
        try:
            browser.open_deck(page, f"{base}/clean.html")
            page.add_script_tag(path=str(check.find_axe(decks)))
            yield page
        finally:
            page.close()


def test_a_slides_audit_puts_every_other_slide_back_where_it_was(decks, chromium):
    with clean_deck_with_axe(decks, chromium) as page:
        deck = "['.slides', '.backgrounds'].map(s => document.querySelector('.reveal ' + s))"
        deck += ".map(e => e.innerHTML)"
        for index, whole in ((0, True), (1, False)):  # the page once, then a slide
            browser.show_slide(page, index)
            shown = page.evaluate(deck)
            violations = page.evaluate(check.AXE_JS, {"index": index, "whole": whole})
            assert violations == []
            assert page.evaluate(deck) == shown
            assert page.evaluate("Reveal.getSlides().length") == 4


def test_the_page_is_audited_once_with_the_first_slide(decks, chromium):
    """The page's own faults (here, no language on <html>) are found with the first slide,
    and not again with every other."""
    with clean_deck_with_axe(decks, chromium) as page:
        page.evaluate("document.documentElement.removeAttribute('lang')")
        found = []
        for index in range(page.evaluate("Reveal.getSlides().length")):
            browser.show_slide(page, index)
            audit = {"index": index, "whole": index == 0}
            found.append([v["id"] for v in page.evaluate(check.AXE_JS, audit)])
        assert found == [["html-has-lang"], [], [], []]


def test_only_the_served_decks_own_urls_count_as_local():
    """The route that blocks and lists other machines' URLs spares the decks' own, only."""
    base = "http://127.0.0.1:8123"
    remote = re.compile(check.REMOTE.format(base=re.escape(base)))
    local = [base, f"{base}/", f"{base}/m.html?x#y", f"{base}?q", "data:image/png;base64,", "blob:"]
    elsewhere = [
        "http://127.0.0.1:81234/",  # another port that starts with this one
        "http://127.0.0.1:8123.example.org/",  # a host name that starts with the address
        "https://127.0.0.1:8123/",
        "http://example.invalid/x.png",
    ]
    assert [u for u in local if remote.search(u)] == []
    assert [u for u in elsewhere if not remote.search(u)] == []
