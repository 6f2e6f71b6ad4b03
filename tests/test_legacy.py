"""Courses written for older slide toolchains build as their toolchains drew them.

One fixture course per toolchain (``tests/roots/legacy/<toolchain>/``, each with the old
``conf.py``, which imports what is not installed here), copied under ``slides/`` as a ported
course is, and built once. Each deck's table lists its slides as the toolchain drew them:
title, classes, fragments, notes, and a piece of text each shows.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from deckfixtures import ROOT, make_project, run_build

from lecturedeck import courseconf
from lecturedeck.commands import browser, notebooks, pdf
from lecturedeck.project import deck_names
from lecturedeck.sphinxext.legacy import thirdparty

COURSES = ROOT / "tests" / "roots" / "legacy"
TOOLCHAINS = ["hieroglyph", "sphinxjp", "sphinxcontrib", "revealjs1", "patterns"]


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory, figs_ready: Path) -> tuple[Path, str]:
    """A project with every fixture course ported under slides/, built; and its report."""
    project = make_project(tmp_path_factory.mktemp("legacy") / "project", figs_ready)
    for name in TOOLCHAINS:
        shutil.copytree(COURSES / name, project / "slides" / name)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    return project, result.stderr


def out(project: Path) -> Path:
    return project / "_build" / "slides"


def slides(page: Path) -> list[dict]:
    """Each slide of a built deck, as reveal.js shows it (hidden slides left out)."""
    soup = BeautifulSoup(page.read_text(), "html.parser")
    found = []
    for stack in soup.select(".slides > section"):
        if stack.get("data-visibility") == "hidden":
            continue
        for slide in stack.find_all("section", recursive=False):
            if slide.get("data-visibility") == "hidden":
                continue
            heading = slide.find(["h1", "h2", "h3"], recursive=False)
            notes = slide.find("aside", class_="notes")
            found.append(
                {
                    "title": heading.get_text(" ", strip=True) if heading else "",
                    "level": heading.name if heading else None,
                    "classes": slide.get("class") or [],
                    "fragments": len(slide.select(".fragment")),
                    "notes": notes.get_text(" ", strip=True) if notes else "",
                    "text": slide.get_text(" ", strip=True),
                    "attrs": {k: v for k, v in slide.attrs.items() if k.startswith("data-")},
                    "id": slide.get("id"),
                    "html": str(slide),
                }
            )
    return found


def squeeze(text: str) -> str:
    """Text without its white space (highlighted code is split into spans)."""
    return re.sub(r"\s+", "", text)


# (title, classes, fragments, notes, a text the slide shows), per deck, in slide order.
EXPECTED = {
    "hieroglyph/talk": [
        ("Hieroglyph talk", ["lecturedeck-fill"], 0, "", "The title slide"),
        ("First section", [], 0, "", "The section’s own slide."),
        ("A level-three slide", [], 0, "", "Level four is content."),
        ("A level-three slide (2)", [], 0, "", "Continued once."),
        ("A level-three slide (3)", ["tight"], 3, "", "Continued twice."),
        ("A new title", [], 0, "", "With its own title."),
        ("Second section", [], 0, "Say this aloud.", "Shown on slides only."),
        ("An explicit slide", ["red-slide"], 0, "", "Inside the explicit slide."),
        ("Second section", [], 0, "", "After the explicit slide."),
        ("A classed section", ["segue"], 2, "", "Second block."),
    ],
    "hieroglyph/explicit": [
        ("Slide one", [], 0, "", "On slide one."),
        ("Slide two", ["quote"], 0, "", "On slide two."),
        ("A section that is a slide", ["include-as-slide"], 0, "", "Included as a slide."),
    ],
    "sphinxjp/deck": [
        ("Opening slide here", [], 1, "The speaker says this.", "The first slide."),
        ("Stack top", [], 0, "", 'if a < b: print("smaller")'),
        ("", [], 0, "", "Below, without a heading."),
        ("", [], 0, "", "Text between the slides."),
        ("Markdown slide", [], 0, "", "an emphasised item"),
    ],
    "sphinxcontrib/deck": [
        ("Builder talk", [], 0, "", "Welcome."),
        ("Part one", [], 0, "", "First words."),
        ("Part one", [], 0, "", "More words."),
        ("Part one", [], 0, "", "After a transition."),
        ("Part one continued", [], 0, "", "An appended title."),
        ("", ["interslide"], 0, "", "An interstitial."),
        ("Part one", [], 0, "Notes for part one.", "Back in part one."),
        ("A deeper part", [], 5, "", "An admonition stays visible."),
        ("Glide’s options", [], 0, "", ""),  # smart quotes, as Sphinx makes them
        ("A glide interslide", ["interslide"], 0, "", "Moved from glide."),
    ],
    "sphinxcontrib/second": [  # its course's conf.py: source_suffix = ['.rst', '.txt']
        ("A second deck", [], 0, "", ""),
        ("Its sources end in .txt", [], 0, "", "As the course’s conf.py says."),
    ],
    "revealjs1/deck": [
        ("Old sphinx-revealjs talk", [], 0, "This comment is the title slide's note.", ""),
        ("Background slide", [], 0, "A note for this slide.", "Text on blue."),
        ("", [], 2, "", "After the break; back to"),
    ],
}


@pytest.mark.parametrize("deck", sorted(EXPECTED))
def test_slides_fragments_and_notes_are_where_the_toolchain_put_them(legacy, deck):
    project, _ = legacy
    shown = slides(out(project) / f"{deck}.html")
    assert [s["title"] for s in shown] == [row[0] for row in EXPECTED[deck]]
    for slide, (title, classes, fragments, notes, text) in zip(shown, EXPECTED[deck], strict=True):
        assert slide["classes"] == classes, title
        assert slide["fragments"] == fragments, title
        assert slide["notes"] == notes, title
        assert squeeze(text) in squeeze(slide["text"]), (title, slide["text"])


def test_hieroglyph_handout_content_and_deck_only_content(legacy):
    project, _ = legacy
    page = (out(project) / "hieroglyph" / "talk.html").read_text()
    assert "Read this on the site only." not in page
    assert "Old name: not on slides." not in page
    assert "Shown on slides only." in page
    book = notebooks.notebook(
        notebooks.load_doctree(project, "hieroglyph/talk"),
        "hieroglyph/talk",
        project,
        project / "_build" / "notebooks",
    )
    text = "\n".join("".join(c["source"]) for c in book["cells"])
    assert "Read this on the site only." in text and "Old name: not on slides." in text
    assert "Shown on slides only." not in text
    assert "Say this aloud." not in text  # speaker notes are not student material
    handout = (out(project) / "hieroglyph" / "explicit.html").read_text()
    assert "This paragraph is for the handout." not in handout


def test_sphinxjp_titles_subtitles_and_attributes(legacy):
    project, _ = legacy
    shown = slides(out(project) / "sphinxjp" / "deck.html")
    opening, top, below = shown[0], shown[1], shown[2]
    assert opening["level"] == "h2" and opening["id"] == "opening"
    assert opening["attrs"] == {"data-transition": "zoom"}
    assert "<h3>With a subtitle</h3>" in opening["html"]
    assert top["level"] == "h3"
    assert below["level"] is None and below["attrs"] == {"data-background-color": "#ffeecc"}
    assert below["html"].count('class="small') == 1
    assert "<em>emphasised</em>" in shown[4]["html"]
    # The document title is no slide (the theme deleted it), yet it names the deck.
    soup = BeautifulSoup((out(project) / "sphinxjp" / "deck.html").read_text(), "html.parser")
    hidden = soup.select('.slides > section[data-visibility="hidden"]')
    assert [h.get_text(strip=True) for h in hidden] == ["Theme talk"]
    assert soup.title.get_text().startswith("Theme talk")


def test_sphinxcontrib_newslide_options_and_interslide(legacy):
    project, _ = legacy
    shown = slides(out(project) / "sphinxcontrib" / "deck.html")
    assert shown[2]["attrs"] == {"data-background-color": "#fafafa"}
    assert shown[5]["attrs"] == {"data-transition": "fade"}
    assert shown[9]["attrs"] == {"data-background-color": "#223344"}


def test_sphinx_revealjs_1_attributes_survive(legacy):
    project, report = legacy
    shown = slides(out(project) / "revealjs1" / "deck.html")
    assert shown[1]["attrs"] == {
        "data-background-color": "#000044",
        "data-transition": "convex",
    }
    assert (
        "slides/revealjs1/deck.rst:4: warning: revealjs_slide :google_font: M PLUS 1p: a font "
        "from the network, which sphinx-revealjs 2.0 dropped; the deck keeps its theme's font"
    ) in report.splitlines()


def test_a_courses_static_files_are_published_and_old_theme_stylesheets_dropped(legacy):
    project, report = legacy
    built = out(project) / "patterns"
    source = project / "slides" / "patterns"
    for rel, origin in [
        ("_static/theme.css", "_static/theme.css"),
        ("_static/more.css", "_static/more.css"),  # @import-ed by theme.css
        ("_static/img/bg.png", "_static/img/bg.png"),  # url() in theme.css and a style
        ("_static/y.png", "extra/y.png"),  # conf.py's second html_static_path
        ("_static/clip.mp4", "_static/clip.mp4"),
        ("_images/logo.png", "images/logo.png"),  # an old build's copy: the course's image
    ]:
        assert (built / rel).read_bytes() == (source / origin).read_bytes(), rel
    page = (built / "index.html").read_text()
    assert "default.css" not in page
    assert 'href="../_static/revealjs/dist/theme/white.css"' in page
    assert (out(project) / "_static" / "revealjs" / "dist" / "theme" / "white.css").is_file()
    warning = (
        "slides/patterns/index.rst:9: warning: _static/default.css was generated by the old "
        "Sphinx theme; a reveal.js deck does not use it"
    )
    assert warning in report.splitlines()
    assert not re.search(r": error: ", report), report


def test_sphinx_behaviours_old_decks_rely_on(legacy):
    project, _ = legacy
    built = out(project) / "patterns"
    page = BeautifulSoup((built / "index.html").read_text(), "html.parser")
    # A substitution in the title; the docinfo fields before it are metadata, not a slide.
    assert page.find("h1").get_text() == "Networks 101 overview"
    assert "A. Lecturer" not in page.get_text()
    # toctree :glob: inside the course folder lists its weeks, which are built.
    links = [a["href"] for a in page.select(".toctree-wrapper a")]
    assert links[:3:2] == ["week/one.html", "week/two.html"]
    assert (built / "week" / "one.html").is_file() and (built / "week" / "two.html").is_file()
    # A wildcard image and a /-path from the course's own folder find the course's files.
    images = {img["alt"]: img.get("data-src") or img.get("src") for img in page.find_all("img")}
    assert images["The course logo"] == "../_images/logo.png"
    assert images["A blue square"] == "../_images/x.png"
    assert "Shared footer: Networks 101 is taught" in page.get_text()  # /-rooted include
    # Each course was its own project: both define the label "intro", each ref finds its own;
    # a /-rooted :doc: is from the course's folder.
    ref = page.find("a", string="Weeks")
    assert ref is not None and ref["href"] == "#intro"
    assert page.find("a", string="Week one")["href"] == "week/one.html"
    other = BeautifulSoup((out(project) / "revealjs1" / "deck.html").read_text(), "html.parser")
    assert other.find("a", string="Background slide")["href"] == "#intro"
    # The course's own exclude_patterns keep its drafts out; a .txt file of a course that
    # did not declare .txt sources is an include file, not a deck.
    assert not (built / "drafts").exists()
    assert not (built / "shared").exists()
    # An .rst file that a deck includes is a part of that deck, not a deck of its own.
    week_two = BeautifulSoup((built / "week" / "two.html").read_text(), "html.parser")
    assert "What the week showed, in one slide." in week_two.get_text()
    assert not (built / "week" / "recap.html").exists()
    assert "patterns/week/recap" not in deck_names(project / "slides")


def test_a_ported_course_lists_its_decks_for_the_browser_tools(legacy):
    project, _ = legacy
    names = [browser.deck_name(out(project), p) for p in browser.deck_files(out(project))]
    assert {"hieroglyph/talk", "sphinxjp/deck", "patterns/week/one", "index"} <= set(names)
    lectures = browser.deck_files(out(project), lectures_only=True)
    assert out(project) / "index.html" not in lectures


def test_each_toolchains_deck_prints_one_page_per_slide(legacy, chromium, tmp_path):
    project, _ = legacy
    decks = sorted(EXPECTED)
    printed = pdf.run(out(project), tmp_path, decks, chromium=chromium)
    from pypdf import PdfReader

    pages = {
        p.relative_to(tmp_path).with_suffix("").as_posix(): len(PdfReader(p).pages) for p in printed
    }
    assert pages == {deck: len(EXPECTED[deck]) for deck in decks}


def test_reveal_shows_the_slides_the_toolchain_drew(legacy, chromium):
    project, _ = legacy
    with browser.serve(out(project)) as base:
        page = chromium.new_page(viewport={"width": 1280, "height": 720})
        try:
            for deck in ("sphinxjp/deck", "hieroglyph/talk"):
                page.goto(f"{base}/{deck}.html")
                browser.wait_for_deck(page)
                assert page.evaluate("Reveal.getTotalSlides()") == len(EXPECTED[deck])
                first = page.evaluate(
                    "Reveal.getCurrentSlide().querySelector('h1,h2,h3').innerText"
                )
                assert first == EXPECTED[deck][0][0]
        finally:
            page.close()


FILL_JS = """() => {
  const box = e => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  const slide = Reveal.getCurrentSlide(), heading = slide.querySelector('h1');
  const [l, t, r, b] = box(heading);
  const hit = document.elementFromPoint((l + r) / 2, (t + b) / 2);
  return {slide: box(document.querySelector('.reveal .slides')),
          image: box(slide.querySelector('img.fill')),
          caption: box(slide.querySelector('figcaption')),
          headingOnTop: !!hit && heading.contains(hit)};
}"""


FILL_PAGE_JS = """() => {
  const slide = document.querySelector('.pdf-page section.lecturedeck-fill');
  const span = e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; };
  return {page: span(slide.closest('.pdf-page')), image: span(slide.querySelector('img.fill')),
          caption: span(slide.querySelector('figcaption'))};
}"""


def test_a_hieroglyph_fill_image_covers_its_slide_under_the_title(legacy, chromium):
    """``figure :class: fill``: the image is the whole slide, the caption lies at its foot;
    and so on the slide's page of the PDF."""
    project, _ = legacy
    with browser.serve(out(project)) as base:
        context = chromium.new_context(viewport={"width": 1280, "height": 720})
        try:
            page = context.new_page()
            page.goto(f"{base}/hieroglyph/talk.html")
            browser.wait_for_deck(page)
            shown = page.evaluate(FILL_JS)
            printed = context.new_page()
            printed.add_init_script(pdf.PDF_READY_INIT)
            printed.goto(f"{base}/hieroglyph/talk.html?print-pdf")
            printed.wait_for_function("() => window.__lecturedeckPdfReady")
            on_page = printed.evaluate(FILL_PAGE_JS)
        finally:
            context.close()
    assert shown["image"] == pytest.approx(shown["slide"], abs=1)
    left, top, right, bottom = shown["slide"]
    c_left, c_top, c_right, c_bottom = shown["caption"]
    assert (c_left, c_right, c_bottom) == pytest.approx((left, right, bottom), abs=1)
    assert top < c_top < bottom
    assert shown["headingOnTop"]
    page_top, page_bottom = on_page["page"]
    assert on_page["image"] == pytest.approx([page_top, page_bottom], abs=1)
    assert page_top < on_page["caption"][0] < on_page["caption"][1] <= page_bottom + 1


