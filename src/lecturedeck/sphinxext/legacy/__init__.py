"""Decks written for older Sphinx slide toolchains build unchanged, with the meaning they had.

One module per toolchain, each mapping that toolchain's directives, roles, classes and
settings onto this project's decks, with the table of what becomes what in its docstring:

* :mod:`~.revealjs`      sphinx-revealjs 1 to 3 (snake_case names, source lines)
* :mod:`~.hieroglyph`    hieroglyph (slide levels, slide, nextslide, ifslides, notes, builds)
* :mod:`~.sphinxjp`      sphinxjp.themes.revealjs (revealjs, rv_code, rv_small, rv_note)
* :mod:`~.sphinxcontrib` sphinxcontrib-revealjs (newslide, interslide, speaker, incremental)

What they share: :mod:`~.slides` (the nodes they map onto, and the reshaping of sections
into slides), :mod:`~.thirdparty` (which extension an unknown name comes from). A course's
own ``conf.py``, copied with it under ``slides/``, is read (never run) for its settings.

A new toolchain is one more module here, named in :data:`TOOLCHAINS`.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from lecturedeck import courseconf

if TYPE_CHECKING:  # importing the package (for thirdparty's table) must not load Sphinx
    from sphinx.application import Sphinx
    from sphinx.config import Config

# The toolchain modules, in the order their directives are registered.
TOOLCHAINS = ["revealjs", "hieroglyph", "sphinxjp", "sphinxcontrib"]


def _course_sources(app: Sphinx, config: Config) -> None:
    """A ported course's own ``exclude_patterns`` and ``source_suffix`` keep applying to it.

    A source that another includes is a part of that deck, not a document of its own.
    """
    srcdir = Path(app.srcdir)
    patterns = [*courseconf.excluded(srcdir), *courseconf.included(srcdir)]
    suffixes = {s for c in courseconf.course_confs(srcdir) for s in courseconf.source_suffixes(c)}
    if suffixes:
        ours = set(courseconf.course_sources(srcdir))
        if not isinstance(config.source_suffix, dict):  # conf.py's str or list, as Sphinx reads it
            given = config.source_suffix
            given = [given] if isinstance(given, str) else list(given)
            config.source_suffix = dict.fromkeys(given, "restructuredtext")
        for suffix in sorted(suffixes):
            config.source_suffix.setdefault(suffix, "restructuredtext")
            others = sorted(p for p in srcdir.rglob(f"*{suffix}") if p not in ours)
            patterns += [p.relative_to(srcdir).as_posix() for p in others]
    config.exclude_patterns = [*config.exclude_patterns, *patterns]


def course_stylesheets(conf: courseconf.CourseConf) -> list[str]:
    """The stylesheets a course's own conf.py gave its slides, as ``_static/`` paths.

    hieroglyph's ``slide_theme_options['custom_css']``, sphinx-revealjs's
    ``revealjs_css_files``, sphinxjp's ``html_theme_options['customcss']`` (return42's fork)
    and ``html_css_files`` (the html builder was sphinxjp's slide builder). Only files the
    course has count: the others named reveal.js's own files or a site on the network.
    """
    names: list[str] = []
    options = conf.get("slide_theme_options")
    if conf.toolchain == "hieroglyph" and isinstance(options, dict):
        names.append(options.get("custom_css", ""))
    if conf.toolchain == "sphinx-revealjs":
        names += conf.strings("revealjs_css_files")
    if conf.toolchain == "sphinxjp.themes.revealjs":
        theme = conf.get("html_theme_options")
        names.append(theme.get("customcss", "") if isinstance(theme, dict) else "")
        names += conf.strings("html_css_files")
    folder = conf.path.parent
    found = []
    for name in names:
        if not isinstance(name, str) or not name or "://" in name or name.startswith("//"):
            continue
        rel = name.removeprefix("_static/")
        if any((folder / static / rel).is_file() for static in conf.static_paths):
            found.append(f"_static/{rel}")
    return list(dict.fromkeys(found))


def _course_stylesheet_links(env: object, doctree: object) -> None:
    """Link a ported course's own stylesheets into one of its decks.

    As a raw-HTML ``<link>`` on its first slide (a stylesheet in the body applies to the whole
    page, after the theme's), so that the deck's assets publish it, and what it loads, with
    the deck, and a missing file fails as a missing raw-HTML file does.
    """
    from docutils import nodes

    docdir = Path(env.doc2path(env.docname)).parent
    conf = courseconf.course_conf(docdir, Path(env.srcdir))
    top = next(iter(doctree.findall(nodes.section)), None)
    if conf is None or top is None:
        return
    hrefs = [os.path.relpath(conf.path.parent / rel, docdir) for rel in course_stylesheets(conf)]
    links = [f'<link rel="stylesheet" href="{Path(href).as_posix()}">' for href in hrefs]
    if links:
        raw = nodes.raw("", "\n".join(links), format="html")
        raw.source = str(conf.path)
        top.insert(1 if top.children and isinstance(top[0], nodes.title) else 0, raw)


def _scope_to_course(env: object, document: object) -> None:
    """Keep a ported course's labels and ``/`` paths its own, as in its own Sphinx project.

    Two courses may each define ``.. _intro:``: a course's labels become ``<course>:intro``,
    and its ``:ref:`` references to them follow. A ``:doc:`/x``` reference is from the
    course's folder, as it was from the old source folder.
    """
    from docutils import nodes
    from sphinx import addnodes

    srcdir = Path(env.srcdir)
    conf = courseconf.course_conf(Path(env.doc2path(env.docname)).parent, srcdir)
    if conf is None:
        return
    course = conf.path.parent.relative_to(srcdir.resolve()).as_posix()
    labels = courseconf.course_labels(conf)
    scoped = {name: f"{course}:{name}" for name in labels}
    for name in [n for n in document.nametypes if n in scoped and document.nametypes[n]]:
        document.nametypes[scoped[name]] = document.nametypes.pop(name)
        document.nameids[scoped[name]] = document.nameids.pop(name)
    for node in document.findall(nodes.Element):
        if any(n in scoped for n in node.get("names", ())):
            node["names"] = [scoped.get(n, n) for n in node["names"]]
    for ref in document.findall(addnodes.pending_xref):
        target = ref.get("reftarget", "")
        if ref.get("refdomain") == "std" and ref.get("reftype") in {"ref", "numref"}:
            ref["reftarget"] = scoped.get(target, target)
        elif ref.get("reftype") == "doc" and target.startswith("/"):
            ref["reftarget"] = f"/{course}{target}"


def setup(app: Sphinx) -> None:
    """Register every toolchain's constructs."""
    from sphinx.transforms import SphinxTransform

    from lecturedeck.sphinxext.legacy import slides

    class CourseStylesheets(SphinxTransform):
        default_priority = 99  # before the deck's assets are checked and published

        def apply(self, **kwargs: object) -> None:
            _course_stylesheet_links(self.env, self.document)
            _scope_to_course(self.env, self.document)

    from sphinx.directives.code import Highlight

    # Sphinx 4 removed ``highlightlang``, which courses of its time wrote for ``highlight``.
    app.add_directive("highlightlang", Highlight, override=True)
    app.connect("config-inited", _course_sources)
    app.add_transform(CourseStylesheets)
    slides.setup(app)
    for name in TOOLCHAINS:
        importlib.import_module(f"{__name__}.{name}").setup(app)
