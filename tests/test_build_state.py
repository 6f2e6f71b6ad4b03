"""Build state under stress: killed builds, parallel builds, hand edits, broken state files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from deckfixtures import ROOT, build_cmd, default_signals, run_build

pytestmark = pytest.mark.build

GOOD = "Deck\n====\n\nSlide\n-----\n\nSome text.\n"
# Line 9 is the directive; the formula KaTeX rejects is on line 9 + 0.
BROKEN = GOOD + "\n.. math::\n\n   \\frac{1}{\n"


def published(project: Path) -> Path:
    return project / "_build" / "slides"


def one_line_errors(stderr: str) -> None:
    assert "Traceback" not in stderr and "please report" not in stderr.lower(), stderr
    assert "Exception occurred" not in stderr, stderr


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGHUP], ids=["TERM", "KILL", "HUP"]
)
def test_a_build_killed_once_sphinx_saved_its_environment_never_publishes_the_broken_deck(
    project, sig
):
    deck = project / "slides" / "deck.rst"
    deck.write_text(GOOD)
    assert run_build(project).returncode == 0
    page = published(project) / "deck.html"
    good_html = page.read_bytes()
    pickle = project / "_build/.doctrees/revealjs-slides/environment.pickle"
    before = pickle.stat().st_mtime_ns
    deck.write_text(BROKEN)
    proc = subprocess.Popen(
        build_cmd(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + 120
    while not (pickle.exists() and pickle.stat().st_mtime_ns != before):
        assert proc.poll() is None, "the build ended before Sphinx saved its environment"
        assert time.monotonic() < deadline, "Sphinx never saved its environment"
        time.sleep(0.005)
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == -sig  # killed mid-build, not finished on its own
    assert page.read_bytes() == good_html
    for _ in range(2):  # fails again, listing the problem; never "up to date"
        result = run_build(project)
        assert result.returncode != 0
        assert "slides/deck.rst:11:" in result.stderr and "KaTeX parse error" in result.stderr
        assert "up to date" not in result.stdout
        assert page.read_bytes() == good_html
    deck.write_text(GOOD.replace("Some text.", "Fixed."))
    assert run_build(project).returncode == 0
    assert "Fixed." in page.read_text()


def test_two_builds_at_once_both_finish_and_publish_the_latest_deck(project):
    deck = project / "slides" / "deck.rst"
    for round_ in range(6):  # each round a new edit, so both builds do the work and race
        deck.write_text(GOOD.replace("Some text.", f"Round {round_}."))
        procs = [
            subprocess.Popen(build_cmd(project), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=300) for p in procs]
        for proc, (_out, err) in zip(procs, outs, strict=True):
            assert proc.returncode == 0, err.decode()
            one_line_errors(err.decode())
        html = (published(project) / "deck.html").read_text()
        assert f"Round {round_}." in html
    again = run_build(project)
    assert again.returncode == 0 and "up to date" in again.stdout


IMAGE_DECK = "{title}\n{line}\n\n.. image:: figs/{image}\n   :alt: a figure\n"


def image_deck(title: str, image: str) -> str:
    return IMAGE_DECK.format(title=title, line="=" * len(title), image=image)


def test_a_removed_deck_takes_its_page_image_and_source_with_it(project):
    (project / "slides" / "keep.rst").write_text(image_deck("Keep", "Graphs/sigmoid.png"))
    (project / "slides" / "drop.rst").write_text(image_deck("Drop", "Conv/argmax.png"))
    assert run_build(project).returncode == 0
    out = published(project)
    dropped = {"drop.html", "_images/argmax.png", "_sources/drop.rst.txt"}
    assert all((out / rel).exists() for rel in dropped)
    (project / "slides" / "drop.rst").unlink()
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert not any((out / rel).exists() for rel in dropped)
    assert (out / "_images/sigmoid.png").exists() and (out / "keep.html").exists()
    # The stage still holds them (Sphinx never deletes): they were filtered, not absent.
    stage = project / "_build/.stage/slides"
    assert (stage / "_images/argmax.png").exists()


def test_published_files_deleted_or_edited_by_hand_are_restored(project):
    (project / "slides" / "deck.rst").write_text(image_deck("Deck", "Graphs/sigmoid.png"))
    assert run_build(project).returncode == 0
    out = published(project)
    image, page = out / "_images/sigmoid.png", out / "deck.html"
    good_image, good_page = image.read_bytes(), page.read_bytes()
    extra = out / "stray.html"
    image.unlink()
    page.write_text("edited by hand")
    extra.write_text("not from the build")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert "changed or removed by hand" in result.stdout
    assert "_images/sigmoid.png" in result.stdout and "deck.html" in result.stdout
    assert image.read_bytes() == good_image and page.read_bytes() == good_page
    assert not extra.exists()
    assert "up to date" in run_build(project).stdout


def fake_node_modules(project: Path, without: str, leave_out: str | None = None) -> None:
    """node_modules with one package missing (or one file of it)."""
    link = project / "node_modules"
    link.unlink()
    link.mkdir()
    for package in (ROOT / "node_modules").iterdir():
        if package.name == without:
            if leave_out is None:
                continue
            (link / package.name).mkdir()
            for item in package.iterdir():
                if item.name != leave_out:
                    (link / package.name / item.name).symlink_to(item)
            continue
        (link / package.name).symlink_to(package)


@pytest.mark.parametrize("package", ["katex", "pyodide"])
def test_a_missing_npm_package_fails_at_once_with_the_command_that_fixes_it(project, package):
    (project / "slides" / "deck.rst").write_text(GOOD + "\n.. math::\n\n   x^2\n")
    fake_node_modules(project, package)
    result = run_build(project)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"slides: node_modules/{package} is missing; run `npm ci` (or `make setup`)"
    )
    assert not published(project).exists()


def test_a_missing_pyodide_file_is_named(project):
    (project / "slides" / "deck.rst").write_text(GOOD)
    fake_node_modules(project, "pyodide", leave_out="pyodide.asm.wasm")
    result = run_build(project)
    assert result.returncode != 0
    assert "slides: node_modules/pyodide/pyodide.asm.wasm is missing; run `npm ci`" in (
        result.stderr
    )


def test_katex_missing_inside_sphinx_is_a_located_error_not_a_crash(project):
    conf = project / "conf.py"
    conf.write_text(conf.read_text() + f"\nlecturedeck_node_modules = {str(project / 'nm')!r}\n")
    (project / "slides" / "deck.rst").write_text(GOOD + "\n.. math::\n\n   x^2\n")
    result = run_build(project)
    assert result.returncode != 0
    one_line_errors(result.stderr)
    assert "slides/deck.rst:9:" in result.stderr and "KaTeX is not installed" in result.stderr
    assert "run `npm ci`" in result.stderr


def test_an_exception_inside_sphinx_is_one_line_naming_the_file(project):
    conf = project / "conf.py"
    conf.write_text(
        conf.read_text()
        + "\n\ndef _boom(app, doctree):\n"
        + "    from docutils import nodes\n\n"
        + "    for node in doctree.findall(nodes.paragraph):\n"
        + "        if 'BOOM' in node.astext():\n"
        + "            raise ValueError('boom went the handler')\n\n\n"
        + "def setup(app):\n    app.connect('doctree-read', _boom)\n"
    )
    deck = project / "slides" / "deck.rst"
    deck.write_text(GOOD + "\nBOOM here.\n")
    result = run_build(project)
    assert result.returncode != 0
    one_line_errors(result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if "boom went the handler" in ln]
    assert len(lines) == 1, result.stderr
    assert lines[0] == "slides/deck.rst:9: error: ValueError: boom went the handler", lines
    assert not (published(project) / "deck.html").exists()


def test_a_deck_that_is_not_utf8_names_file_line_and_byte(project):
    (project / "slides" / "good.rst").write_text(GOOD)
    assert run_build(project).returncode == 0
    data = GOOD.encode() + b"\nCaf\xe9 au lait.\n"
    (project / "slides" / "x.rst").write_bytes(data)
    result = run_build(project)
    assert result.returncode != 0
    offset = data.index(b"\xe9")
    assert f"slides/x.rst:9: error: not UTF-8: byte 0xe9 at offset {offset}" in result.stderr
    one_line_errors(result.stderr)
    assert not (published(project) / "x.html").exists()


def katex_cache(project: Path) -> Path:
    return project / "_build/.doctrees/revealjs-slides/katex-cache.json"


KATEX_CORRUPT = ["[1, 2]", "5", "not json", '{"key": null, "formulas": []}', "FORMULAS_TO_NUMBERS"]


def test_a_parallel_reader_leaves_the_other_readers_shards_alone(tmp_path, monkeypatch, capsys):
    """A reader forked by Sphinx -j starts while another writes its shard: it must not read
    that shard, half written, as a corrupt cache and delete it (the other reader's formulas
    would be lost); and its own shard appears whole."""
    from lecturedeck.sphinxext import mathrender

    katex, cache = ROOT / "node_modules" / "katex", tmp_path / "katex-cache.json"
    writing = tmp_path / "katex-cache.4242.json"
    writing.write_text('{"key": "x", "formul')
    monkeypatch.setattr(mathrender, "_main_pid", -1)  # this process is a forked reader
    reader = mathrender.KatexProcess(katex, cache)
    assert writing.read_text() == '{"key": "x", "formul' and capsys.readouterr().err == ""
    reader._cache["1:x"], reader._dirty = ["<span>x</span>", None], True
    reader.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [writing.name, f"katex-cache.{os.getpid()}.json"]
    )
    shard = json.loads((tmp_path / f"katex-cache.{os.getpid()}.json").read_text())
    assert shard == {"key": reader._key, "formulas": {"1:x": ["<span>x</span>", None]}}


@pytest.mark.parametrize("corrupt", KATEX_CORRUPT)
def test_a_corrupt_katex_cache_is_recognised_and_dropped(tmp_path, capsys, corrupt):
    """Each kind of damage, read by the renderer itself (no build, no KaTeX process)."""
    from lecturedeck.sphinxext.mathrender import KatexProcess

    katex, cache = ROOT / "node_modules" / "katex", tmp_path / "katex-cache.json"
    good = KatexProcess(katex, cache)
    stored = {"key": good._key, "formulas": {"x": ["<span>x</span>", None]}}
    if corrupt == "FORMULAS_TO_NUMBERS":
        corrupt = json.dumps({**stored, "formulas": dict.fromkeys(stored["formulas"], 7)})
    cache.write_text(json.dumps(stored))
    assert KatexProcess(katex, cache)._cache == stored["formulas"]  # the good one is read
    cache.write_text(corrupt)
    assert KatexProcess(katex, cache)._cache == {}
    if corrupt.startswith('{"key": null'):  # another KaTeX's cache: not used, not a problem
        assert capsys.readouterr().err == ""
    else:
        assert capsys.readouterr().err == f"slides: note: {cache} is not a KaTeX cache; discarded\n"
        assert not cache.exists()


def test_a_corrupt_katex_cache_is_discarded_with_a_note_and_the_build_goes_on(project):
    deck = project / "slides" / "deck.rst"
    deck.write_text(GOOD + "\n.. math::\n\n   x^2 + 1\n")
    assert run_build(project).returncode == 0
    cache = katex_cache(project)
    cache.write_text("not json")
    deck.write_text(deck.read_text().replace("Some text.", "Other text."))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    one_line_errors(result.stderr)
    assert "is not a KaTeX cache; discarded" in result.stderr
    assert "katex" in (published(project) / "deck.html").read_text()
    assert json.loads(cache.read_text())["formulas"]  # rebuilt with its formula


@pytest.mark.parametrize("corrupt", ["[]", '"text"', '{"fingerprint": 5}', "{trunc"])
def test_a_corrupt_build_record_is_recognised_and_dropped(tmp_path, capsys, corrupt):
    """Each kind of damage, read by the build's own reader (no build)."""
    from lecturedeck.commands.slides import _read_stamp

    stamp = tmp_path / "_build" / ".stage" / "slides.fingerprint"
    stamp.parent.mkdir(parents=True)
    stamp.write_text(json.dumps({"fingerprint": "abc", "files": {"deck.html": [1, 2]}}))
    assert _read_stamp(stamp, tmp_path)["fingerprint"] == "abc"  # the good one is read
    stamp.write_text(corrupt)
    assert _read_stamp(stamp, tmp_path) is None
    assert capsys.readouterr().err == (
        "slides: note: _build/.stage/slides.fingerprint is not a build record; "
        "discarded, rebuilding\n"
    )
    assert not stamp.exists()


