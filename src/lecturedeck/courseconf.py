"""A ported course's own ``conf.py``: read, never run.

An old course's ``conf.py`` imports what is not installed here (its theme, its toolchain,
``sphinx_rtd_theme``, a version module), so it is parsed with :mod:`ast` and only the
assignments whose values are literals are taken, with :func:`ast.literal_eval`. An assignment
whose value is computed when it runs (``version = mymodule.__version__``) is listed in
:attr:`CourseConf.unreadable` with its line, never guessed.

Both the Sphinx extension (which reads a deck's settings from the ``conf.py`` of its course
folder) and ``make port`` use this module, so it imports only the standard library.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

CONF = "conf.py"

# The toolchain a course was written for, recognised by its conf.py: (name, extension
# modules or html_theme values that mean it). The first that matches wins.
TOOLCHAINS: list[tuple[str, tuple[str, ...]]] = [
    ("hieroglyph", ("hieroglyph",)),
    ("sphinxjp.themes.revealjs", ("sphinxjp.themes.revealjs", "sphinxjp.themecore", "revealjs")),
    ("sphinxcontrib-revealjs", ("sphinxcontrib.revealjs",)),
    ("sphinx-revealjs", ("sphinx_revealjs",)),
]


@dataclass
class CourseConf:
    """The literal settings of one ``conf.py``."""

    path: Path
    values: dict[str, object] = field(default_factory=dict)
    # (name, line) of each assignment whose value is computed when conf.py runs.
    unreadable: list[tuple[str, int]] = field(default_factory=list)
    error: str | None = None  # why the file could not be parsed at all

    def get(self, name: str, default: object = None) -> object:
        """A setting's value, or ``default`` when conf.py does not set it literally."""
        return self.values.get(name, default)

    def strings(self, name: str) -> list[str]:
        """A list-of-strings setting (``extensions``, ``html_static_path``); [] if absent."""
        value = self.values.get(name)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple):
            return [v for v in value if isinstance(v, str)]
        return []

    @property
    def extensions(self) -> list[str]:
        """The extension modules the course loads."""
        return self.strings("extensions")

    @property
    def toolchain(self) -> str | None:
        """The slide toolchain the course was written for, or None."""
        marks = {*self.extensions, str(self.get("html_theme", ""))}
        for name, signs in TOOLCHAINS:
            if marks.intersection(signs):
                return name
        return None

    @property
    def static_paths(self) -> list[str]:
        """Folders (relative to conf.py) whose files the old build served under ``_static/``."""
        found = self.strings("html_static_path") + self.strings("revealjs_static_path")
        return list(dict.fromkeys(found))


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _target_names(elt)]
    return []


class _Reader(ast.NodeVisitor):
    """Collect top-level (and ``if``/``try``-nested) assignments of literal values."""

    def __init__(self, conf: CourseConf) -> None:
        self.conf = conf

    def _set(self, name: str, value: ast.expr, line: int) -> None:
        try:
            self.conf.values[name] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            self.conf.values.pop(name, None)
            self.conf.unreadable.append((name, line))

    def visit_Assign(self, node: ast.Assign) -> None:  # noqa: D102
        for target in node.targets:
            names = _target_names(target)
            if len(names) == 1 and isinstance(target, ast.Name):
                self._set(names[0], node.value, node.lineno)
            else:
                self.conf.unreadable.extend((n, node.lineno) for n in names)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:  # noqa: D102
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._set(node.target.id, node.value, node.lineno)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:  # noqa: D102
        if not isinstance(node.target, ast.Name) or not isinstance(node.op, ast.Add):
            return
        name, old = node.target.id, self.conf.values.get(node.target.id)
        try:
            added = ast.literal_eval(node.value)
            self.conf.values[name] = old + added if old is not None else added
        except (ValueError, TypeError, SyntaxError):
            self.conf.unreadable.append((name, node.lineno))

    def visit_Expr(self, node: ast.Expr) -> None:  # noqa: D102
        # extensions.append("x") / extensions.extend([...]) / extensions.insert(0, "x")
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            return
        owner = call.func.value
        if not isinstance(owner, ast.Name) or not isinstance(self.conf.values.get(owner.id), list):
            return
        target: list = self.conf.values[owner.id]  # type: ignore[assignment]
        try:
            args = [ast.literal_eval(a) for a in call.args]
        except (ValueError, TypeError, SyntaxError):
            self.conf.unreadable.append((owner.id, node.lineno))
            return
        if call.func.attr == "append" and len(args) == 1:
            target.append(args[0])
        elif call.func.attr == "extend" and len(args) == 1 and isinstance(args[0], list | tuple):
            target.extend(args[0])
        elif call.func.attr == "insert" and len(args) == 2:
            target.insert(args[0], args[1])

    # Functions and classes run only when called: their bodies are not settings.
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: D102
        return

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:  # noqa: D102
        return


