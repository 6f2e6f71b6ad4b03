"""The project's layout, the deck size, and the file helpers every part shares.

Both the Sphinx extension and the commands import this module, so it imports
nothing heavier than the standard library.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import string
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lecturedeck import courseconf

# -- Paths, relative to the project root ----------------------------------------------------------
SLIDES = "slides"  # the deck sources
IMAGES = "images"  # hand-made images, tracked
FIGS = "figs"  # figures the scripts generate
SCRIPTS = "scripts"  # the figure scripts
SITE = "site"  # the companion site's sources
PACKAGE = "lecture_code"  # the lecture's own code, under src/
STYLE_MODULE = "figstyle"  # the figures' shared style, in scripts/
BUILD = "_build"
DECKS_OUT = "_build/slides"  # the last good decks
SITE_OUT = "_build/html"
PDF_OUT = "_build/pdf"
CONTACT_OUT = "_build/contact"
NOTEBOOKS_OUT = "_build/notebooks"  # one .ipynb per deck, for students
LITE_SRC = "_build/.lite"  # what make html gives JupyterLite: its config and the local Pyodide
LITE_OUT = "lite"  # JupyterLite in the site, _build/html/lite (jupyterlite-sphinx's folder)
LITE_WHEELS = "share/lecturedeck/pyodide-wheels"  # in the venv (sys.prefix): make setup
FIG_OUT_ENV = "LECTUREDECK_FIG_OUT"  # where figstyle.save() writes; set by the figure runner

# -- The slide ------------------------------------------------------------------------------------
DECK_WIDTH, DECK_HEIGHT = 1280, 720  # reveal.js's design size; conf.py and every browser tool
VIEWPORT = {"width": DECK_WIDTH, "height": DECK_HEIGHT}

INDEX = "index"  # slides/index.rst is the course index, not a deck


# -- The decks ------------------------------------------------------------------------------------
def without_iri_grammar() -> None:
    """Let jsonschema, which nbformat and myst-nb import, leave out its IRI format checks.

    jsonschema imports rfc3987-syntax when it is installed (jupyter-events asks for it), and
    that builds a parser of the IRI grammar on import: about 1 s in every process that reads
    a notebook, for the ``iri`` formats, which no notebook schema uses. Call before the import.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def is_partial(rel: Path) -> bool:
    """A file or folder whose name starts with ``_`` is include-only, never a deck."""
    return any(part.startswith(("_", ".")) for part in rel.parts)


def deck_names(slides: Path) -> list[str]:
    """The decks under ``slides``, as Sphinx names them (``week1/intro``), in name order.

    This is the one list of decks: ``conf.py``'s ``exclude_patterns`` leave out the
    same partials (and a ported course's own ``conf.py`` its ``exclude_patterns``, and the
    build the sources that others include), the deck index lists these, and the companion
    site links them.
    """
    names = []
    excluded = [*courseconf.excluded(slides), *courseconf.included(slides)]
    skip = [courseconf.glob_regex(p) for p in excluded]
    for path in [*slides.rglob("*.rst"), *courseconf.course_sources(slides)]:
        rel = path.relative_to(slides)
        if is_partial(rel) or any(s.fullmatch(rel.as_posix()) for s in skip):
            continue
        if rel.with_suffix("").as_posix() != INDEX:
            names.append(rel.with_suffix("").as_posix())
    return sorted(names)


def _adornment(line: str) -> bool:
    """An RST section adornment: one punctuation character, repeated, from column 0."""
    text = line.rstrip()
    return len(text) >= 2 and text[0] in string.punctuation and text == text[0] * len(text)


