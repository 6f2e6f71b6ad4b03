"""Math prerendered with KaTeX at build time, with parse errors as build errors.

Every ``math`` role and ``math`` directive is rendered when its document is
read, so the deck needs no math script at all and shows no raw TeX offline. A
formula KaTeX cannot parse is reported as ``file:line: math: KaTeX parse error``
and, because decks build with warnings as errors, fails the build.

KaTeX lacks a few environments that older decks use; :func:`to_katex`
translates them first (``eqnarray*`` becomes ``aligned``, and a bare block of
``&=`` rows is wrapped in ``aligned``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
from html import escape
from pathlib import Path

from docutils import nodes
from docutils.utils import get_source_line
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

RENDERER = Path(__file__).with_name("katex_render.cjs")
HTML_KEY = "lecturedeck_html"

_EQNARRAY = re.compile(r"\\begin\{eqnarray\*?\}(.*?)\\end\{eqnarray\*?\}", re.S)
# eqnarray rows read ``lhs &rel& rhs``; aligned rows read ``lhs &rel rhs``.
_EQNARRAY_REL = re.compile(r"&\s*(=|<|>|\\[a-zA-Z]+)\s*&")


def to_katex(latex: str) -> list[str]:
    """Translate one math block into the TeX strings KaTeX renders, one per equation.

    Blank lines separate equations, as in Sphinx's ``math`` directive.
    """
    parts = [p.strip() for p in re.split(r"\n\s*\n", latex) if p.strip()]
    out = []
    for part in parts:
        part = _EQNARRAY.sub(
            lambda m: (
                r"\begin{aligned}" + _EQNARRAY_REL.sub(r"&\1 ", m.group(1)) + r"\end{aligned}"
            ),
            part,
        )
        if not part.startswith(r"\begin") and ("&" in part or r"\\" in part):
            part = r"\begin{aligned}" + part + r"\end{aligned}"
        out.append(part)
    return out


class KatexUnavailable(Exception):
    """KaTeX cannot render at all (not installed, no node): one build error, not a crash."""


_POSITION = re.compile(r" at position (\d+): (.*)$", re.S)
_UNDERLINE = "\u0332"


def author_offset(original: str, translated: str, index: int) -> int:
    """Where character ``index`` of ``translated`` came from in ``original``."""
    matcher = difflib.SequenceMatcher(None, original, translated, autojunk=False)
    blocks = matcher.get_matching_blocks()
    for a, b, size in blocks:
        if b <= index < b + size:
            return a + index - b
    # Inserted by the translation: the author's text just after it.
    after = [a for a, b, size in blocks if b > index and size]
    return after[0] if after else len(original)


def locate_error(error: str, original: str, translated: str) -> tuple[int, str]:
    """Move a KaTeX message's ``at position N`` into the author's text.

    Return the line of the formula it falls on (0 for the first) and the message, whose
    position then counts characters in that line and whose excerpt is the author's text.
    """
    found = _POSITION.search(error)
    if not found:
        return 0, error
    offset = author_offset(original, translated, int(found.group(1)) - 1)
    line_start = original.rfind("\n", 0, offset) + 1
    marked = max(1, found.group(2).count(_UNDERLINE))
    line_end = original.find("\n", offset)
    line_end = len(original) if line_end < 0 else line_end
    token = original[offset : min(offset + marked, line_end)]
    before = original[max(line_start, offset - 15) : offset]
    excerpt = ("…" if offset - 15 > line_start else "") + before
    excerpt += "".join(c + _UNDERLINE for c in token)
    message = f"{error[: found.start()]} at position {offset - line_start + 1}: {excerpt}"
    return original.count("\n", 0, offset), message


class KatexProcess:
    """One long-lived ``node`` process running KaTeX, started on first use.

    Rendered formulas are kept in a cache file beside Sphinx's doctrees, keyed by
    the KaTeX version and the renderer script, so an edit that touches no formula
    starts no ``node`` at all. Sphinx may fork reader processes: each starts its
    own renderer and leaves what it rendered in a shard file, which the main
    process merges into the cache when the build ends. A reader reads the cache
    alone: the shards belong to readers that may be writing them at that moment.
    """

    def __init__(self, katex_dir: Path, cache_file: Path) -> None:
        self.katex_dir = katex_dir
        self.cache_file = cache_file
        self._proc: subprocess.Popen[str] | None = None
        self._pid = -1
        self._key = f"{katex_version(katex_dir)} {_renderer_hash()}"
        self._cache: dict[str, list[str | None]] = {}
        self._dirty = False
        for path in [cache_file] if _forked_reader() else [cache_file, *self._shards()]:
            self._cache.update(self._load(path))

    def _shards(self) -> list[Path]:
        return sorted(self.cache_file.parent.glob(self.cache_file.stem + ".*.json"))

    def _load(self, path: Path) -> dict[str, list[str | None]]:
        try:
            text = path.read_text()
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            text = ""
        try:
            stored = json.loads(text)
        except ValueError:
            stored = None
        if isinstance(stored, dict) and stored.get("key") != self._key:
            return {}  # another KaTeX or renderer: nothing in it applies
        formulas = stored.get("formulas") if isinstance(stored, dict) else None
        if isinstance(formulas, dict) and all(
            isinstance(v, list) and len(v) == 2 and all(x is None or isinstance(x, str) for x in v)
            for v in formulas.values()
        ):
            return formulas
        print(f"slides: note: {path} is not a KaTeX cache; discarded", file=sys.stderr)
        path.unlink(missing_ok=True)
        return {}

    def save(self) -> None:
        """Keep what this process rendered.

        The main process writes the cache, merging the forked readers' shards; a forked
        reader writes its own shard.
        """
        if _forked_reader():
            if self._dirty:
                shard = self.cache_file.with_suffix(f".{os.getpid()}.json")
                part = shard.with_suffix(".part")  # whole or absent, for the main process
                part.write_text(json.dumps({"key": self._key, "formulas": self._cache}))
                os.replace(part, shard)
                self._dirty = False
            return
        shards = self._shards()
        for shard in shards:
            self._cache.update(self._load(shard))
        if self._dirty or shards:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            part = self.cache_file.with_suffix(".part")
            part.write_text(json.dumps({"key": self._key, "formulas": self._cache}))
            os.replace(part, self.cache_file)
            for shard in shards:
                shard.unlink(missing_ok=True)
            self._dirty = False

    def _start(self) -> subprocess.Popen[str]:
        if self._proc is None or self._pid != os.getpid() or self._proc.poll() is not None:
            if not (self.katex_dir / "package.json").exists():
                raise KatexUnavailable(
                    f"KaTeX is not installed at {self.katex_dir}; run `npm ci` (or `make setup`)"
                )
            try:
                self._proc = subprocess.Popen(
                    ["node", str(RENDERER), str(self.katex_dir)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    encoding="utf-8",
                )
            except OSError as exc:
                raise KatexUnavailable(f"cannot run node for KaTeX: {exc.strerror}") from None
            self._pid = os.getpid()
        return self._proc

    def render(self, tex: str, display: bool) -> tuple[str | None, str | None]:
        """Return ``(html, None)``, or ``(None, error message)``."""
        key = f"{int(display)}:{tex}"
        if key not in self._cache:
            proc = self._start()
            assert proc.stdin and proc.stdout
            try:
                proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
                proc.stdin.flush()
                reply = json.loads(proc.stdout.readline())
            except (OSError, ValueError):
                self._proc = None
                raise KatexUnavailable(
                    f"the KaTeX renderer (node {RENDERER.name}) stopped; "
                    f"is {self.katex_dir} a working KaTeX?"
                ) from None
            self._cache[key] = [reply.get("html"), reply.get("error")]
            self._dirty = True
        html, error = self._cache[key]
        return html, error

    def close(self) -> None:
        """Stop the node process, if this process started one."""
        if self._proc is not None and self._pid == os.getpid():
            try:
                self._proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            self._proc.wait(timeout=10)
        self._proc = None


_katex: KatexProcess | None = None
_main_pid = os.getpid()  # the process Sphinx runs in; set again in setup()


def _forked_reader() -> bool:
    """Whether this is a reader process that Sphinx -j forked, not the build's own."""
    return os.getpid() != _main_pid


