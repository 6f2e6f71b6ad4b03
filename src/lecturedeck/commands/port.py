"""``make port FROM=...``: move a course written for an older Sphinx slide toolchain in, unchanged.

``FROM`` is the old course's Sphinx source folder (the folder of its ``conf.py``), or a
repository whose source folder is one of :data:`LAYOUTS`. The whole folder is copied into
``slides/<name>/``: decks, partials, include files, static folders, images, and the old
``conf.py`` itself, which the build reads and never runs. Only what builds generate is left
out (:data:`GENERATED_DIRS`, :data:`GENERATED_TOP`, :data:`GENERATED_FILES`, dot-folders).

Nothing of the project's is overwritten and nothing is deleted: a file already in
``slides/<name>/`` with other bytes is kept and named (the instructor may have edited it since
the last port), one with the same bytes is unchanged, so a second run copies nothing. Each file
is written in one step (:func:`lecturedeck.project.copy_if_changed`).

Then it reads the old ``conf.py`` without running it (:mod:`lecturedeck.courseconf`) and says
what the course uses that the project lacks: the toolchain it recognised, each extension that the
project's ``conf.py`` does not load, with what to install and add
(:mod:`lecturedeck.sphinxext.legacy.thirdparty`), the
settings it could not read, and the paths in the decks that lead outside the course folder.

    python -m lecturedeck.commands.port FROM [--name NAME] [--root PROJECT]

Exit status: 0 when the course is in place, 1 when a file could not be copied, 2 with one
``port: ...`` line for bad input.
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import importlib.metadata
import importlib.util
import os
import posixpath
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from lecturedeck import courseconf
from lecturedeck.project import SLIDES, copy_if_changed, is_partial, show_path, write_atomic
from lecturedeck.sphinxext.legacy import thirdparty

# Where a repository keeps its Sphinx source folder, if not at its top.
LAYOUTS = ("source", "docs", "doc", "docs/source", "slides")
# Source folders named for their role, not the course: the course is named after the parent.
ROLE_NAMES = {"source", "docs", "doc", "slides"}
# What builds generate, never copied: folders of these names at any depth, ...
GENERATED_DIRS = {"_build", "__pycache__", ".ipynb_checkpoints", ".doctrees"}
# ... a ``build/`` folder at the top of the source folder (``sphinx-build . build``), ...
GENERATED_TOP = {"build"}
# ... and compiled Python. Dot-folders (.git, .tox, ...) are left out too.
GENERATED_FILES = (".pyc",)
# Files whose image, include and literalinclude paths are checked.
SCANNED = {".rst", ".rsti", ".txt", ".inc"}
SHOW = 5  # how many files a list names before "and N more"

PATH_DIRECTIVE = re.compile(
    r"^\s*\.\.\s+(?:image|figure|include|literalinclude)::[ \t]*(?P<path>\S[^\n]*?)\s*$"
)
FILE_OPTION = re.compile(r"^\s*:file:[ \t]*(?P<path>\S[^\n]*?)\s*$")
SLUG_UNSAFE = re.compile(r"[^a-z0-9_-]+")
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
# Prefixes of the deck settings of the older toolchains (hieroglyph's are ``slide_*``).
DECK_SETTINGS = ("revealjs_", "slide_", "slides_")

UNKNOWN = (
    'unknown here; add it to extensions in conf.py (under "A course\'s own extensions"), '
    "its pip package to the course extra in pyproject.toml, then make lock"
)
LOAD = (
    "installed here, not loaded: add it to extensions in conf.py "
    '(under "A course\'s own extensions")'
)


# Written into a ported course's folder: which old course it holds, so that a second port of
# the same course adds what is new and a port of another course into it is refused.
PORTED_FROM = ".ported-from"


class PortError(Exception):
    """Bad input: reported as one ``port: ...`` line, exit status 2."""


@dataclass
class Copy:
    """What copying one course folder did, by path relative to the course folder."""

    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already there, with other bytes
    failed: list[str] = field(default_factory=list)  # "path: reason"
    left_out: dict[str, int] = field(default_factory=dict)  # "_build/" or "*.pyc" -> files

    @property
    def files(self) -> list[str]:
        """Every file of the course that is now in its folder, copied or already there."""
        return sorted([*self.copied, *self.unchanged, *self.kept])


# -- Which folder, which name ---------------------------------------------------------------------
def find_source(given: Path) -> Path:
    """The Sphinx source folder of ``given``: itself, or its one :data:`LAYOUTS` with a conf.py."""
    if not given.is_dir():
        what = "does not exist" if not given.exists() else "is not a folder"
        raise PortError(f"{given} {what}; FROM is the old course's folder of conf.py")
    if (given / courseconf.CONF).is_file():
        return given
    found = [given / sub for sub in LAYOUTS if (given / sub / courseconf.CONF).is_file()]
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(f"{p.relative_to(given).as_posix()}/" for p in found)
        raise PortError(
            f"{given} has several Sphinx source folders ({listed}); "
            f"give the one to port, e.g. FROM={found[0]}"
        )
    places = ", ".join(f"{sub}/" for sub in LAYOUTS)
    raise PortError(
        f"no {courseconf.CONF} in {given} nor in its {places}; "
        "give the folder of the old course's conf.py"
    )


def slugify(text: str) -> str:
    """``text`` as a folder name: lowercase ASCII letters, digits, ``_`` and ``-``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return SLUG_UNSAFE.sub("-", ascii_text.lower()).strip("-")


