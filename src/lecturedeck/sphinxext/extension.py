"""The Sphinx extension: one ``setup()`` registers every build-time part of lecturedeck."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx_revealjs.utils import get_internal_static_path

from lecturedeck.project import copy_if_changed
from lecturedeck.sphinxext import cellrun, mathrender, pysnapshot

STATIC = Path(__file__).with_name("static")
TEMPLATES = Path(__file__).with_name("templates")

# The one place for defaults. Each can be overridden in conf.py.
DEFAULTS: dict[str, object] = {
    # Project root: where figs/, src/ and node_modules/ live. Default: conf.py's folder.
    "lecturedeck_root": "",
    # Where npm put KaTeX and Pyodide. Default: <root>/node_modules.
    "lecturedeck_node_modules": "",
    # Python package whose source live cells may import, served to the browser.
    "lecturedeck_package": "lecture_code",
}

# Files of the npm packages that the decks serve, relative to node_modules.
KATEX_FILES = ["katex/dist/katex.min.css", "katex/dist/fonts"]
# The charting library of explorable figures (UMD builds: they load from file:// too).
PLOT_FILES = ["d3/dist/d3.min.js", "@observablehq/plot/dist/plot.umd.min.js"]
PYODIDE_FILES = [
    "pyodide/pyodide.mjs",
    "pyodide/pyodide.asm.mjs",
    "pyodide/pyodide.asm.wasm",
    "pyodide/python_stdlib.zip",
    "pyodide/pyodide-lock.json",
]


def package_dir(name: str) -> Path:
    """The source folder of an importable package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not importable; is the project installed?")
    return Path(list(spec.submodule_search_locations)[0])


def _source_hash() -> str:
    """Hash of the files Sphinx runs or serves from lecturedeck: a change rebuilds every deck."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*here.rglob("*"), here.parent / "project.py", here.parent / "deps.py"]):
        if path.is_file() and path.suffix in {".py", ".cjs", ".js", ".css", ".html"}:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _configure(app: Sphinx, config: Config) -> None:
    root = Path(config.lecturedeck_root or app.confdir)
    config.lecturedeck_root = str(root)
    config.lecturedeck_node_modules = str(
        Path(config.lecturedeck_node_modules or root / "node_modules")
    )
    # sphinx-revealjs 3.2 appends its own static path when the builder starts, so a
    # pickled environment never matches conf.py and every build re-reads every deck.
    # Add it here, before the comparison, and drop the duplicate in _dedupe_static.
    # It also adds a key to revealjs_script_conf when it starts: add it first, for the same reason.
    if isinstance(config.revealjs_script_conf, dict):
        config.revealjs_script_conf.setdefault("scrollActivationWidth", None)
    internal = str(get_internal_static_path())
    paths = [p for p in config.revealjs_static_path if p != internal]
    config.revealjs_static_path = [*paths, str(STATIC), internal]
    # Formulas are rendered when a deck is read: a new KaTeX must re-read every deck.
    config.lecturedeck_katex_version = mathrender.katex_version(
        Path(config.lecturedeck_node_modules) / "katex"
    )
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")
    if str(TEMPLATES) not in config.templates_path:  # the deck page, with zoom allowed
        config.templates_path = [*config.templates_path, str(TEMPLATES)]
    for css in ("katex/katex.min.css", "pygments.css", "lecturedeck.css"):
        if css not in config.revealjs_css_files:
            config.revealjs_css_files.append(css)


def _dedupe_static(app: Sphinx) -> None:
    static = app.config.revealjs_static_path
    static[:] = list(dict.fromkeys(static))


def _copy_if_changed(src: Path, dst: Path) -> None:
    """A file, or a folder's files, into the build, each only if it changed."""
    for path in src.rglob("*") if src.is_dir() else [src]:
        if path.is_file():
            copy_if_changed(path, dst / path.relative_to(src) if src.is_dir() else dst)


# Fonts the first slide of almost any deck needs: preloaded, they download while the page is
# parsed instead of after its first layout has discovered them (about 100 ms sooner here).
PRELOAD_FONTS = [
    "revealjs/dist/theme/fonts/source-sans-pro/source-sans-pro-regular.woff",
    "revealjs/dist/theme/fonts/source-sans-pro/source-sans-pro-semibold.woff",
    "katex/fonts/KaTeX_Main-Regular.woff2",
    "katex/fonts/KaTeX_Math-Italic.woff2",
]


# The stylesheet of those fonts, which the theme's stylesheet @imports: linked from the page as
# well, it loads beside the theme instead of after it (the page paints once it has both).
FONT_STYLESHEETS = ["revealjs/dist/theme/fonts/source-sans-pro/source-sans-pro.css"]


def _preload_fonts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.name != "revealjs" or app.config.revealjs_style_theme != "white":
        return
    links = "".join(
        f'<link rel="stylesheet" href="{context["pathto"]("_static/" + css, 1)}">\n'
        for css in FONT_STYLESHEETS
    )
    links += "".join(
        f'<link rel="preload" href="{context["pathto"]("_static/" + font, 1)}" as="font" '
        f'type="font/{font.rsplit(".", 1)[1]}" crossorigin>\n'
        for font in PRELOAD_FONTS
    )
    context["metatags"] = context.get("metatags", "") + links