def read(path: Path) -> CourseConf:
    """The literal settings of the ``conf.py`` at ``path`` (never run)."""
    conf = CourseConf(path)
    try:
        source = path.read_bytes()
        tree = ast.parse(source, filename=str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        conf.error = f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}" + (
            f" (line {line})" if line else ""
        )
        return conf
    _Reader(conf).visit(tree)
    return conf


@functools.lru_cache(maxsize=64)
def _read_cached(path: Path, mtime_ns: int, size: int) -> CourseConf:
    return read(path)


def course_conf(folder: Path, top: Path) -> CourseConf | None:
    """The ``conf.py`` nearest above ``folder``, up to and including ``top``; None if none."""
    folder, top = folder.resolve(), top.resolve()
    for candidate in [folder, *folder.parents]:
        path = candidate / CONF
        if path.is_file():
            st = path.stat()
            return _read_cached(path, st.st_mtime_ns, st.st_size)
        if candidate == top or top not in candidate.parents:
            return None
    return None


def course_confs(slides: Path) -> list[CourseConf]:
    """The ``conf.py`` of every course folder under ``slides`` (not in partials), in path order."""
    found = []
    for path in sorted(slides.rglob(CONF)):
        rel = path.relative_to(slides)
        if len(rel.parts) > 1 and not any(p.startswith(("_", ".")) for p in rel.parts[:-1]):
            st = path.stat()
            found.append(_read_cached(path.resolve(), st.st_mtime_ns, st.st_size))
    return found


def source_suffixes(conf: CourseConf) -> list[str]:
    """The suffixes of a course's sources besides ``.rst`` (``source_suffix = '.txt'``)."""
    value = conf.get("source_suffix")
    found = (
        [value]
        if isinstance(value, str)
        else list(value or [])
        if isinstance(value, list | tuple | dict)
        else []
    )
    return [s for s in found if isinstance(s, str) and s.startswith(".") and s != ".rst"]


def course_sources(slides: Path) -> list[Path]:
    """The sources of other suffixes that courses declare, each inside its own course.

    A course whose conf.py says ``source_suffix = '.txt'`` has its ``.txt`` files built as
    decks, as its old build did; ``.txt`` files elsewhere stay include files.
    """
    found: list[Path] = []
    for conf in course_confs(slides):
        for suffix in source_suffixes(conf):
            found += sorted(conf.path.parent.rglob(f"*{suffix}"))
    return found


_LABEL = re.compile(r"^\s*\.\. _([^:`][^:]*|`[^`]+`):\s*$", re.MULTILINE)


@functools.lru_cache(maxsize=64)
def _labels_cached(folder: Path, stamp: tuple) -> frozenset[str]:
    found = set()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".rst", ".txt", ".inc"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found.update(" ".join(m.strip("`").lower().split()) for m in _LABEL.findall(text))
    return frozenset(found)


def course_labels(conf: CourseConf) -> frozenset[str]:
    """The explicit labels (``.. _intro:``) that a course's own sources define.

    Each course was a Sphinx project of its own, so two courses may both define ``intro``:
    a course's labels and the references to them are scoped to the course.
    """
    folder = conf.path.parent
    stamp = tuple(
        (str(p), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".rst", ".txt", ".inc"}
    )
    return _labels_cached(folder, stamp)


def excluded(slides: Path) -> list[str]:
    """The courses' own ``exclude_patterns``, each made relative to ``slides`` (Sphinx's form)."""
    slides = slides.resolve()
    patterns = []
    for conf in course_confs(slides):
        folder = conf.path.parent.relative_to(slides).as_posix()
        patterns += [f"{folder}/{p.strip('/')}" for p in conf.strings("exclude_patterns")]
    return patterns


_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\.[ \t]+(?P<name>[\w:-]+)::[ \t]*(?P<arg>.*?)[ \t]*$"
)
_OPTION = re.compile(r"^[ \t]+:(?P<name>[\w-]+):")
# Directives whose content is shown as it is written, never parsed: an include in it is text.
_LITERAL = {"code-block", "code", "sourcecode", "parsed-literal", "raw", "highlight", "math"}
# An include with one of these quotes the file, or takes a part of it: the file stays a deck.
_PARTIAL_INCLUDE = {
    "literal",
    "code",
    "parser",
    "start-after",
    "end-before",
    "start-line",
    "end-line",
}
_DOC_ROLE = re.compile(r":doc:`(?:[^`<]*<)?(?P<target>[^`<>]+?)>?`")


