"""The ``deck-index`` directive: the course's index page lists every deck.

Dropping an .rst file into ``slides/`` adds a deck: the directive puts every
other document into a hidden toctree (so none is reported as orphaned) and
writes a list of links with the decks' titles. The index page is rewritten
only when a deck is added, removed or retitled.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective


class deck_index(nodes.General, nodes.Element):
    """Placeholder, replaced by the list of decks once all titles are known."""


class DeckIndex(SphinxDirective):
    """List every deck of the course, in file-name order."""

    def run(self) -> list[nodes.Node]:  # noqa: D102
        env = self.env
        decks = sorted(d for d in env.found_docs if d != env.docname)
        toc = addnodes.toctree()
        toc["parent"] = env.docname
        toc["entries"] = [(None, d) for d in decks]
        toc["includefiles"] = decks
        toc["hidden"] = True
        toc["glob"] = True
        toc["maxdepth"] = -1
        toc["caption"] = None
        toc["numbered"] = 0
        toc["titlesonly"] = False
        toc["includehidden"] = False
        env.glob_toctrees.add(env.docname)  # Sphinx re-reads it when decks come or go
        wrapper = nodes.compound(classes=["toctree-wrapper"])
        wrapper += toc
        return [wrapper, deck_index(decks=decks)]


def resolve_deck_index(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each placeholder with links titled as the decks are."""
    for node in list(doctree.findall(deck_index)):
        listing = nodes.bullet_list(classes=["deck-index"])
        for deck in node["decks"]:
            title = app.env.titles[deck].astext() if deck in app.env.titles else deck
            ref = nodes.reference("", title, refuri=app.builder.get_relative_uri(docname, deck))
            listing += nodes.list_item("", nodes.paragraph("", "", ref))
        node.replace_self(listing)


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
    app.connect("doctree-resolved", resolve_deck_index)
    app.connect("env-get-updated", index_outdated)