# Sphinx 9 forks its workers whenever it runs with -j, even to read one deck; below this many
# decks to read, the fork and its polling cost more than reading serially (measured: a
# one-deck edit of a 30-deck course took 1.8 s with two workers, 1.2 s serially).
PARALLEL_MIN_DOCS = 4


def _serial_for_few(app: Sphinx, env: object, docnames: list[str]) -> None:
    if app.parallel > 1 and len(docnames) < PARALLEL_MIN_DOCS:
        app.parallel = 1


def _add_deck_script(app: Sphinx) -> None:
    if app.builder.name == "revealjs":
        app.add_js_file("deck.js", defer="defer")


SNAPSHOT_FILE = "snapshot.gz"  # in _static/pyodide/


def _publish_snapshot(modules: Path, target: Path) -> str | None:
    """Copy the Pyodide snapshot ``make setup`` made into the build; its path under _static."""
    source = pysnapshot.snapshot_path(modules)
    if source is not None and source.is_file():
        _copy_if_changed(source, target)
        return f"pyodide/{target.name}"
    target.unlink(missing_ok=True)  # one made for another Pyodide
    if source is not None and not getattr(_publish_snapshot, "said", False):
        _publish_snapshot.said = True  # type: ignore[attr-defined]
        print(
            "slides: note: no Pyodide snapshot (make setup makes one); a live cell's first Run "
            "starts Pyodide from scratch, a few seconds slower",
            file=sys.stderr,
        )
    return None


def _publish_assets(app: Sphinx, exception: Exception | None) -> None:
    """Copy KaTeX, Pyodide and the lecture package into the build's _static folder."""
    if exception is not None or app.builder.format != "html":
        return
    modules = Path(app.config.lecturedeck_node_modules)
    static = Path(app.outdir) / "_static"
    for rel in KATEX_FILES:
        _copy_if_changed(modules / rel, static / "katex" / Path(rel).name)
    if app.builder.name == "revealjs":
        for rel in PYODIDE_FILES:
            _copy_if_changed(modules / rel, static / rel)
        for rel in PLOT_FILES:
            _copy_if_changed(modules / rel, static / "plot" / Path(rel).name)
        snapshot = _publish_snapshot(modules, static / "pyodide" / SNAPSHOT_FILE)
        # What live cells import in the browser: the cell runner and the lecture package,
        # each file on its own (to read) and all of them in the manifest (one request).
        pkg_dir = package_dir(app.config.lecturedeck_package)
        files = {"cellrun.py": Path(cellrun.__file__)}
        files.update({f"{pkg_dir.name}/{p.name}": p for p in sorted(pkg_dir.glob("*.py"))})
        for rel, src in files.items():
            _copy_if_changed(src, static / "py" / rel)
        sources = {rel: files[rel].read_text(encoding="utf-8") for rel in sorted(files)}
        manifest = json.dumps({"files": sources, "snapshot": snapshot}, indent=1) + "\n"
        target = static / "py" / "manifest.json"
        if not target.exists() or target.read_text() != manifest:
            target.write_text(manifest)


def setup(app: Sphinx) -> dict[str, object]:
    """Register everything the decks need with Sphinx."""
    from lecturedeck.sphinxext import (
        assets,
        cells,
        claims,
        deckindex,
        evalrole,
        explorable,
        legacy,
        livecode,
        quiz,
        strict,
    )
    from lecturedeck.sphinxext.writer import DeckTranslator

    # sphinx-revealjs 3.2 declares itself unsafe for parallel reading, so `-j` falls back
    # to serial reading (and warns, which a strict build turns into an error). Its
    # directives only create nodes and keep no state in the environment; the one piece
    # of state it has (the current slide's config) lives in the builder and is used
    # while writing, one document at a time per process. Reading in parallel is safe.
    revealjs = app.extensions.get("sphinx_revealjs")
    if revealjs is not None:
        revealjs.parallel_read_safe = True
    for name, default in DEFAULTS.items():
        app.add_config_value(name, default, "env")
    app.add_config_value("lecturedeck_source_hash", _source_hash(), "env")
    app.add_config_value("lecturedeck_katex_version", "", "env")
    # Set by `make preview`, whose one application builds again on every save: the KaTeX
    # process and the cell workers' server then stay up between builds. Changes no output.
    app.add_config_value("lecturedeck_keep_processes", False, "")
    app.connect("config-inited", _configure, priority=900)
    app.connect("builder-inited", _dedupe_static)
    app.connect("build-finished", _publish_assets)
    app.connect("html-page-context", _preload_fonts)
    app.connect("env-before-read-docs", _serial_for_few)
    app.connect("builder-inited", _add_deck_script)
    app.set_translator("revealjs", DeckTranslator, override=True)
    strict.setup(app)
    legacy.setup(app)
    assets.setup(app)
    mathrender.setup(app)
    deckindex.setup(app)
    cells.setup(app)
    livecode.setup(app)
    quiz.setup(app)
    explorable.setup(app)
    evalrole.setup(app)
    claims.setup(app)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
