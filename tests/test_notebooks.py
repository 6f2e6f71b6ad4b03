"""make notebooks: one notebook per deck, from the build, that runs top to bottom as built."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from deckfixtures import SEED, run_build

from lecturedeck.commands import notebooks
from lecturedeck.project import deck_names

pytestmark = pytest.mark.build

DECK = "module4_4"


@pytest.fixture(scope="module")
def course_notebooks(built_decks: Path) -> tuple[Path, list[Path]]:
    """The built course copy's root, and the notebooks `make notebooks` wrote for it."""
    root = built_decks.parent.parent
    return root, notebooks.run(root)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory):
    """A `python3` kernel that is this venv's Python; every Jupyter file in a temporary folder.

    Nothing goes to ~ or into the checkout: the kernelspec, connection files, IPython's history.
    """
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager

    home = tmp_path_factory.mktemp("jupyter")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(home / "share" / "jupyter"))
        env.setenv("JUPYTER_DATA_DIR", str(home / "data"))
        env.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
        env.setenv("JUPYTER_CONFIG_DIR", str(home / "config"))
        env.setenv("IPYTHONDIR", str(home / "ipython"))
        env.setenv("MPLCONFIGDIR", str(home / "matplotlib"))
        install(kernel_name="python3", prefix=str(home))
        spec = KernelSpecManager().get_kernel_spec("python3")
        assert spec.argv[0] == sys.executable
        yield "python3"


def execute(path: Path, kernel_name: str) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in its own folder, as Jupyter does; return it, run."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=60,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError at the first cell that fails
    return nb


def stored_output(cell: nbformat.NotebookNode) -> str:
    return "".join(o["text"] for o in cell["outputs"] if o["output_type"] == "stream")


def printed(cell: nbformat.NotebookNode) -> str:
    """What a run cell shows, as the deck prints it: its stdout, then its value's repr."""
    out = "".join(
        o["text"] for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == "stdout"
    )
    for o in cell["outputs"]:
        if o["output_type"] == "execute_result":
            out += o["data"]["text/plain"] + "\n"
    return out


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The deck's cells: every code cell but the setup cell."""
    return [c for c in nb.cells if c.cell_type == "code" and c.get("id") != "setup"]


def is_claim(cell: nbformat.NotebookNode) -> bool:
    """A cell that checks a claim (it prints nothing)."""
    return "claim" in cell.get("metadata", {}).get("tags", [])


# -- The RST, read independently of the build --------------------------------------------------
EXPLORABLE = "explorable: "


def rst_slides(text: str) -> list[tuple[str, list[str]]]:
    """(title, live-code sources or "explorable: NAME") of each titled section, in order."""
    lines = text.splitlines()
    slides: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(lines):
        line, below = lines[i], lines[i + 1] if i + 1 < len(lines) else ""
        if (
            line.strip()
            and not line[0].isspace()
            and re.fullmatch(r"([=\-~^])\1+", below.rstrip())
            and len(below.rstrip()) >= len(line.strip())
        ):
            slides.append((line.strip(), []))
            i += 2
            continue
        if line.startswith(".. explorable::"):  # its function, called at the defaults
            slides[-1][1].append(EXPLORABLE + line.split("::")[1].strip().rsplit(".", 1)[1])
            i += 1
            continue
        if line.startswith(".. live-code::"):
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                if lines[i].strip().startswith(":") and not body:  # an option
                    i += 1
                    continue
                body.append(lines[i])
                i += 1
            slides[-1][1].append(textwrap.dedent("\n".join(body)).strip("\n"))
            continue
        i += 1
    return slides


def headings(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.match(r"#{1,2} (.+)", cell.source)
            if m:
                found.append(m[1])
    return found


def plain(markdown_title: str) -> str:
    """A heading's text as the RST wrote it: markdown escapes removed, quotes straight."""
    text = re.sub(r"\\(.)", r"\1", markdown_title)
    return text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')


# -- Tests ----------------------------------------------------------------------------------------
def test_one_valid_notebook_per_deck_and_nothing_else(course_notebooks):
    root, paths = course_notebooks
    out = root / "_build" / "notebooks"
    decks = deck_names(root / "slides")
    assert decks and paths == [out / f"{deck}.ipynb" for deck in decks]
    assert sorted(out.rglob("*.ipynb")) == sorted(paths)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
        about, setup = nb.cells[0], nb.cells[1]
        assert about.cell_type == "markdown" and "This notebook carries it" in about.source
        assert setup.cell_type == "code" and "import lecture_code" in setup.source
        # The packed code is folded where the notebook opens: the lecture comes first.
        assert setup.metadata.jupyter.source_hidden and setup.metadata.cellView == "form"
    # A second run rewrites nothing: same bytes, same times.
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in paths}
    assert notebooks.run(root) == paths
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in paths} == before