def course_name(source: Path, name: str | None) -> str:
    """The folder under ``slides/`` the course goes to: ``name``, or one made from ``source``."""
    if name is None:
        folder = source
        while folder.name.lower() in ROLE_NAMES and folder.parent != folder:
            folder = folder.parent
        raw = folder.name
        if raw.startswith(("_", ".")):
            raise PortError(
                f"the course folder {raw} starts with {raw[0]!r}, which under slides/ "
                "marks an include-only partial; give NAME=..."
            )
        name = slugify(raw)
        if not name:
            raise PortError(f"cannot make a folder name from {raw!r}; give NAME=...")
        return name
    if name.startswith(("_", ".")):
        raise PortError(
            f"NAME {name} starts with {name[0]!r}: such folders under slides/ are include-only "
            "partials, never built; choose another"
        )
    if not SLUG.fullmatch(name):
        suggestion = slugify(name)
        raise PortError(
            f"NAME {name!r} is not a folder name of lowercase letters, digits, _ and -"
            + (f"; try {suggestion}" if suggestion and SLUG.fullmatch(suggestion) else "")
        )
    return name


# -- Copying --------------------------------------------------------------------------------------
def _generated(name: str, top: bool) -> bool:
    return name in GENERATED_DIRS or name.startswith(".") or (top and name in GENERATED_TOP)


def course_files(source: Path, report: Copy) -> list[str]:
    """Every file of ``source`` a port copies, relative to it; left-out folders into ``report``."""
    files: list[str] = []
    seen: set[str] = set()  # folders already walked, symbolic links resolved

    def unreadable(exc: OSError) -> None:
        report.failed.append(f"{exc.filename}: cannot read it: {exc.strerror or exc}")

    for folder, dirs, names in os.walk(source, followlinks=True, onerror=unreadable):
        here = Path(folder)
        real = os.path.realpath(here)
        if real in seen:  # a link back to a folder already copied
            dirs[:] = []
            continue
        seen.add(real)
        rel = here.relative_to(source)
        keep = []
        for name in sorted(dirs):
            if _generated(name, top=rel == Path(".")):
                count = sum(len(f) for _, _, f in os.walk(here / name))
                report.left_out[f"{(rel / name).as_posix()}/"] = count
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(names):
            if name.endswith(GENERATED_FILES):
                pattern = f"*{Path(name).suffix}"
                report.left_out[pattern] = report.left_out.get(pattern, 0) + 1
            else:
                files.append((rel / name).as_posix())
    return files


def copy_course(source: Path, dest: Path) -> Copy:
    """Copy the course at ``source`` into ``dest``, overwriting and deleting nothing."""
    report = Copy()
    for rel in course_files(source, report):
        src, dst = source / rel, dest / rel
        if src.is_symlink() and not src.exists():
            report.failed.append(f"{rel}: a link to {os.readlink(src)}, which does not exist")
            continue
        try:
            if dst.exists() or dst.is_symlink():
                same = dst.is_file() and filecmp.cmp(src, dst, shallow=False)
                (report.unchanged if same else report.kept).append(rel)
            else:
                copy_if_changed(src, dst)
                report.copied.append(rel)
        except OSError as exc:
            report.failed.append(f"{rel}: {exc.strerror or exc}")
    return report