def katex_version(katex_dir: Path) -> str:
    """The installed KaTeX's version, or "missing"."""
    try:
        return json.loads((katex_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "missing"


def _renderer_hash() -> str:
    return hashlib.sha256(RENDERER.read_bytes()).hexdigest()[:16]


def _renderer(app: Sphinx) -> KatexProcess:
    global _katex
    if _katex is None:
        modules = Path(app.config.lecturedeck_node_modules)
        _katex = KatexProcess(modules / "katex", Path(app.doctreedir) / "katex-cache.json")
    return _katex


def content_line(source: str, line: int, text: str) -> int:
    """The line of ``source`` where a math block's ``text`` starts, at or after ``line``.

    Sphinx gives a ``math`` block the line of its directive; the formula starts after the
    directive's options and a blank line.
    """
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return line
    for number in range(line, min(len(lines), line + 50) + 1):
        if lines[number - 1].strip() == first:
            return number
    return line


def render_math(app: Sphinx, doctree: nodes.document) -> None:
    """Render every formula of a document just read; report each one KaTeX rejects."""
    katex = _renderer(app)
    unavailable = None
    for node in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))):
        display = isinstance(node, nodes.math_block)
        original = node.astext()
        if display and not node.get("nowrap"):
            sources = to_katex(original)
        else:
            sources = [original]
        pieces = []
        for tex in sources:
            if unavailable is None:
                try:
                    html, error = katex.render(tex, display)
                except KatexUnavailable as exc:
                    unavailable = str(exc)
                    logger.error("math: %s", unavailable, location=node)
            if unavailable is not None:
                html, error = None, None
            elif error:
                rows, error = locate_error(error, original, tex)
                source, line = get_source_line(node)
                if source and line and display:  # found by the formula as written
                    line = content_line(source, line, node.get("lecturedeck_authored", original))
                where = f"{source}:{line + rows}" if source and line else node
                logger.warning("math: %s", error, location=where, type="math", subtype="katex")
            if html is None:
                html = f'<span class="math-error">{escape(tex)}</span>'
            pieces.append(html)
        node[HTML_KEY] = "".join(pieces)
    if _forked_reader():  # the main process never sees a forked reader's cache
        katex.save()