def test_cells_in_slide_order_under_their_titles_without_notes(course_notebooks, built_decks):
    root, _ = course_notebooks
    source = (root / "slides" / f"{DECK}.rst").read_text()
    nb = nbformat.read(root / "_build" / "notebooks" / f"{DECK}.ipynb", as_version=4)
    slides = rst_slides(source)
    # Every slide's title, in order, as the heading of a markdown cell.
    assert [plain(h) for h in headings(nb)] == [title for title, _ in slides]
    # Every live cell, in order, as a code cell under its slide's heading.
    expected = [(title, code) for title, cells in slides for code in cells]
    found, current = [], None
    for cell in nb.cells[2:]:
        if cell.cell_type == "markdown" and re.match(r"#{1,2} ", cell.source):
            current = plain(re.match(r"#{1,2} (.+)", cell.source)[1])
        elif cell.cell_type == "code" and not is_claim(cell):
            figure = re.search(r"^figure = (\w+)\(", cell.source, re.M)
            found.append((current, EXPLORABLE + figure[1] if figure else cell.source))
    assert len(expected) == 10 and found == expected  # 7 live cells, 3 explorable figures
    # Each output is the one the deck shows, from the build.
    deck = BeautifulSoup((built_decks / f"{DECK}.html").read_text(), "html.parser")
    shown = [
        pre.get_text()
        for pre in deck.select(".live-cell pre.live-output")
        if not pre.find_parent(class_="explorable")
    ]
    live = [
        c
        for c in code_cells(nb)
        if not c.source.startswith("from lecture_code.explore") and not is_claim(c)
    ]
    assert [stored_output(c).rstrip() for c in live] == shown
    assert all(stored_output(c) for c in code_cells(nb) if not is_claim(c))
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    # Math as the author wrote it, code shown from source, figures embedded, notes left out.
    assert r"$\max(a, b)$" in markdown
    assert "$$\n\\text{ReLU}(x) = \\max\\{0, x\\}\n$$" in markdown
    assert "```python\ndef relu(x: float) -> float:" in markdown
    images = [c for c in nb.cells if c.cell_type == "markdown" and c.get("attachments")]
    assert len(images) >= 5
    assert all("image/png" in a for c in images for a in c.attachments.values())
    notes = re.findall(r"\.\. revealjs-notes::\n\n((?:   .*\n)+)", source)
    assert len(notes) > 20
    text = " ".join(plain(markdown).split())
    for note in notes:
        first = " ".join(note.split())[:40]
        assert first not in text, first
    assert "revealjs" not in markdown


def test_each_claim_is_its_sentence_then_a_cell_asserting_its_check(course_notebooks):
    root, _ = course_notebooks
    source = (root / "slides" / f"{DECK}.rst").read_text()
    # Each claim of the RST: its sentence and its check, which may go on over several lines.
    claims = re.findall(r"^\.\. claim:: (.+)\n   :check: (.+(?:\n {11}\S.*)*)", source, re.M)
    nb = nbformat.read(root / "_build" / "notebooks" / f"{DECK}.ipynb", as_version=4)
    cells = [(i, c) for i, c in enumerate(nb.cells) if is_claim(c)]
    assert len(claims) >= 3 and len(cells) == len(claims)
    for (sentence, check), (i, cell) in zip(claims, cells, strict=True):
        assert cell.cell_type == "code" and cell.outputs == []
        assert " ".join(check.split()) in " ".join(cell.source.split())
        assert any(line.startswith("assert ") for line in cell.source.splitlines())
        assert "from lecture_code import " in cell.source
        above = nb.cells[i - 1]
        assert above.cell_type == "markdown" and "checked by the code cell below" in above.source
        if ":math:" not in sentence:
            assert plain(above.source.splitlines()[-1]).startswith(sentence)
    # Computed values are text: the build's value, not the role.
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert ":eval:" not in markdown and "\\eval" not in markdown
    assert "is 0.659, as for" in plain(markdown)
    assert "\\sigma(0) = 0.5" in markdown