# -- What an old course truly lacks fails at its line, saying what to do -------------------------
BROKEN = """\
Broken course
=============

.. raw:: html

   <img src="_static/missing.png" alt="gone">
   <link rel="stylesheet" href="_static/needs.css">

.. digraph:: flow

   a -> b

.. grid:: 2

   Cards.

:fab:`github` and |:coffee:|

As :ref:`python:tut-intro` says.

See :pypi:`sphinx`.
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` where ``needle`` first stands."""
    return text[: text.index(needle)].count("\n") + 1


def test_what_a_course_lacks_fails_at_its_line_with_the_extension_to_add(project):
    course = project / "slides" / "broken"
    (course / "_static").mkdir(parents=True)
    (course / "conf.py").write_text("import nothing_here\nextensions = ['sphinx_revealjs']\n")
    (course / "_static" / "needs.css").write_text("body { background: url(gone.png); }\n")
    (course / "deck.rst").write_text(BROKEN)
    result = run_build(project)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    graphviz = thirdparty.advice(thirdparty.BY_MODULE["sphinx.ext.graphviz"])
    design = thirdparty.advice(thirdparty.BY_MODULE["sphinx_design"])
    emoji = thirdparty.advice(thirdparty.BY_MODULE["sphinxemoji.sphinxemoji"])
    assert graphviz == (
        "it comes from sphinx.ext.graphviz; add it to extensions in conf.py (and install Graphviz)"
    )
    at = "slides/broken/deck.rst:{}: error: ".format
    raw, dot, grid, fab, ref, pypi = (
        line_of(BROKEN, s)
        for s in (".. raw::", ".. digraph", ".. grid", ":fab:", ":ref:", ":pypi:")
    )
    expected = [
        at(raw) + "raw HTML <img> loads _static/missing.png, which is not among the course's "
        "files under slides/ and the build's _static/; put the file there, or show an image "
        "with the image directive",
        at(raw) + "raw HTML <link> loads _static/needs.css, whose stylesheet "
        "slides/broken/_static/needs.css loads gone.png, which is missing",
        at(dot) + f'Unknown directive type "digraph": {graphviz}',
        at(grid) + f'Unknown directive type "grid": {design}',
        at(fab) + f'Unknown interpreted text role "fab": {design}',
        at(fab) + f'Undefined substitution ":coffee:": {emoji}',
        at(ref)
        + "undefined label: 'python:tut-intro'"
        + thirdparty.INTERSPHINX.format(name="python"),
    ]
    # Three extensions define :pypi:; the line names each, to add the one the course had.
    [role] = [line for line in lines if line.startswith(at(pypi))]
    assert role.startswith(at(pypi) + 'Unknown interpreted text role "pypi": it comes from ')
    for module in ("rst_pypi_ref.sphinx", "rst_package_refs.sphinx", "sphinxcontrib.cheeseshop"):
        assert module in role
    for line in expected:
        assert line in lines, result.stderr
    assert "Traceback" not in result.stderr


