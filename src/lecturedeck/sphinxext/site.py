"""The companion site's directives (``extensions += ["lecturedeck.sphinxext.site"]``).

``deck-links``
    a list of the decks in ``slides/``, titled as the decks are, each linking to
    its built deck and its notebook beside the site (``../slides/<deck>.html``,
    ``../notebooks/<deck>.ipynb``, written by ``make notebooks``), and to the notebook
    in JupyterLite (``lite/notebooks/index.html?path=<deck>.ipynb``, which jupyterlite-sphinx
    builds into the site): "Module 4.4 — slides · notebook · run it in the browser".
    Adding a deck needs no edit here.
``package-api``
    one section per public module of a package, each with ``automodule``.

The extension also dresses the site in the project's palette (``site_static/site.css``,
over pydata-sphinx-theme's colour variables) and shows the decks' favicon as its logo.
It drops the stylesheets another extension adds from the network (jupyterlite-sphinx adds a
web font that nothing on this site uses): the site loads nothing from outside.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList

from lecturedeck.project import LITE_OUT, NOTEBOOKS_OUT, SLIDES, deck_names, decks
from lecturedeck.sphinxext.assets import is_remote

DECKS_URL = "../slides"  # from _build/html to _build/slides
NOTEBOOKS_URL = "../notebooks"  # from _build/html to _build/notebooks (make notebooks)
LITE_NOTEBOOK = f"{LITE_OUT}/notebooks/index.html?path={{}}.ipynb"  # in the site, per deck
SITE_STATIC = Path(__file__).with_name("site_static")
SITE_CSS = "site.css"


def _slides_dir(env) -> Path:
    return Path(env.app.confdir) / SLIDES


def _make_directives():
    """Build the directive classes (Sphinx is imported only when the extension loads)."""
    from sphinx.util.docutils import SphinxDirective

    class DeckLinks(SphinxDirective):
        """List every deck in ``slides/``, linking to its reveal.js build."""

        def run(self) -> list[nodes.Node]:  # noqa: D102
            slides = _slides_dir(self.env)
            found = decks(slides)
            for name, _ in found:
                self.env.note_dependency(str(slides / f"{name}.rst"))
            _deck_docs(self.env)[self.env.docname] = [name for name, _ in found]
            depth = "../" * self.env.docname.count("/")
            listing = nodes.bullet_list(classes=["deck-links"])
            for name, title in found:
                slides = nodes.reference(
                    "", "slides", refuri=f"{depth}{DECKS_URL}/{name}.html", classes=["deck-slides"]
                )
                notebook = nodes.reference(
                    "",
                    "notebook",
                    refuri=f"{depth}{NOTEBOOKS_URL}/{name}.ipynb",
                    classes=["deck-notebook"],
                )
                lite = nodes.reference(
                    "",
                    "run it in the browser",
                    refuri=depth + LITE_NOTEBOOK.format(name),
                    classes=["deck-lite"],
                )
                line = nodes.paragraph("")
                line += nodes.inline(title, title, classes=["deck-title"])
                line += [
                    nodes.Text(" \N{EM DASH} "),
                    slides,
                    nodes.Text(" \N{MIDDLE DOT} "),
                    notebook,
                    nodes.Text(" \N{MIDDLE DOT} "),
                    lite,
                ]
                listing += nodes.list_item("", line)
            if not found:
                listing += nodes.list_item("", nodes.paragraph("", f"No decks in {SLIDES}/ yet."))
            return [listing]

    class PackageApi(SphinxDirective):
        """One section per public module of a package, documented with ``automodule``."""

        required_arguments = 1

        def run(self) -> list[nodes.Node]:  # noqa: D102
            from sphinx.util.nodes import nested_parse_with_titles

            package = import_module(self.arguments[0])
            lines = []
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
                if info.name.startswith("_"):
                    continue
                name = f"{package.__name__}.{info.name}"
                lines += [name, "-" * len(name), "", f".. automodule:: {name}", "   :members:", ""]
            content = StringList(lines, source=self.get_source_info()[0])
            container = nodes.section()
            container.document = self.state.document
            nested_parse_with_titles(self.state, content, container)
            return container.children

    return DeckLinks, PackageApi


def _deck_docs(env) -> dict[str, list[str]]:
    """Which documents list decks, and which decks they listed (kept in the environment)."""
    if not hasattr(env, "lecturedeck_deck_docs"):
        env.lecturedeck_deck_docs = {}
    return env.lecturedeck_deck_docs


def _outdated(app, env, added, changed, removed) -> list[str]:
    """Re-read a page that lists decks when a deck was added or removed."""
    now = deck_names(_slides_dir(env))
    return [doc for doc, listed in _deck_docs(env).items() if listed != now]


def _purge(app, env, docname: str) -> None:
    _deck_docs(env).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    _deck_docs(env).update({d: v for d, v in _deck_docs(other).items() if d in docnames})


def _configure(app, config) -> None:
    """Serve the palette's stylesheet, and show the decks' favicon as the site's logo."""
    if str(SITE_STATIC) not in config.html_static_path:
        config.html_static_path.append(str(SITE_STATIC))
    if not config.html_logo:
        config.html_logo = config.html_favicon  # set by lecturedeck.sphinxext (favicon.svg)
    app.registry.css_files[:] = [
        (name, attrs) for name, attrs in app.registry.css_files if not is_remote(name)
    ]


def _lite_contents(app, error) -> None:
    """Give JupyterLite the decks' notebooks, before jupyterlite-sphinx builds it.

    Its content folder is emptied when the build starts; the notebooks keep their paths
    relative to ``_build/notebooks``, as the deck links name them.
    """
    import shutil

    notebooks = Path(app.confdir) / NOTEBOOKS_OUT
    if error is None and "jupyterlite_sphinx" in app.extensions and notebooks.is_dir():
        target = Path(app.srcdir) / app.config.jupyterlite_content_dir
        skip = shutil.ignore_patterns(".ipynb_checkpoints")
        shutil.copytree(notebooks, target, ignore=skip, dirs_exist_ok=True)


def setup(app) -> dict[str, object]:
    """Register the directives of the companion site (conf.py loads this module with -t site)."""
    deck_links, package_api = _make_directives()
    app.connect("config-inited", _configure, priority=950)  # after lecturedeck's favicon
    app.add_css_file(SITE_CSS, priority=900)  # after the theme's and the gallery's sheets
    app.add_directive("deck-links", deck_links)
    app.add_directive("package-api", package_api)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("build-finished", _lite_contents, priority=400)  # before jupyterlite-sphinx
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