# -- What the course needs ------------------------------------------------------------------------
def importable(module: str) -> bool:
    """Whether ``module`` can be imported here (its parent packages are imported to find it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except Exception:  # ImportError, ValueError (not a module name), a parent failing to import
        return False


def _package_installed(ext: thirdparty.Extension) -> bool:
    """Whether the pip package that ``ext`` needs is installed.

    An extension may be part of one package and need another: sphinx_revealjs.ext.oembed is
    in sphinx-revealjs, and needs oembedpy.
    """
    if not ext.package:
        return True
    try:
        importlib.metadata.distribution(re.split(r"[\[<>=!~ ]", ext.package)[0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _is_theme(module: str, conf: courseconf.CourseConf) -> bool:
    return module == conf.get("html_theme") or module.endswith("_theme")


def own_module(module: str, files: list[str]) -> str | None:
    """The course's own file of extension ``module`` (``_ext/myext.py``), or None."""
    tails = (f"{module.replace('.', '/')}.py", f"{module.replace('.', '/')}/__init__.py")
    found = [f for f in files if f in tails or f.endswith(tuple(f"/{t}" for t in tails))]
    return min(found, key=len) if found else None


def missing_extensions(
    conf: courseconf.CourseConf, files: list[str], at: str, loaded: set[str] = frozenset()
) -> list[str]:
    """One line per extension of ``conf`` that the project neither loads nor maps.

    ``files`` are the course's files, relative to its folder ``at`` (``slides/<name>/``);
    ``loaded`` the extensions the project's own ``conf.py`` loads. An extension installed here
    (one that ships with Sphinx, say) that the project does not load gets the line that loads it.
    """
    lines = []
    for module in dict.fromkeys(conf.extensions):
        known = thirdparty.BY_MODULE.get(module)
        if (known and known.builtin) or _is_theme(module, conf) or module in loaded:
            continue
        if known and known.not_needed:
            lines.append(f"  {module}: not needed: {known.not_needed}")
            continue
        if importable(module) and (known is None or _package_installed(known)):
            needs = f" (and install {known.needs})" if known and known.needs else ""
            lines.append(f"  {module}: {LOAD}{needs}")
            continue
        own = None if known else own_module(module, files)
        if known:
            lines.append(f"  {module}: {thirdparty.advice(known)}")
        elif own:
            lines.append(
                f"  {module}: the course's own, {at}{own}: put its folder on sys.path in conf.py "
                'and add it to extensions there (under "A course\'s own extensions")'
            )
        else:
            lines.append(f"  {module}: {UNKNOWN}")
    return lines