def test_every_notebook_runs_top_to_bottom_and_prints_what_the_build_printed(
    course_notebooks, kernel
):
    _, paths = course_notebooks
    ran = claims = 0
    for path in paths:
        stored = nbformat.read(path, as_version=4)
        done = execute(path, kernel)
        assert len(done.cells) == len(stored.cells)
        for before, after in zip(code_cells(stored), code_cells(done), strict=True):
            assert after.source == before.source
            assert not [o for o in after.outputs if o["output_type"] == "error"]
            assert printed(after) == stored_output(before), before.source
            ran += 1
            claims += is_claim(before)
    assert ran >= 7 and claims >= 3  # every claim's check passed in the kernel too


def test_the_seed_keeps_its_colab_link_as_written_and_runs_without_src(project, kernel):
    url = re.search(r"`Colab <([^>]+)>`_", SEED.read_text())[1]
    shutil.copyfile(SEED, project / "slides" / "seed.rst")
    assert notebooks.main(["--root", str(project)]) == 2  # not built yet: refused
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert notebooks.main(["--root", str(project)]) == 0
    path = project / "_build" / "notebooks" / "seed.ipynb"
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert f"[Colab]({url})" in markdown
    assert json.dumps(url)[1:-1] in path.read_text()  # byte for byte in the file, too
    # This project has no src/lecture_code: the setup cell imports the installed package.
    assert not (project / "src" / "lecture_code").exists()
    done = execute(path, kernel)
    [setup] = [c for c in done.cells if c.cell_type == "code"]
    assert printed(setup) == "lecture_code: the installed package\n"
    # A deck without live cells gets a notebook, but no link to it.
    assert "deck-notebook" not in (project / "_build" / "slides" / "seed.html").read_text()


