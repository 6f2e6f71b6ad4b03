"""Paths stay inside the project: a deck cannot publish or include what lies outside it.

Each test is the trial that found the hole: a deck naming a file outside the project, a
file that is not an image shown as one, an image far too large.
"""

from __future__ import annotations

import pytest
from deckfixtures import run_build
from PIL import Image

pytestmark = pytest.mark.build

HEAD = "Deck\n====\n\nSlide\n-----\n\n"


def build_with(project, body: str):
    (project / "slides" / "deck.rst").write_text(HEAD + body)
    return run_build(project)


def published(project) -> set[str]:
    """Every file of the build, published and staged, by name."""
    build = project / "_build"
    return {p.name for p in build.rglob("*") if p.is_file()} if build.exists() else set()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (".. image:: ../../../../../../../../etc/passwd\n", "image path leaves the project"),
        (".. figure:: ../../../../../../../../etc/passwd\n\n   Caption.\n", "leaves the project"),
        (".. include:: ../../../../../../../../etc/passwd\n", "include: ../../"),
        (".. literalinclude:: /../../../../../../../etc/passwd\n", "literalinclude: /../"),
        (".. raw:: html\n   :file: ../../../../../../../../etc/passwd\n", "raw: ../../"),
        (
            ".. csv-table::\n   :file: ../../../../../../../../etc/passwd\n",
            "csv-table: ../../",
        ),
        (":download:`passwords <../../../../../../../../etc/passwd>`\n", "download: ../../"),
        (
            ".. revealjs-section::\n   :data-background-image: ../../../../../../../etc/passwd\n",
            "background image path leaves the project",
        ),
    ],
    ids=["image", "figure", "include", "literalinclude", "raw", "csv-table", "download", "bg"],
)
def test_a_path_outside_the_project_fails_at_its_line(project, body, message):
    result = build_with(project, body)
    assert result.returncode == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("slides/deck.rst:7: error:")]
    assert errors and message in errors[0], result.stderr
    assert "passwd" not in published(project)
    assert "root:" not in "".join(
        p.read_text(errors="replace") for p in (project / "_build").rglob("*.html")
    )


def test_a_file_that_is_not_an_image_fails_as_an_image(project):
    (project / "slides" / "notes.png").write_text("these are my private notes, not a picture\n")
    result = build_with(project, ".. image:: notes.png\n   :alt: notes\n")
    assert result.returncode == 1
    assert (
        "slides/deck.rst:7: error: not an image file: notes.png (Pillow cannot read it)"
        in result.stderr.splitlines()
    ), result.stderr
    assert "notes.png" not in published(project)


def test_an_svg_without_svg_is_not_an_image(project):
    (project / "slides" / "fake.svg").write_text("<html>not a drawing</html>\n")
    result = build_with(project, ".. image:: fake.svg\n")
    assert result.returncode == 1
    assert "not an SVG image: fake.svg" in result.stderr


def test_a_huge_image_builds_with_a_warning_that_gives_its_size(project):
    Image.new("1", (20000, 20000)).save(project / "slides" / "huge.png")
    result = build_with(project, ".. image:: huge.png\n   :alt: a huge blank\n")
    assert result.returncode == 0, result.stderr
    warned = [
        ln for ln in result.stderr.splitlines() if ln.startswith("slides/deck.rst:7: warning:")
    ]
    assert warned and "20000x20000 px" in warned[0] and "25 megapixels" in warned[0], result.stderr


def test_a_path_inside_the_project_but_outside_slides_is_fine(project):
    (project / "notes").mkdir()
    (project / "notes" / "code.py").write_text("print('hello')\n")
    result = build_with(project, ".. literalinclude:: ../notes/code.py\n")
    assert result.returncode == 0, result.stderr
    assert "print" in (project / "_build" / "slides" / "deck.html").read_text()