# -- Reading an old conf.py without running it -----------------------------------------------------
CONF = """\
import sphinx_rtd_theme
from mycourse import version

extensions = ['sphinx.ext.todo']
extensions.append('hieroglyph')
extensions += ['sphinx_design']
release = version.RELEASE
html_static_path = ['_static']
slide_levels: int = 2
if True:
    html_theme = 'sphinx_rtd_theme'

def setup(app):
    html_theme = 'never read'
"""


def test_an_old_conf_py_is_read_never_run(tmp_path):
    path = tmp_path / "conf.py"
    path.write_text(CONF)
    conf = courseconf.read(path)
    assert conf.extensions == ["sphinx.ext.todo", "hieroglyph", "sphinx_design"]
    assert conf.toolchain == "hieroglyph"
    assert conf.get("slide_levels") == 2 and conf.static_paths == ["_static"]
    assert conf.get("html_theme") == "sphinx_rtd_theme"
    assert conf.unreadable == [("release", line_of(CONF, "release ="))]
    path.write_text("extensions = [\n")
    assert courseconf.read(path).error.startswith("SyntaxError")


@pytest.mark.parametrize(
    ("marks", "toolchain"),
    [
        ("extensions = ['hieroglyph']", "hieroglyph"),
        (
            "extensions = ['sphinxjp.themecore']\nhtml_theme = 'revealjs'",
            "sphinxjp.themes.revealjs",
        ),
        ("extensions = ['sphinxcontrib.revealjs']", "sphinxcontrib-revealjs"),
        ("extensions = ['sphinx_revealjs']", "sphinx-revealjs"),
        ("extensions = ['sphinx.ext.autodoc']", None),
    ],
)
def test_the_toolchain_is_known_by_its_conf_py(tmp_path, marks, toolchain):
    (tmp_path / "conf.py").write_text(marks + "\n")
    assert courseconf.read(tmp_path / "conf.py").toolchain == toolchain


