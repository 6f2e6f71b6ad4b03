"""The companion site's directives (``extensions += ["lecturedeck.sphinxext.site"]``).

``deck-links``
    a list of the decks in ``slides/``, titled as the decks are, each linking to
    its built deck and its notebook beside the site (``../slides/<deck>.html``,
    ``../notebooks/<deck>.ipynb``, written by ``make notebooks``): "Module 4.4 —
    slides · notebook". Adding a deck needs no edit here.
``package-api``
    one section per public module of a package, each with ``automodule``.

The extension also dresses the site in the project's palette (``site_static/site.css``,
over pydata-sphinx-theme's colour variables) and shows the decks' favicon as its logo.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList

from lecturedeck.project import SLIDES, deck_names, decks

DECKS_URL = "../slides"  # from _build/html to _build/slides
NOTEBOOKS_URL = "../notebooks"  # from _build/html to _build/notebooks (make notebooks)
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
                line = nodes.paragraph("")
                line += nodes.inline(title, title, classes=["deck-title"])
                line += [
                    nodes.Text(" \N{EM DASH} "),
                    slides,
                    nodes.Text(" \N{MIDDLE DOT} "),
                    notebook,
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
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