def deck_title(path: Path) -> str:
    """The title of one deck: the first section title of its RST source.

    Read from the lines (a title line, underlined by a repeated punctuation
    character at least as long), not by parsing the deck: the decks use
    directives only Sphinx knows, and the site must list them without them.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    for above, line, below in zip(["", *lines], lines, [*lines[1:], ""], strict=True):
        title = line.strip()
        if not title or _adornment(line) or not _adornment(below):
            continue
        overlined = _adornment(above) and above.rstrip() == below.rstrip()
        if (overlined or not line[0].isspace()) and len(below.rstrip()) >= len(title):
            return title
    return path.stem


def decks(slides: Path) -> list[tuple[str, str]]:
    """``(name, title)`` of every deck under ``slides``."""
    return [(name, deck_title(deck_source(slides, name))) for name in deck_names(slides)]


def deck_source(slides: Path, name: str) -> Path:
    """The source file of the deck ``name``: ``<name>.rst``, or a course's own suffix."""
    path = slides / f"{name}.rst"
    if path.is_file():
        return path
    found = [p for p in courseconf.course_sources(slides) if p.with_suffix("") == slides / name]
    return found[0] if found else path


# -- Sphinx ---------------------------------------------------------------------------------------
def doctrees_dir(root: Path, builder: str, srcdir: Path) -> Path:
    """Where Sphinx keeps its environment and doctrees for one builder and source folder."""
    return root / BUILD / ".doctrees" / f"{builder}-{srcdir.name}"


def sphinx_args(
    root: Path,
    srcdir: Path,
    outdir: Path,
    builder: str,
    *,
    tags: tuple[str, ...] = (),
    doctrees: Path | None = None,
) -> list[str]:
    """The one Sphinx command line: strict (``-W --keep-going``), quiet, conf.py at ``root``.

    ``make slides`` runs Sphinx in its own process through the API with the same settings
    (:func:`lecturedeck.commands.slides.sphinx_build`), to report crashes as one line.
    """
    doctrees = doctrees or doctrees_dir(root, builder, srcdir)
    args = ["-b", builder, "-c", str(root), "-d", str(doctrees)]
    for tag in tags:
        args += ["-t", tag]
    return [*args, "-W", "--keep-going", "-q", str(srcdir), str(outdir)]


# -- Copies of a project (tests and the benchmark) -----------------------------------------------
# What a project consists of, as a user keeps it in git: sources only, nothing built.
SOURCES = (
    "conf.py",
    "package.json",
    "package-lock.json",
    SLIDES,
    SCRIPTS,
    IMAGES,
    SITE,
    f"src/{PACKAGE}",
)
GENERATED = ("__pycache__", "_build", "auto_examples", "gen_modules", "*.egg-info", ".*.part")


def copy_project(
    root: Path, dst: Path, parts: tuple[str, ...] = SOURCES, *, link_node_modules: bool = True
) -> Path:
    """Lay out a throwaway copy of the project at ``root`` in ``dst``; return ``dst``.

    ``parts`` are files or folders relative to ``root`` (those that exist are copied, without
    anything a tool generated). ``node_modules`` is linked, not copied: it is read-only here.
    The one project builder of the tests and of ``make bench``.
    """
    dst.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns(*GENERATED)
    for part in parts:
        src, target = root / part, dst / part
        if src.is_dir():
            shutil.copytree(src, target, ignore=skip, dirs_exist_ok=True, symlinks=True)
        elif src.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    modules = root / "node_modules"
    if link_node_modules and modules.is_dir() and not (dst / "node_modules").exists():
        (dst / "node_modules").symlink_to(modules.resolve())
    return dst


def show_path(path: Path, root: Path) -> str:
    """``path`` relative to the project root where it lies inside it, as messages show it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# -- Files ----------------------------------------------------------------------------------------
def copy_if_changed(src: Path, dst: Path) -> bool:
    """Copy ``src`` to ``dst`` atomically, unless ``dst`` already has the same bytes.

    Return whether it copied. A file left alone keeps its modification time, so
    Sphinx, a browser or a server sees no change.
    """
    if dst.exists():
        s, d = src.stat(), dst.stat()
        if s.st_size == d.st_size and (
            s.st_mtime_ns == d.st_mtime_ns or filecmp.cmp(src, dst, shallow=False)
        ):
            return False
    with replacing(dst) as part:
        shutil.copy2(src, part)
    return True


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Write a file in one step: yield a temporary path beside ``target``, then move it there.

    A reader sees the old file or the new one, never half of one. If the block raises,
    ``target`` is left as it was and the temporary file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        yield part
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step."""
    with replacing(path) as part:
        part.write_text(text)