def test_course_exclude_patterns_are_sphinx_globs():
    rx = courseconf.glob_regex("course/drafts/*")
    assert rx.fullmatch("course/drafts/x.rst") and not rx.fullmatch("course/drafts2/x.rst")
    assert courseconf.glob_regex("c/**.ipynb").fullmatch("c/a/b/n.ipynb")
    assert not courseconf.glob_regex("c/*.rst").fullmatch("c/a/b.rst")


def test_only_a_whole_include_makes_a_file_part_of_another_deck(tmp_path):
    """An included .rst file is a part, not a deck, except where it is still a document."""
    slides = tmp_path / "slides"
    course = slides / "course"
    (course / "n").mkdir(parents=True)
    (course / "drafts").mkdir()
    (course / "conf.py").write_text("exclude_patterns = ['drafts/*']\n")
    (course / "n" / "conf.py").write_text("extensions = []\n")
    files = {
        "course/index.rst": (
            "Course\n======\n\n.. include:: part.rst\n\n.. include:: /top.rst\n\n"
            ".. include:: quoted.rst\n   :literal:\n\n.. include:: cut.rst\n"
            "   :start-after: here\n\nAn example::\n\n   .. include:: shown.rst\n\n"
            ".. code-block:: rst\n\n   .. include:: shown.rst\n\n"
            ".. include:: listed.rst\n\n.. toctree::\n\n   listed\n\n"
            ".. include:: linked.rst\n\nSee :doc:`the linked deck <linked>`.\n"
        ),
        "course/n/deck.rst": "Nested\n======\n\n.. include:: /inner.rst\n",
        "course/drafts/old.rst": "Old\n===\n\n.. include:: ../kept.rst\n",
    }
    others = ["part", "top", "quoted", "cut", "shown", "listed", "linked", "kept", "n/inner"]
    files.update({f"course/{name}.rst": f"{name}\n====\n" for name in others})
    for name, text in files.items():
        (slides / name).write_text(text)
    assert courseconf.included(slides) == [
        "course/n/inner.rst",
        "course/part.rst",
        "course/top.rst",
    ]


def test_the_site_shows_the_notebooks_of_a_ported_courses_decks(tmp_path):
    import nbformat

    from lecturedeck.commands import html

    built = tmp_path / "_build" / "notebooks" / "course" / "week"
    built.mkdir(parents=True)
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# One")]),
        built / "one.ipynb",
    )
    (tmp_path / "site").mkdir()
    assert html.publish_notebooks(tmp_path) == ["course/week/one"]
    pages = tmp_path / "site" / html.PAGES
    assert (pages / "course" / "week" / "one.ipynb").is_file()
    assert "   course/week/one\n" in (pages / "index.rst").read_text()
    (built / "one.ipynb").unlink()
    assert html.publish_notebooks(tmp_path) == []
    assert not (pages / "course" / "week" / "one.ipynb").exists()
