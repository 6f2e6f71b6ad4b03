"""Decks written by other instructors, for older toolchains: each pattern builds as meant.

One fixture deck per pattern, built with `make slides`' build step in a throwaway project.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from deckfixtures import changed_files, run_build, snapshot
from PIL import Image

from lecture_code import softmax

pytestmark = pytest.mark.build

# A line of the build's report: `file:line: error|warning: message`.
REPORT_LINE = re.compile(
    r"^(?P<file>[^:\s]+\.rst[i]?)(?::(?P<line>\d+))?: (?P<kind>error|warning): "
)


def reports(stderr: str, kind: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if (m := REPORT_LINE.match(ln)) and m["kind"] == kind]


def html(project: Path, name: str) -> BeautifulSoup:
    page = project / "_build" / "slides" / f"{name}.html"
    return BeautifulSoup(page.read_text(), "html.parser")


LEGACY = """\
Neural Networks
==============

Old-style slide
-------------

.. revealjs_fragments::

   * first
   * second

.. revealjs_break::

More
----

Text.
"""


def test_a_legacy_deck_with_a_short_underline_builds_and_only_warns(project):
    (project / "slides" / "legacy.rst").write_text(LEGACY)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    warned = reports(result.stderr, "warning")
    assert any(
        w.startswith("slides/legacy.rst:2: warning: Title underline too short") for w in warned
    )
    assert any(
        w.startswith("slides/legacy.rst:5: warning: Title underline too short") for w in warned
    )
    assert not reports(result.stderr, "error"), result.stderr
    page = html(project, "legacy")
    assert [li.get_text() for li in page.select("li.fragment")] == ["first", "second"]
    assert page.find("h2", string="Old-style slide") is not None


AUTODOC = """\
API on a slide
==============

Softmax
-------

.. autofunction:: lecture_code.softmax
"""


def test_autofunction_shows_the_lecture_codes_signature_and_docstring(project):
    (project / "slides" / "api.rst").write_text(AUTODOC)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    sig = html(project, "api").select_one("dt.sig")
    assert sig is not None and "softmax" in sig.get_text()
    first_doc_line = softmax.__doc__.strip().splitlines()[0]
    assert first_doc_line.split()[0] in html(project, "api").select_one("dd").get_text()


def test_two_decks_may_show_the_same_function(project):
    (project / "slides" / "api.rst").write_text(AUTODOC)
    (project / "slides" / "api2.rst").write_text(
        AUTODOC.replace("API on a slide", "Again on a slide")
    )
    result = run_build(project)
    assert result.returncode == 0, result.stderr


def test_autodoc_of_a_module_that_cannot_be_imported_names_it_at_its_line(project):
    (project / "slides" / "api.rst").write_text(AUTODOC + "\n.. autofunction:: nosuchmodule.f\n")
    result = run_build(project)
    assert result.returncode == 1
    line = [ln for ln in reports(result.stderr, "error") if ln.startswith("slides/api.rst:9: ")]
    assert line and "No module named 'nosuchmodule'" in line[0], result.stderr
    assert "Traceback" not in result.stderr


COURSE_INDEX = """\
Week 1
======

.. include:: _sections/intro.rst

.. include:: _sections/background.rst
"""
INTRO = """\
Intro
-----

Welcome.
"""
BACKGROUND = """\
.. revealjs-section::
   :data-background-image: {image}

Background
----------