def _scan(text: str) -> tuple[list[str], list[str]]:
    """The files a source includes whole, and the documents its toctrees and ``:doc:`` name.

    A line scan: a literal block (after ``::``, or in ``code-block`` and the like) is text;
    an include with ``:literal:``, ``:start-after:`` and the like is not a whole file.
    """
    includes: list[str] = []
    named = [m["target"] for m in _DOC_ROLE.finditer(text)]
    lines = text.splitlines()
    literal_at: int | None = None  # the indent that a literal block's lines go beyond
    toctree_at: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if line.strip() and literal_at is not None and indent <= literal_at:
            literal_at = None
        if line.strip() and toctree_at is not None and indent <= toctree_at:
            toctree_at = None
        if literal_at is not None:
            i += 1
            continue
        if toctree_at is not None and line.strip() and not _OPTION.match(line):
            entry = line.strip()
            named.append(entry[entry.rindex("<") + 1 : -1] if entry.endswith(">") else entry)
        match = _DIRECTIVE.match(line)
        if match:
            name = match["name"]
            if name in _LITERAL:
                literal_at = indent
            elif name == "toctree":
                toctree_at = indent
            elif name == "include" and match["arg"] and not match["arg"].startswith("<"):
                options = set()
                j = i + 1
                while j < len(lines) and (option := _OPTION.match(lines[j])):
                    options.add(option["name"])
                    j += 1
                if not options & _PARTIAL_INCLUDE:
                    includes.append(match["arg"])
        elif line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            literal_at = indent
        i += 1
    return includes, named


@functools.lru_cache(maxsize=64)
def _included_cached(slides: Path, stamp: tuple, confs: tuple) -> tuple[str, ...]:
    courses = [c.path.parent for c in course_confs(slides)]
    sources = dict(stamp)
    drafts = [glob_regex(p) for p in excluded(slides)]
    found: set[str] = set()
    named: set[str] = set()

    def resolve(path: Path, given: str) -> str | None:
        if given.startswith("/"):  # from the top of the nearest course, as its old build read it
            top = max(
                (c for c in courses if c in path.parents),
                key=lambda c: len(c.parts),
                default=slides,
            )
            target = top / given.lstrip("/")
        else:
            target = path.parent / given
        try:
            return target.resolve().relative_to(slides).as_posix()
        except (OSError, ValueError):
            return None

    for name in sources:
        if any(d.fullmatch(name) for d in drafts):
            continue  # a draft the course leaves out includes nothing
        path = slides / name
        includes, docs = _scan(path.read_text(encoding="utf-8", errors="replace"))
        for given in includes:
            rel = resolve(path, given)
            if rel in sources and rel != name:
                found.add(rel)
        for doc in docs:
            rel = resolve(path, doc)
            if rel is not None:
                named.add(rel)
    # A file that a toctree or a :doc: link names is a document there too: it stays a deck.
    kept = {f for f in found if f.rsplit(".", 1)[0] not in named and f not in named}
    return tuple(sorted(kept))


def included(slides: Path) -> list[str]:
    """The sources under ``slides`` that another one includes (``.. include:: recap.rst``).

    Each is a part of the deck that includes it, not a deck of its own, as in a course whose
    index is a list of includes, one per slide. Only a whole include counts (not one with
    ``:literal:`` or ``:start-after:``, nor one shown in a literal block), from a source the
    course does not exclude, and a file that a toctree or a ``:doc:`` link names stays a
    document. Paths relative to ``slides``, as globs.
    """
    slides = slides.resolve()
    suffixes = {".rst", *(s for c in course_confs(slides) for s in source_suffixes(c))}
    stamp = tuple(
        (p.relative_to(slides).as_posix(), p.stat().st_mtime_ns)
        for p in sorted(slides.rglob("*"))
        if p.suffix in suffixes and p.is_file()
    )
    confs = tuple((str(c.path), c.path.stat().st_mtime_ns) for c in course_confs(slides))
    found = _included_cached(slides, stamp, confs)
    return [re.sub(r"([*?[])", r"[\1]", name) for name in found]


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A Sphinx ``exclude_patterns`` glob as a regex.

    ``*`` and ``?`` stop at ``/``, ``**`` crosses it, ``[...]`` is a character class; a
    pattern also excludes everything below the folder it names.
    """
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + "(?:/.*)?")
