"""Nothing a user wrote is deleted or hidden from git: figs/.gitignore, the warning, make clean."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deckfixtures import ROOT
from figfixtures import no_traceback, run_figs, tiny_project, write_script

from lecturedeck.commands import figs

HAND_MADE = "not generated; hand-made images belong in images/"


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert shutil.which("git"), "these tests need git: sudo apt-get install git"
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, relative to it, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def make_clean(root: Path) -> subprocess.CompletedProcess[str]:
    """``make clean`` in ``root``, with the project's Makefile."""
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(root), "-f", str(ROOT / "Makefile"), "clean"]
        + [f"PYTHON={sys.executable}"],
        capture_output=True,
        text=True,
        timeout=120,
    )


# Names that are patterns to git: each must match its own file only.
ODD = {"odd": "figs/Odd/[x] *?.png", "bang": "figs/Odd/!bang #1.png", "space": "figs/Odd/sp .png"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A project whose figures were made, some with names that are patterns to git."""
    root = tiny_project(tmp_path_factory.mktemp("generated") / "project")
    for name, figure in ODD.items():
        write_script(root, name, figure=figure)
    result = run_figs(root)
    assert result.returncode == 0, result.stderr
    return root


def copy(project: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(project, root, symlinks=True)
    return root


# -- figs/.gitignore ------------------------------------------------------------------------------
def test_gitignore_lists_exactly_the_generated_files(generated, tmp_path):
    root = copy(generated, tmp_path)
    shutil.copy2(ROOT / ".gitignore", root / ".gitignore")
    mine = [
        "figs/Tiny/photo.png",  # beside generated figures
        "figs/Graphs/photo.png",  # in a folder of its own
        "figs/Tiny/one.png.bak",
        "figs/Odd/x yz.png",  # matched by "[x] *?.png" read as a pattern
        "figs/Odd/!bang #1.png.orig",
        "figs/notes.txt",
    ]
    for rel in mine:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("mine\n")
    assert git(root, "init", "-q").returncode == 0
    made = ["figs/Tiny/one.png", "figs/Tiny/two.png", *ODD.values()]
    own = ["figs/.gitignore", "figs/.stamps.json"]
    for rel in made:
        assert (root / rel).is_file(), rel
    check = git(root, "check-ignore", "--", *made, *own, *mine)
    assert sorted(check.stdout.splitlines()) == sorted(made + own), check.stderr
    status = git(root, "status", "--porcelain", "--untracked-files=all", "figs")
    untracked = sorted(line[3:].strip('"') for line in status.stdout.splitlines())
    assert untracked == sorted(mine), status.stdout


def test_gitignore_follows_the_stamps(generated, tmp_path):
    root = copy(generated, tmp_path)
    (root / "scripts" / "plot_two.py").unlink()
    result = run_figs(root)
    assert result.returncode == 0, result.stderr
    assert "figures: removed figs/Tiny/two.png: no script writes it any more" in result.stdout
    assert not (root / "figs" / "Tiny" / "two.png").exists()
    ignored = (root / "figs" / ".gitignore").read_text().splitlines()
    assert "/Tiny/one.png" in ignored and "/Tiny/two.png" not in ignored
    # A generated figure edited by hand is the user's once its script is gone: kept, and shown.
    (root / "figs" / "Tiny" / "one.png").write_bytes(b"edited by hand")
    (root / "scripts" / "plot_one.py").unlink()
    result = run_figs(root)
    assert result.returncode == 0, result.stderr
    assert (root / "figs" / "Tiny" / "one.png").read_bytes() == b"edited by hand"
    assert "/Tiny/one.png" not in (root / "figs" / ".gitignore").read_text().splitlines()
    assert result.stderr.splitlines() == [
        "figures: 1 file(s) in figs/ no script generated: figs/Tiny/one.png; "
        "hand-made images belong in images/"
    ]


def test_figs_warns_once_per_run_about_hand_made_files(generated, tmp_path):
    root = copy(generated, tmp_path)
    for rel in ("figs/Graphs/photo.png", "figs/Tiny/photo.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"mine")
    warning = (
        "figures: 2 file(s) in figs/ no script generated: figs/Graphs/photo.png, "
        "figs/Tiny/photo.png; hand-made images belong in images/"
    )
    for extra in ((), ("--force",)):  # a no-op run, and a run of every script
        result = run_figs(root, *extra)
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines() == [warning]
    assert (root / "figs" / "Tiny" / "photo.png").read_bytes() == b"mine"


# -- make clean -----------------------------------------------------------------------------------
def test_clean_removes_only_what_was_generated(generated, tmp_path):
    root = copy(generated, tmp_path)
    user = {
        "figs/Graphs/photo.png": b"a photo in figs/",
        "figs/Tiny/photo.png": b"a photo beside generated figures",
        "images/photo.png": b"a photo where it belongs",
        "site/index.rst": b"the site's own page\n",
        "scripts/notes.txt": b"notes\n",
    }
    for rel, data in user.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    for rel in ("_build/slides/index.html", "site/auto_examples/index.rst"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("generated\n")
    before = files(root)
    result = make_clean(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "clean: removed _build/, site/auto_examples/, 5 generated figure(s) in figs/",
        f"kept figs/Graphs/photo.png: {HAND_MADE}",
        f"kept figs/Tiny/photo.png: {HAND_MADE}",
    ]
    after = files(root)
    # Everything the user wrote is there, byte for byte; of figs/, nothing else is.
    assert {k: v for k, v in before.items() if k in after} == after
    assert {k: v for k, v in user.items()} == {k: after[k] for k in user}
    assert sorted(k for k in after if k.startswith("figs/")) == [
        "figs/Graphs/photo.png",
        "figs/Tiny/photo.png",
    ]
    assert not (root / "_build").exists() and not (root / "site" / "auto_examples").exists()
    assert not (root / "figs" / "Odd").exists(), "a folder left empty is removed"
    again = make_clean(root)
    assert again.stdout.splitlines()[0] == "clean: nothing to remove"


def test_clean_keeps_a_generated_figure_edited_by_hand(generated, tmp_path):
    root = copy(generated, tmp_path)
    (root / "figs" / "Tiny" / "one.png").write_bytes(b"retouched")
    result = make_clean(root)
    assert result.returncode == 0, result.stderr
    assert "kept figs/Tiny/one.png: changed since `make figs` wrote it" in result.stdout
    assert sorted(files(root / "figs")) == ["Tiny/one.png"]
    assert not (root / "figs" / "Odd").exists()


def test_clean_of_only_generated_figures_removes_figs(generated, tmp_path):
    root = copy(generated, tmp_path)
    result = make_clean(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["clean: removed _build/, 5 generated figure(s) in figs/"]
    assert not (root / "figs").exists()


def test_clean_with_corrupt_stamps_leaves_figs_alone(generated, tmp_path):
    root = copy(generated, tmp_path)
    (root / "figs" / ".stamps.json").write_text('{"plot_one.py": 3}')
    before = files(root / "figs")
    result = make_clean(root)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "clean: figs/.stamps.json is not valid, so clean cannot tell generated figures from "
        "yours; figs/ left as it is (`make figs` rewrites it)"
    ]
    assert files(root / "figs") == before


def test_clean_never_follows_stamps_out_of_figs(tmp_path):
    root = tmp_path / "project"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"not the project's")
    (root / "figs").mkdir(parents=True)
    (root / "figs" / "Link").symlink_to(outside, target_is_directory=True)
    digest = hashlib.sha256(b"not the project's").hexdigest()
    entry = {"inputs": "", "figure": digest, "path": "figs/Link/x.png"}
    (root / "figs" / ".stamps.json").write_text(json.dumps({"plot_x.py": entry}))
    assert figs.read_stamps(root / "figs")[1] is False
    result = make_clean(root)
    assert result.returncode == 0, result.stderr
    no_traceback(result.stderr)
    assert (outside / "x.png").read_bytes() == b"not the project's"


def test_clean_reads_stamps_from_before_they_named_their_figure(generated, tmp_path):
    root = copy(generated, tmp_path)
    stamps = json.loads((root / "figs" / ".stamps.json").read_text())
    for entry in stamps.values():
        del entry["path"]
    (root / "figs" / ".stamps.json").write_text(json.dumps(stamps))
    result = make_clean(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["clean: removed _build/, 5 generated figure(s) in figs/"]
    assert not (root / "figs").exists()
