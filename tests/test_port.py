"""make port: an old course's Sphinx source folder moves into slides/<name>/ unchanged.

The fixture course is written from scratch: a repository ``NN Course/`` whose Sphinx source is
``docs/``, with a conf.py that imports what is not installed here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deckfixtures import ROOT, changed_files, make_project, run_build, snapshot
from PIL import Image

from lecturedeck.commands import port
from lecturedeck.sphinxext.legacy import thirdparty

CONF = """\
import sphinx_rtd_theme
import mycourse.version

project = "Neural networks"
version = mycourse.version.VERSION
extensions = [
    "hieroglyph",
    "sphinx_design",
    "sphinxcontrib.nosuchthing",
    "sphinx.ext.autodoc",
    "sphinx.ext.todo",
    "sphinx.ext.mathjax",
    "sphinx_revealjs.ext.oembed",
    "myst_nb",
]
html_theme = "sphinx_rtd_theme"
html_static_path = ["_static"]
slide_theme = "slides2"
exclude_patterns = ["_build"]
"""
VERSION_LINE = 5

INDEX = """\
Neural networks
===============

.. toctree::

   week1
"""
WEEK1 = """\
Week 1
======

.. raw:: html

   <link rel="stylesheet" href="_static/course.css">

Perceptrons
-----------

.. image:: images/perceptron.png
   :alt: A perceptron with two inputs

.. revealjs-break::

The weights are learnt.

.. include:: common.inc
"""
COMMON = """\
Questions
---------

Ask them now.
"""
WEEK2 = """\
Week 2
======

Plots
-----

.. image:: ../figs/loss.png

.. literalinclude:: ../code/train.py
"""
WEEK2_IMAGE_LINE, WEEK2_CODE_LINE = 7, 9

# What the port copies, and what it leaves out (made by builds).
COURSE_FILES = {
    "conf.py",
    "index.rst",
    "week1.rst",
    "common.inc",
    "_static/course.css",
    "_static/logo.png",
    "images/perceptron.png",
}
GENERATED = {
    "_build/html/index.html",
    "_build/doctrees/week1.doctree",
    "__pycache__/conf.cpython-311.pyc",
    ".ipynb_checkpoints/week1-checkpoint.rst",
    "helpers.pyc",
}


def png(path: Path, colour: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), colour).save(path)


def old_course(tmp_path: Path, *, outside: bool = True) -> Path:
    """A repository written for hieroglyph; its Sphinx source is docs/. Returns the repository."""
    repo = tmp_path / "old" / "NN Course"
    docs = repo / "docs"
    for rel, text in {
        "conf.py": CONF,
        "index.rst": INDEX,
        "week1.rst": WEEK1,
        "common.inc": COMMON,
        "_static/course.css": ".reveal h2 { color: #222; } .logo { background: url(logo.png); }\n",
        **{rel: "made by a build\n" for rel in GENERATED},
        **({"week2.rst": WEEK2} if outside else {}),
    }.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(text)
    png(docs / "_static" / "logo.png", "blue")
    png(docs / "images" / "perceptron.png", "red")
    png(repo / "figs" / "loss.png", "green")  # beside docs/, outside the course folder
    (repo / "README.md").write_text("The course.\n")
    return repo


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A project root, as far as the port needs one: a slides/ folder and the conf.py."""
    (tmp_path / "project" / "slides").mkdir(parents=True)
    shutil.copy(ROOT / "conf.py", tmp_path / "project")
    return tmp_path / "project"


def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    status = port.main(list(argv))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_the_whole_source_folder_is_copied_and_only_what_builds_made_is_left_out(
    tmp_path, root, capsys
):
    repo = old_course(tmp_path)
    status, out, err = run(capsys, str(repo), "--root", str(root))
    assert status == 0 and not err, err
    dest = root / "slides" / "nn-course"
    assert files_under(dest) == COURSE_FILES | {"week2.rst", port.PORTED_FROM}
    assert not GENERATED & files_under(dest)
    docs = repo / "docs"
    for rel in COURSE_FILES:
        assert (dest / rel).read_bytes() == (docs / rel).read_bytes(), rel
    assert out[0] == f"port: {docs} -> slides/nn-course/: 8 files copied, 0 unchanged, 0 kept"
    assert out[1].startswith("  left out, as builds make them: ")
    for what in ["_build/ (2 files)", "__pycache__/ (1 file)", ".ipynb_checkpoints/", "*.pyc"]:
        assert what in out[1], out[1]
    assert out[-1] == "next: make slides (and make check before class)"