def test_a_corrupt_build_record_is_discarded_and_the_decks_rebuilt(project):
    (project / "slides" / "deck.rst").write_text(GOOD)
    assert run_build(project).returncode == 0
    (project / "_build/.stage/slides.fingerprint").write_text("{trunc")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    one_line_errors(result.stderr)
    assert "is not a build record; discarded, rebuilding" in result.stderr
    assert "slides: built in" in result.stdout
    assert "up to date" in run_build(project).stdout


def test_a_truncated_environment_is_rebuilt(project):
    deck = project / "slides" / "deck.rst"
    deck.write_text(GOOD)
    assert run_build(project).returncode == 0
    pickle = project / "_build/.doctrees/revealjs-slides/environment.pickle"
    pickle.write_bytes(pickle.read_bytes()[:100])
    deck.write_text(GOOD.replace("Some text.", "After truncation."))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    one_line_errors(result.stderr)
    assert "After truncation." in (published(project) / "deck.html").read_text()


def test_an_eqnarray_error_on_its_second_row_names_that_row_in_the_authors_text(project):
    (project / "slides" / "deck.rst").write_text(
        GOOD
        + "\n.. math::\n\n"
        + "   \\begin{eqnarray*}\n"
        + "   a &=& b \\\\\n"
        + "   c &=& \\foo d\n"
        + "   \\end{eqnarray*}\n"
    )
    result = run_build(project)
    assert result.returncode != 0
    # Directive on line 9, formula from line 11; its third line, 13, holds the error, and
    # position 7 is the backslash of \foo in the author's row "c &=& \foo d".
    errors = [ln for ln in result.stderr.splitlines() if "KaTeX parse error" in ln]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("slides/deck.rst:13: error: math: KaTeX parse error")
    assert "Undefined control sequence: \\foo at position 7: c &=& \\\u0332f" in errors[0]
    assert "aligned" not in errors[0]
