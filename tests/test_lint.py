"""lint-slides on fixture RST: each kind of finding at its file:line, and a clean file passes."""

from __future__ import annotations

import subprocess
import sys

from deckfixtures import ROOT

from lecturedeck.commands import lint_slides

FIXTURES = ROOT / "tests" / "roots" / "lint"
BAD = FIXTURES / "bad.rst"
CLEAN = FIXTURES / "clean.rst"


def findings(path) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in lint_slides.lint_file(path)]


def test_empty_list_items_with_their_lines():
    found = [line for line, message in findings(BAD) if message == "empty list item"]
    assert found == [8, 42]  # the second is inside a directive docutils does not know


def test_slides_with_only_a_title():
    found = [(line, m) for line, m in findings(BAD) if m.endswith("has only a title")]
    assert found == [
        (12, 'slide "Title only" has only a title'),
        (15, 'slide "Notes are not content" has only a title'),
        (49, 'slide "Coloured but empty" has only a title'),
    ]


def test_placeholder_text():
    found = [(line, m) for line, m in findings(BAD) if m.startswith("placeholder")]
    assert found == [
        (25, "placeholder text TODO"),
        (27, "placeholder text FIXME"),
        (28, 'placeholder text "Show example"'),
        (33, 'placeholder: slide "Quiz" says only "Quiz"'),
        (46, "placeholder text TODO"),  # in speaker notes
    ]


def test_clean_file_passes():
    # Section headers, code with TODO in it, comments, unknown directives and roles, a
    # background-only slide and a quiz directive are all fine.
    assert findings(CLEAN) == []


def test_command_prints_file_line_message_and_fails(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lecturedeck.commands.lint_slides", "tests/roots/lint"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "tests/roots/lint/bad.rst:8: empty list item"
    assert len(lines) == 10 and all(line.startswith("tests/roots/lint/bad.rst:") for line in lines)
    assert "10 finding(s)" in result.stderr
    # docutils' own complaints (unknown directives, roles) never print.
    assert "ERROR" not in result.stderr and "Unknown" not in result.stderr


def test_command_passes_a_clean_folder(tmp_path):
    (tmp_path / "deck.rst").write_text(CLEAN.read_text())
    assert lint_slides.main([str(tmp_path)]) == 0


def test_unknown_directives_do_not_crash_and_leave_docutils_as_it_was():
    from docutils.parsers.rst import directives, roles

    before = directives.directive, roles.role
    lint_slides.lint_file(BAD)
    assert (directives.directive, roles.role) == before


def test_the_seed_draft_is_flagged():
    found = {m for _, m in findings(ROOT / "tests" / "data" / "module-4.4.seed.rst")}
    assert "empty list item" in found
    assert 'placeholder text "Show example"' in found
    assert 'slide "Q&A" has only a title' in found


def test_real_slides_pass():
    found = [
        str(f)
        for path in lint_slides.sources([ROOT / "slides"])
        for f in lint_slides.lint_file(path)
    ]
    assert found == []