def visit_math(self, node: nodes.math) -> None:
    """Write a formula prerendered by :func:`render_math`."""
    self.body.append(f'<span class="math">{node.get(HTML_KEY, "")}</span>')
    raise nodes.SkipNode


def visit_math_block(self, node: nodes.math_block) -> None:
    """Write a display formula prerendered by :func:`render_math`."""
    self.body.append(f'<div class="math">{node.get(HTML_KEY, "")}</div>')
    raise nodes.SkipNode


def stop_renderer(app: Sphinx, exception: Exception | None) -> None:
    """Stop the KaTeX process at the end of the build, and keep what it rendered.

    With ``lecturedeck_keep_processes`` (``make preview``'s one long-lived application) the
    process stays for the next build; :func:`shutdown` stops it.
    """
    if _katex is None and any(Path(app.doctreedir).glob("katex-cache.*.json")):
        _renderer(app)  # only forked readers rendered: merge their shards
    if _katex is not None:
        _katex.save()
        if not app.config.lecturedeck_keep_processes:
            shutdown()


def shutdown() -> None:
    """Stop this process's KaTeX renderer, if it runs, keeping what it rendered."""
    global _katex
    if _katex is not None:
        _katex.close()
        _katex.save()
        _katex = None


def setup(app: Sphinx) -> None:
    """Register the prerendering math engine."""
    global _main_pid
    _main_pid = os.getpid()
    app.add_html_math_renderer(
        "lecturedeck", inline_renderers=(visit_math, None), block_renderers=(visit_math_block, None)
    )
    app.connect("doctree-read", render_math)
    app.connect("build-finished", stop_renderer)
