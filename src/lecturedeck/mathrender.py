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

import hashlib
import json
import os
import re
import subprocess
from html import escape
from pathlib import Path

from docutils import nodes
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


class KatexProcess:
    """One long-lived ``node`` process running KaTeX, started on first use.

    Rendered formulas are kept in a cache file beside Sphinx's doctrees, keyed by
    the KaTeX version and the renderer script, so an edit that touches no formula
    starts no ``node`` at all. Sphinx may fork reader processes: each starts its
    own renderer and leaves what it rendered in a shard file, which the main
    process merges into the cache when the build ends.
    """

    def __init__(self, katex_dir: Path, cache_file: Path) -> None:
        self.katex_dir = katex_dir
        self.cache_file = cache_file
        self._proc: subprocess.Popen[str] | None = None
        self._pid = -1
        self._key = f"{katex_version(katex_dir)} {_renderer_hash()}"
        self._cache: dict[str, list[str | None]] = {}
        self._dirty = False
        for path in [cache_file, *self._shards()]:
            self._cache.update(self._load(path))

    def _shards(self) -> list[Path]:
        return sorted(self.cache_file.parent.glob(self.cache_file.stem + ".*.json"))

    def _load(self, path: Path) -> dict[str, list[str | None]]:
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return stored.get("formulas", {}) if stored.get("key") == self._key else {}

    def save(self) -> None:
        """Keep what this process rendered.

        The main process writes the cache, merging the forked readers' shards; a forked
        reader writes its own shard.
        """
        if os.getpid() != _main_pid:
            if self._dirty:
                shard = self.cache_file.with_suffix(f".{os.getpid()}.json")
                shard.write_text(json.dumps({"key": self._key, "formulas": self._cache}))
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
                raise RuntimeError(
                    f"KaTeX is not installed at {self.katex_dir}; run `npm ci` in the project root"
                )
            self._proc = subprocess.Popen(
                ["node", str(RENDERER), str(self.katex_dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
            self._pid = os.getpid()
        return self._proc

    def render(self, tex: str, display: bool) -> tuple[str | None, str | None]:
        """Return ``(html, None)``, or ``(None, error message)``."""
        key = f"{int(display)}:{tex}"
        if key not in self._cache:
            proc = self._start()
            assert proc.stdin and proc.stdout
            proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            proc.stdin.flush()
            reply = json.loads(proc.stdout.readline())
            self._cache[key] = [reply.get("html"), reply.get("error")]
            self._dirty = True
        html, error = self._cache[key]
        return html, error

    def close(self) -> None:
        """Stop the node process, if this process started one."""
        if self._proc is not None and self._pid == os.getpid():
            self._proc.stdin.close()  # type: ignore[union-attr]
            self._proc.wait(timeout=10)
        self._proc = None


_katex: KatexProcess | None = None
_main_pid = os.getpid()  # the process Sphinx runs in; set again in setup()


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


def render_math(app: Sphinx, doctree: nodes.document) -> None:
    """Render every formula of a document just read; report each one KaTeX rejects."""
    katex = _renderer(app)
    for node in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))):
        display = isinstance(node, nodes.math_block)
        if display and node.get("nowrap"):
            sources = [node.astext()]
        elif display:
            sources = to_katex(node.astext())
        else:
            sources = [node.astext()]
        pieces = []
        for tex in sources:
            html, error = katex.render(tex, display)
            if error:
                logger.warning("math: %s", error, location=node, type="math", subtype="katex")
                html = f'<span class="math-error">{escape(tex)}</span>'
            pieces.append(html)
        node[HTML_KEY] = "".join(pieces)
    if os.getpid() != _main_pid:  # a forked reader: the main process never sees its cache
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
    """Stop the KaTeX process at the end of the build, and keep what it rendered."""
    global _katex
    if _katex is None and any(Path(app.doctreedir).glob("katex-cache.*.json")):
        _renderer(app)  # only forked readers rendered: merge their shards
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