def test_the_report_says_what_the_course_needs_that_the_project_lacks(tmp_path, root, capsys):
    status, out, _ = run(capsys, str(old_course(tmp_path) / "docs"), "--root", str(root))
    assert status == 0
    assert (
        "toolchain: hieroglyph (an older slide toolchain this project maps; nothing to add)" in out
    )
    assert (
        f"slides/nn-course/conf.py:{VERSION_LINE}: version: computed when conf.py runs, so not read"
        in out
    )
    advice = thirdparty.advice(thirdparty.BY_MODULE["sphinx_design"])
    assert f"  sphinx_design: {advice}" in out
    unknown = [line for line in out if line.startswith("  sphinxcontrib.nosuchthing: ")]
    assert len(unknown) == 1
    assert "unknown" in unknown[0] and "A course's own extensions" in unknown[0]
    assert "course extra in pyproject.toml" in unknown[0] and "make lock" in unknown[0]
    assert not any(line.startswith("  hieroglyph") for line in out)  # mapped: nothing to add
    # Installed (it ships with Sphinx) but not loaded by the project's conf.py: the line to add.
    assert f"  sphinx.ext.todo: {port.LOAD}" in out
    assert f"  myst_nb: {port.LOAD}" in out  # the project loads it for its site, not its decks
    assert not any(line.startswith("  sphinx.ext.autodoc") for line in out)  # the project's
    mathjax = thirdparty.BY_MODULE["sphinx.ext.mathjax"]
    assert f"  sphinx.ext.mathjax: not needed: {mathjax.not_needed}" in out
    # Part of sphinx-revealjs, which is installed, but it needs oembedpy, which is not.
    oembed = thirdparty.advice(thirdparty.BY_MODULE["sphinx_revealjs.ext.oembed"])
    assert f"  sphinx_revealjs.ext.oembed: {oembed}" in out
    theme = [line for line in out if line.startswith("theme: ")]
    assert theme and "sphinx_rtd_theme" in theme[0] and "nothing to add" in theme[0]
    assert any(
        line.startswith("deck settings not used here") and "slide_theme" in line for line in out
    )
    for line, path in [
        (WEEK2_IMAGE_LINE, "../figs/loss.png"),
        (WEEK2_CODE_LINE, "../code/train.py"),
    ]:
        assert (
            f"slides/nn-course/week2.rst:{line}: refers to {path}, outside the course folder: "
            "copy it into the course or into images/"
        ) in out
    assert not any("week1.rst" in line and "outside" in line for line in out)


def test_a_second_run_copies_nothing_and_says_so(tmp_path, root, capsys):
    repo = old_course(tmp_path)
    assert run(capsys, str(repo), "--root", str(root))[0] == 0
    before = snapshot(root)
    status, out, err = run(capsys, str(repo), "--root", str(root))
    assert status == 0 and not err
    assert out[0] == "port: nothing copied into slides/nn-course/: 8 unchanged, 0 kept"
    assert not changed_files(before, snapshot(root))


def test_another_course_of_the_same_name_is_refused_not_mixed_in(tmp_path, root, capsys):
    repo = old_course(tmp_path)
    assert run(capsys, str(repo), "--root", str(root))[0] == 0
    other = old_course(tmp_path / "elsewhere")
    (other / "docs" / "conf.py").write_text("extensions = ['sphinx_revealjs']\n")
    before = snapshot(root)
    status, out, err = run(capsys, str(other), "--root", str(root))
    assert status == 2 and not out
    source = (other / "docs").resolve()
    assert err == [
        f"port: slides/nn-course/ already holds the course ported from "
        f"{(repo / 'docs').resolve()}; give another NAME= for {source}"
    ]
    assert not changed_files(before, snapshot(root))
    assert run(capsys, str(other), "--root", str(root), "--name", "nn-course-2")[0] == 0


def test_a_file_edited_since_the_last_port_is_kept_and_named(tmp_path, root, capsys):
    repo = old_course(tmp_path)
    assert run(capsys, str(repo), "--root", str(root))[0] == 0
    dest = root / "slides" / "nn-course"
    edited = WEEK1.replace("The weights are learnt.", "The weights are learnt, by SGD.")
    (dest / "week1.rst").write_text(edited)
    (repo / "docs" / "week3.rst").write_text("Week 3\n======\n\nSlide\n-----\n\nNew.\n")
    status, out, _ = run(capsys, str(repo), "--root", str(root))
    assert status == 0
    assert out[0].endswith(": 1 file copied, 7 unchanged, 1 kept")
    assert any(line.startswith("  kept slides/nn-course/week1.rst: it differs") for line in out)
    assert (dest / "week1.rst").read_text() == edited
    assert (dest / "week3.rst").is_file()


def test_a_conf_py_that_does_not_parse_is_reported_at_its_line_and_the_files_are_copied(
    tmp_path, root, capsys
):
    repo = old_course(tmp_path)
    (repo / "docs" / "conf.py").write_text('project = "x"\nextensions = [\n  "hieroglyph"\n')
    status, out, _ = run(capsys, str(repo), "--root", str(root))
    assert status == 0
    assert any(line.startswith("slides/nn-course/conf.py:2: cannot read conf.py") for line in out)
    assert files_under(root / "slides" / "nn-course") == COURSE_FILES | {
        "week2.rst",
        port.PORTED_FROM,
    }


SETTINGS_CONF = """\
import os, sys
sys.path.insert(0, os.path.abspath("_ext"))
extensions = ["sphinxcontrib.revealjs", "slidehelpers"]
extensions.append(os.environ["EXTRA_EXTENSION"])
html_static_path = ["_static", "../shared/static"]
source_suffix = [".rst", ".txt"]
exclude_patterns = ["drafts/**"]
master_doc = "contents"
"""