@pytest.fixture(scope="module")
def bare_kernel(kernel, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A kernel whose Python has Jupyter's packages but no lecture_code: a student's laptop.

    A venv of its own that sees this venv's site-packages through a path file; the path
    files in there (the editable install of this project among them) are not run.
    """
    import subprocess
    import sysconfig

    from jupyter_client.kernelspec import KernelSpecManager

    home = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    python = home / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site) / "jupyter_only.pth").write_text("".join(f"{p}\n" for p in ours))
    probe = (
        "import importlib.util as u; "
        "print(u.find_spec('lecture_code'), u.find_spec('ipykernel') is not None)"
    )
    # Nor does it see the PYTHONPATH this run may have been given (the tool's source, say).
    laptop = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    assert (
        subprocess.run([python, "-c", probe], capture_output=True, text=True, env=laptop).stdout
        == "None True\n"
    )
    spec_dir = Path(os.environ["JUPYTER_PATH"]) / "kernels" / "bare"
    spec_dir.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {"argv": argv, "display_name": "bare", "language": "python", "env": {"PYTHONPATH": ""}}
        )
    )
    assert KernelSpecManager().get_kernel_spec("bare").argv[0] == str(python)
    return "bare"


def test_each_quiz_is_its_question_its_options_and_the_answer_folded(course_notebooks):
    root, _ = course_notebooks
    source = (root / "slides" / f"{DECK}.rst").read_text()
    quizzes = re.findall(r"^\.\. quiz:: .+\n(?:   :.*\n)*\n((?:   \* .+\n)+)", source, re.M)
    nb = nbformat.read(root / "_build" / "notebooks" / f"{DECK}.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert len(quizzes) >= 2 and markdown.count("**Quiz:**") == len(quizzes)
    assert markdown.count("<details><summary>Answer</summary>") == len(quizzes)
    for part, options in zip(markdown.split("**Quiz:**")[1:], quizzes, strict=True):
        listed = part.split("<details>")[0].strip().splitlines()[1:]
        assert [line[:2] for line in listed if line] == ["- "] * len(options.splitlines()), part
    # The deck's live region for "Right!" belongs to the page, not to the notebook.
    assert "quiz-feedback" not in markdown


def test_a_notebook_alone_runs_where_lecture_code_is_not_installed(
    course_notebooks, bare_kernel, tmp_path
):
    _, paths = course_notebooks
    path = next(p for p in paths if p.stem == DECK)
    alone = tmp_path / "Downloads" / path.name
    alone.parent.mkdir()
    shutil.copyfile(path, alone)
    stored = nbformat.read(path, as_version=4)
    done = execute(alone, bare_kernel)
    setup = next(c for c in done.cells if c.get("id") == "setup")
    carried = notebooks.carried_files(course_notebooks[0], [c.source for c in code_cells(stored)])
    assert re.fullmatch(
        rf"lecture_code: the code this notebook carries \({len(carried)} modules\), in \S+\n",
        printed(setup),
    )
    for before, after in zip(code_cells(stored), code_cells(done), strict=True):
        assert printed(after) == stored_output(before), before.source
    # What it carries is the course's own code, byte for byte, as the deck was built with.
    root = course_notebooks[0]
    for name, text in carried.items():
        assert (root / "src" / name).read_text() == text
    assert set(carried) >= {"lecture_code/__init__.py", "lecture_code/reductions.py"}


def test_carried_code_that_was_changed_is_refused_in_one_line(
    course_notebooks, bare_kernel, tmp_path
):
    import base64
    import zlib

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    _, paths = course_notebooks
    nb = nbformat.read(next(p for p in paths if p.stem == DECK), as_version=4)
    setup = next(c for c in nb.cells if c.get("id") == "setup")
    packed = re.findall(r'^    "([A-Za-z0-9+/=]+)"$', setup.source, re.MULTILINE)
    files = json.loads(zlib.decompress(base64.b64decode("".join(packed))))
    files["lecture_code/reductions.py"] += "\nSOFTMAX_IS_NOW_WRONG = True\n"
    lines, _ = notebooks.pack(files)
    block = "\n".join(f'    "{p}"' for p in packed)
    setup.source = setup.source.replace(block, lines)
    client = NotebookClient(
        nb, kernel_name=bare_kernel, timeout=60, resources={"metadata": {"path": str(tmp_path)}}
    )
    with pytest.raises(CellExecutionError):
        client.execute()
    [error] = [o for o in nb.cells[1].outputs if o["output_type"] == "error"]
    recorded = re.search(r'^SHA256 = "(\w+)"$', setup.source, re.MULTILINE)[1]
    now = notebooks.pack(files)[1]
    assert error["traceback"] == [
        "Refused: the lecture_code this notebook carries is not the code the deck was built "
        f"with (sha256 {now[:12]}, not {recorded[:12]}); get the notebook again"
    ]


def test_a_deck_with_cells_links_its_notebook_on_its_title_slide(course_notebooks, built_decks):
    _, paths = course_notebooks
    deck = BeautifulSoup((built_decks / f"{DECK}.html").read_text(), "html.parser")
    links = deck.select("p.deck-notebook a")
    assert [a.get_text() for a in links] == ["Notebook", "Run it in the browser"]
    link, lite = links
    assert link["href"] == f"../notebooks/{DECK}.ipynb"
    # The same notebook in the companion site's JupyterLite (make html builds it there).
    assert lite["href"] == f"../html/lite/notebooks/index.html?path={DECK}.ipynb"
    first_slide = deck.select(".slides section")[0]
    assert link in first_slide.find_all("a") and lite in first_slide.find_all("a")
    target = (built_decks / html.unescape(link["href"])).resolve()
    assert target in [p.resolve() for p in paths] and target.is_file()
    index = (built_decks / "index.html").read_text()
    assert "deck-notebook" not in index
    # Not on paper: hidden in reveal.js's print view and when printing.
    css = (built_decks / "_static" / "lecturedeck.css").read_text()
    assert "html.print-pdf .reveal p.deck-notebook { display: none" in css


def test_the_command_names_a_missing_deck(course_notebooks, capsys):
    root, _ = course_notebooks
    assert notebooks.main(["--root", str(root), "no-such-deck"]) == 1
    assert "no such deck in slides/: no-such-deck" in capsys.readouterr().err
    assert os.path.isdir(root / "_build" / "notebooks")