def deck_extensions(conf_path: Path) -> set[str]:
    """The extensions that the project's ``conf.py`` loads for its decks.

    Its top-level ``extensions`` lists only: those under ``if tags.has("site"):`` are the
    companion site's. Read, never run, as a course's conf.py is.
    """
    try:
        tree = ast.parse(conf_path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if not isinstance(node, ast.Assign | ast.AugAssign) or not any(
            isinstance(t, ast.Name) and t.id == "extensions" for t in targets
        ):
            continue
        if isinstance(node.value, ast.List | ast.Tuple):
            found |= {
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return found


def toolchain_line(conf: courseconf.CourseConf) -> str:
    """What the report says of the toolchain the course was written for."""
    if conf.error:
        return "toolchain: not known, as conf.py could not be read"
    name = conf.toolchain
    if name is None:
        names = ", ".join(n for n, _ in courseconf.TOOLCHAINS)
        return f"toolchain: none of {names} in conf.py; the decks build as sphinx-revealjs decks"
    signs = dict(courseconf.TOOLCHAINS)[name]
    if any(m in thirdparty.BY_MODULE and thirdparty.BY_MODULE[m].builtin for m in signs):
        return f"toolchain: {name} (an older slide toolchain this project maps; nothing to add)"
    return f"toolchain: {name}"


def theme_line(conf: courseconf.CourseConf) -> str | None:
    """The note on the course's HTML theme, if it names one that is not a toolchain."""
    signs = {s for _, group in courseconf.TOOLCHAINS for s in group}
    theme = conf.get("html_theme")
    themes = [theme] if isinstance(theme, str) and theme not in signs else []
    themes += [m for m in conf.extensions if m.endswith("_theme") and m not in themes]
    if not themes:
        return None
    return (
        f"theme: {', '.join(themes)} is not used: a reveal.js deck does not use an HTML theme; "
        "nothing to add"
    )


def _outside(rel_dir: str, target: str) -> bool:
    """Whether ``target``, written in a file of the course folder ``rel_dir``, leads out of it."""
    if "://" in target or target.startswith("<") or "|" in target:
        return False  # a URL, a standard docutils include, a substitution
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(rel_dir, target)
    path = posixpath.normpath(path)
    return path == ".." or path.startswith("../")


def outside_paths(dest: Path, files: list[str], root: Path) -> list[str]:
    """``file:line: refers to P, outside the course folder`` for every such path in the decks."""
    lines = []
    for rel in files:
        path = dest / rel
        if path.suffix not in SCANNED or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            match = PATH_DIRECTIVE.match(line) or FILE_OPTION.match(line)
            if match and _outside(posixpath.dirname(rel), match["path"]):
                lines.append(
                    f"{show_path(path, root)}:{number}: refers to {match['path']}, outside the "
                    "course folder: copy it into the course or into images/"
                )
    return lines


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:SHOW])
    return shown + (f" and {len(items) - SHOW} more" if len(items) > SHOW else "")


def settings_lines(conf: courseconf.CourseConf, files: list[str], shown: str) -> list[str]:
    """Notes on the settings of ``conf`` that mean something for the ported decks."""
    lines = []
    for static in conf.static_paths:
        if _outside("", static):
            lines.append(
                f"{shown}: static path {static}: outside the course folder: copy it into the course"
            )
    if conf.static_paths:
        lines.append(
            "static folders: "
            + ", ".join(f"{s.rstrip('/')}/" for s in conf.static_paths if not _outside("", s))
            + " (the decks' raw HTML and stylesheets find their files there)"
        )
    deck_settings = sorted(k for k in conf.values if k.startswith(DECK_SETTINGS))
    if deck_settings:
        lines.append(
            f"deck settings not used here (the project's conf.py sets every deck's): "
            f"{_names(deck_settings)}"
        )
    decks = [f for f in files if Path(f).suffix == ".rst" and not is_partial(Path(f))]
    patterns = conf.strings("exclude_patterns")
    if patterns:
        from sphinx.util.matching import Matcher

        try:
            matcher = Matcher(patterns)
            excluded = [d for d in decks if matcher(d)]
        except re.error:  # a pattern the old Sphinx would not have matched either
            excluded = []
        if excluded:
            built = "it is built as a deck" if len(excluded) == 1 else "they are built as decks"
            lines.append(
                f"exclude_patterns kept {_names(excluded)} out of the old build, but here "
                f"{built}: start a name (or its folder's) with _ to keep it out"
            )
    suffixes = conf.get("source_suffix")
    if isinstance(suffixes, dict):  # {".rst": "restructuredtext", ...}
        suffixes = list(suffixes)
    suffixes = [suffixes] if isinstance(suffixes, str) else suffixes
    others = [s for s in suffixes or () if isinstance(s, str) and s != ".rst"]
    if others:
        old = [f for f in files if Path(f).suffix in others and not is_partial(Path(f))]
        if old:
            lines.append(
                f"source_suffix {', '.join(others)}: decks here are .rst files; rename "
                f"{_names(old)} to .rst if they are decks"
            )
    root_doc = conf.get("root_doc") or conf.get("master_doc") or "index"
    if isinstance(root_doc, str) and f"{root_doc}.rst" in decks:
        lines.append(
            f"root_doc {root_doc}: the old front page {root_doc}.rst is listed as a deck too "
            "(the project's slides/index.rst lists every deck)"
        )
    return lines