def test_settings_that_change_what_is_built_are_noted(tmp_path, root, capsys):
    source = tmp_path / "old" / "week-slides"
    for rel, text in {
        "conf.py": SETTINGS_CONF,
        "contents.rst": "Contents\n========\n",
        "drafts/idea.rst": "Idea\n====\n",
        "notes.txt": "Notes\n=====\n",
        "_ext/slidehelpers.py": "def setup(app):\n    pass\n",
    }.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(text)
    status, out, _ = run(capsys, str(source), "--root", str(root))
    assert status == 0
    conf = "slides/week-slides/conf.py"
    assert (
        "toolchain: sphinxcontrib-revealjs (an older slide toolchain this project maps; "
        "nothing to add)" in out
    )
    assert f"{conf}:4: extensions: computed when conf.py runs, so not read" in out
    assert f"{conf}: extensions is partly computed: the list below may be incomplete" in out
    assert any(
        line.startswith("  slidehelpers: the course's own, slides/week-slides/_ext/slidehelpers.py")
        for line in out
    )
    assert (
        f"{conf}: static path ../shared/static: outside the course folder: copy it into "
        "the course" in out
    )
    assert any(line.startswith("exclude_patterns kept drafts/idea.rst out") for line in out)
    assert any(line.startswith("source_suffix .txt:") and "notes.txt" in line for line in out)
    assert any(line.startswith("root_doc contents: ") for line in out)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("NN Course/docs", "nn-course"),
        ("Deep Learning 2019/docs/source", "deep-learning-2019"),
        ("Intro_ML/slides", "intro_ml"),
        ("Vorlesung Über Netze", "vorlesung-uber-netze"),
    ],
)
def test_the_course_is_named_after_its_folder_or_the_repository(tmp_path, source, expected):
    assert port.course_name(tmp_path / source, None) == expected


def bad_inputs(tmp_path: Path, root: Path) -> dict[str, tuple[list[str], str]]:
    repo = old_course(tmp_path)
    several = tmp_path / "several"
    for sub in ("docs", "slides"):
        (several / sub).mkdir(parents=True)
        (several / sub / "conf.py").write_text("")
    (tmp_path / "plain").mkdir()
    (root / "slides" / "mine").mkdir()
    (root / "slides" / "mine" / "conf.py").write_text("")
    (root / "conf.py").write_text("")  # the project's own
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "conf.py").write_text("")
    return {
        "no FROM": ([], "FROM is missing"),
        "not there": ([str(tmp_path / "nowhere")], "does not exist"),
        "a file": ([str(repo / "README.md")], "is not a folder"),
        "no conf.py": ([str(tmp_path / "plain")], "no conf.py in"),
        "several": ([str(several)], "several Sphinx source folders (docs/, slides/)"),
        "partial name": ([str(repo), "--name", "_old"], "NAME _old starts with '_'"),
        "dot name": ([str(repo), "--name", ".old"], "NAME .old starts with '.'"),
        "not a slug": ([str(repo), "--name", "Week 1"], "try week-1"),
        "partial folder": ([str(tmp_path / "_drafts")], "starts with '_'"),
        "in slides/": ([str(root / "slides" / "mine")], "inside this project's slides/ folder"),
        "the project": ([str(root)], "holds this project's slides/ folder"),
        "bad option": ([str(repo), "--nme", "x"], "unrecognized arguments"),
    }


def test_bad_input_exits_2_with_one_line_and_copies_nothing(tmp_path, root, capsys):
    for case, (argv, says) in bad_inputs(tmp_path, root).items():
        before = files_under(root)
        status, out, err = run(capsys, *argv, "--root", str(root))
        assert status == 2, case
        assert not out and len(err) == 1 and err[0].startswith("port: "), (case, err)
        assert says in err[0], (case, err[0])
        assert files_under(root) == before, case


def test_the_command_line_reports_bad_input_without_a_traceback(tmp_path, root):
    several = tmp_path / "several"
    for sub in ("source", "doc"):
        (several / sub).mkdir(parents=True)
        (several / sub / "conf.py").write_text("")
    cmd = [sys.executable, "-m", "lecturedeck.commands.port", str(several), "--root", str(root)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and not result.stdout
    assert result.stderr.splitlines() == [
        f"port: {several} has several Sphinx source folders (source/, doc/); "
        f"give the one to port, e.g. FROM={several / 'source'}"
    ]


@pytest.mark.build
def test_the_ported_course_builds(tmp_path, capsys):
    empty_figs = tmp_path / "figs"
    empty_figs.mkdir()
    project = make_project(tmp_path / "project", empty_figs)
    repo = old_course(tmp_path, outside=False)
    status, out, _ = run(capsys, str(repo), "--root", str(project))
    assert status == 0, out
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    built = project / "_build" / "slides" / "nn-course"
    assert (built / "week1.html").is_file()
    page = (built / "week1.html").read_text()
    assert "Ask them now." in page  # from the include file
    assert (built / "_static" / "course.css").is_file()  # the course's own stylesheet
    assert (built / "_static" / "logo.png").is_file()  # and what it loads
