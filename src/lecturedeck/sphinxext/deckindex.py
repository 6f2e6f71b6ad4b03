"""The ``deck-index`` directive: the course's index page lists every deck.

Dropping an .rst file into ``slides/`` adds a deck: the directive writes a
list of links to every other document, with the decks' titles. Decks are
marked as orphans rather than listed in a toctree, because a toctree makes
Sphinx rewrite the index page whenever any deck changes; the index page is
rewritten only when a deck is added, removed or retitled.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from lecturedeck.project import deck_names


class deck_index(nodes.General, nodes.Element):
    """Placeholder, replaced by the list of decks once all titles are known."""


class DeckIndex(SphinxDirective):
    """List every deck of the course, in file-name order."""

    def run(self) -> list[nodes.Node]:  # noqa: D102
        env = self.env
        listed = deck_names(Path(env.srcdir))
        decks = [d for d in listed if d in env.found_docs and d != env.docname]
        env.glob_toctrees.add(env.docname)  # Sphinx re-reads it when decks come or go
        return [deck_index(decks=decks)]


def resolve_deck_index(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each placeholder with links titled as the decks are."""
    for node in list(doctree.findall(deck_index)):
        listing = nodes.bullet_list(classes=["deck-index"])
        for deck in node["decks"]:
            title = app.env.titles[deck].astext() if deck in app.env.titles else deck
            ref = nodes.reference("", title, refuri=app.builder.get_relative_uri(docname, deck))
            listing += nodes.list_item("", nodes.paragraph("", "", ref))
        node.replace_self(listing)


def mark_orphan(app: Sphinx, doctree: nodes.document) -> None:
    """Every deck but the index is an orphan: linked from the index, in no toctree."""
    if app.env.docname != app.config.root_doc:
        app.env.metadata[app.env.docname]["orphan"] = True


def index_outdated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Rewrite the index page when the set of decks or one of their titles changed."""
    titles = {d: env.titles[d].astext() for d in env.found_docs if d in env.titles}
    if getattr(env, "lecturedeck_titles", None) == titles:
        return []
    env.lecturedeck_titles = titles  # type: ignore[attr-defined]
    return [app.config.root_doc]


def setup(app: Sphinx) -> None:
    """Register the directive and its resolution."""
    app.add_node(deck_index)
    app.add_directive("deck-index", DeckIndex)
    app.connect("doctree-read", mark_orphan)
    app.connect("doctree-resolved", resolve_deck_index)
    app.connect("env-get-updated", index_outdated)