def conf_lines(conf: courseconf.CourseConf, shown: str) -> list[str]:
    """The parts of ``conf.py`` that could not be read, each at its line."""
    if conf.error:
        match = re.search(r" \(line (\d+)\)$", conf.error)
        where = f"{shown}:{match[1]}" if match else shown
        message = conf.error[: match.start()] if match else conf.error
        return [f"{where}: cannot read conf.py ({message}); its settings are not checked"]
    lines = [
        f"{shown}:{line}: {name}: computed when conf.py runs, so not read"
        for name, line in sorted(conf.unreadable, key=lambda item: item[1])
    ]
    if any(name == "extensions" for name, _ in conf.unreadable):
        lines.append(f"{shown}: extensions is partly computed: the list below may be incomplete")
    return lines


# -- The command ----------------------------------------------------------------------------------
def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def port(given: Path, root: Path, name: str | None = None) -> int:
    """Port the course at ``given`` into ``root``'s ``slides/``; print what it did and needs."""
    slides = root / SLIDES
    if not slides.is_dir():
        raise PortError(f"{root} has no {SLIDES}/ folder; run make port in the project's root")
    given, real_slides = given.resolve(), slides.resolve()
    if _inside(given, real_slides):
        raise PortError(f"{given} is inside this project's {SLIDES}/ folder: it is ported already")
    source = find_source(given)
    if _inside(real_slides, source):
        raise PortError(f"{source} holds this project's {SLIDES}/ folder; give the old course's")
    name = course_name(source, name)
    dest = slides / name
    if dest.exists() and not dest.is_dir():
        raise PortError(f"{show_path(dest, root)} is a file; give another NAME")
    marker = dest / PORTED_FROM
    if dest.is_dir() and any(dest.iterdir()):
        was = marker.read_text().strip() if marker.is_file() else None
        if was != str(source):
            whose = f"the course ported from {was}" if was else "files that make port did not copy"
            raise PortError(
                f"{show_path(dest, root)}/ already holds {whose}; give another NAME= for {source}"
            )

    done = copy_course(source, dest)
    if not marker.is_file():
        write_atomic(marker, f"{source}\n")
    at = f"{show_path(dest, root)}/"
    counts = f"{len(done.unchanged)} unchanged, {len(done.kept)} kept"
    if done.copied:
        print(f"port: {source} -> {at}: {_count(len(done.copied), 'file')} copied, {counts}")
    else:
        print(f"port: nothing copied into {at}: {counts}")
    for rel in done.kept[:SHOW]:
        print(f"  kept {at}{rel}: it differs from the old course's (edited since the last port?)")
    if len(done.kept) > SHOW:
        print(f"  ... and {len(done.kept) - SHOW} more kept")
    if done.left_out:
        folders = [f"{what} ({_count(n, 'file')})" for what, n in done.left_out.items()]
        print(f"  left out, as builds make them: {_names(folders)}")
    for failure in done.failed:
        print(f"port: cannot copy {failure}", file=sys.stderr)

    conf_path = dest / courseconf.CONF
    if not conf_path.is_file():
        conf_path = source / courseconf.CONF
    conf = courseconf.read(conf_path)
    shown = show_path(conf_path, root)
    print(toolchain_line(conf))
    for line in conf_lines(conf, shown):
        print(line)
    loaded = deck_extensions(root / courseconf.CONF)
    missing = missing_extensions(conf, done.files, at, loaded)
    if missing:
        print("extensions the course loads that the project's conf.py does not:")
        print("\n".join(missing))
    theme = theme_line(conf)
    if theme:
        print(theme)
    for line in [*settings_lines(conf, done.files, shown), *outside_paths(dest, done.files, root)]:
        print(line)
    print("next: make slides (and make check before class)")
    return 1 if done.failed else 0


class _Parser(argparse.ArgumentParser):
    """Usage errors as one ``port: ...`` line, exit status 2."""

    def error(self, message: str) -> NoReturn:  # noqa: D102
        raise PortError(message)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.port FROM [--name NAME] [--root DIR]``."""
    parser = _Parser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, metavar="FROM")
    parser.add_argument("--name", help="the folder under slides/ (default: the course's name)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project's root")
    try:
        args = parser.parse_args(argv)
        if args.source is None:
            raise PortError("FROM is missing: make port FROM=path/to/old/sphinx/source")
        return port(args.source, args.root.resolve(), args.name)
    except PortError as exc:
        print(f"port: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # every file is written in one step: what is there is whole
        print("port: interrupted; run it again to copy the rest", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the report was piped into a reader that stopped (| head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