A slide with a picture behind it.
"""
OTHER = "Week 2\n======\n\nSlide\n-----\n\nNo partials here.\n"


def course_with_partials(project: Path, image: str) -> Path:
    sections = project / "slides" / "_sections"
    sections.mkdir()
    (sections / "intro.rst").write_text(INTRO)
    (sections / "background.rst").write_text(BACKGROUND.format(image=image))
    (project / "slides" / "week1.rst").write_text(COURSE_INDEX)
    (project / "slides" / "week2.rst").write_text(OTHER)
    return sections


def test_partials_are_included_never_built_as_decks(project):
    course_with_partials(project, "figs/Graphs/sigmoid.png")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    out = project / "_build" / "slides"
    pages = sorted(p.relative_to(out).as_posix() for p in out.glob("**/*.html"))
    assert [p for p in pages if not p.startswith("_static/")] == [
        "index.html",
        "week1.html",
        "week2.html",
    ]
    listed = {a.get_text() for a in html(project, "index").select(".deck-index a")}
    assert listed == {"Week 1", "Week 2"}
    week1 = html(project, "week1")
    assert week1.find("h2", string="Intro") and week1.find("h2", string="Background")
    background = week1.find(attrs={"data-background-image": True})["data-background-image"]
    assert (out / background).is_file()


def test_a_missing_background_image_in_a_partial_is_an_error_at_its_line(project):
    course_with_partials(project, "figs/none/gone.png")
    result = run_build(project)
    assert result.returncode == 1
    errors = reports(result.stderr, "error")
    assert errors and errors[0].startswith(
        "slides/_sections/background.rst:1: error: background image not found: figs/none/gone.png"
    ), result.stderr
    assert "Traceback" not in result.stderr and "KeyError" not in result.stderr


def test_editing_a_partial_rebuilds_exactly_the_decks_that_include_it(project):
    sections = course_with_partials(project, "figs/Graphs/sigmoid.png")
    assert run_build(project).returncode == 0
    out = project / "_build" / "slides"
    before = snapshot(out)
    (sections / "intro.rst").write_text(INTRO.replace("Welcome.", "Welcome back."))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    after = snapshot(out)
    assert {p for p in changed_files(before, after) if p.endswith(".html")} == {"week1.html"}
    assert "Welcome back." in html(project, "week1").get_text()
    again = run_build(project)
    assert again.returncode == 0 and "up to date" in again.stdout
    assert not changed_files(after, snapshot(out))


RAW_THEME = """\
Themed
======

.. raw:: html

   <link rel="stylesheet" href="_static/revealjs/css/theme/{theme}.css">

Slide
-----

Text.
"""


def test_a_reveal3_theme_link_is_mapped_to_the_bundled_theme(project):
    (project / "slides" / "themed.rst").write_text(RAW_THEME.format(theme="simple"))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    out = project / "_build" / "slides"
    links = [link["href"] for link in html(project, "themed").select("link[rel=stylesheet]")]
    mapped = [h for h in links if h.endswith("/theme/simple.css")]
    assert mapped == ["_static/revealjs/dist/theme/simple.css"]
    assert (out / mapped[0]).is_file()


def test_a_raw_html_link_to_a_file_the_build_lacks_fails_at_its_line(project):
    (project / "slides" / "themed.rst").write_text(RAW_THEME.format(theme="no-such-theme"))
    result = run_build(project)
    assert result.returncode == 1
    errors = reports(result.stderr, "error")
    assert errors and errors[0].startswith("slides/themed.rst:4: error: raw HTML <link> loads"), (
        result.stderr
    )
    assert "no-such-theme.css" in errors[0]


REMOTE = """\
Remote media
============

Slide
-----

.. image:: https://example.org/cat.png
   :alt: a cat

.. raw:: html

   <iframe src="https://www.youtube.com/embed/abc" title="video"></iframe>
"""


def test_media_that_need_the_network_are_listed_and_do_not_fail(project):
    (project / "slides" / "remote.rst").write_text(REMOTE)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    warned = reports(result.stderr, "warning")
    assert "slides/remote.rst:7: warning: needs the network: https://example.org/cat.png" in warned
    assert (
        "slides/remote.rst:10: warning: needs the network: https://www.youtube.com/embed/abc"
        in warned
    )


HANDMADE = """\
Ported course
=============

Slide
-----

.. image:: figs/Graphs/whiteboard.png
   :alt: a photo of the whiteboard
"""


def test_a_handmade_image_in_images_is_found_by_its_legacy_figs_path(project):
    (project / "images" / "Graphs").mkdir(parents=True)
    Image.new("RGB", (64, 48), "white").save(project / "images" / "Graphs" / "whiteboard.png")
    (project / "slides" / "ported.rst").write_text(HANDMADE)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    img = html(project, "ported").select_one("img[alt='a photo of the whiteboard']")
    published = project / "_build" / "slides" / img["data-src"]
    assert published.read_bytes() == (project / "images" / "Graphs" / "whiteboard.png").read_bytes()


def test_a_missing_image_says_where_it_looked(project):
    (project / "slides" / "ported.rst").write_text(HANDMADE)
    result = run_build(project)
    assert result.returncode == 1
    assert (
        "slides/ported.rst:7: error: image not found: figs/Graphs/whiteboard.png "
        "(looked in slides/figs/Graphs/, figs/Graphs/, images/Graphs/)"
    ) in result.stderr.splitlines()
