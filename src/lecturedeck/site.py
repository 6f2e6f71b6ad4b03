"""``make html``: the companion site, with the deck index, the figure gallery and the API.

Run as ``python -m lecturedeck.site``; it builds ``site/`` into ``_build/html``::

    sphinx-build -b html -t site -W --keep-going -c . site _build/html

The ``site`` tag switches on the companion-site section at the end of
``conf.py``: sphinx-gallery (the same ``scripts/plot_*.py`` that draw the deck
figures, shown with their code and as .py and .ipynb downloads), autodoc for
``lecture_code``, and this module as a Sphinx extension, which provides two
directives:

``deck-links``
    a list of the decks in ``slides/``, titled as the decks are, linking to
    the built decks beside the site (``../slides/<deck>.html``). Adding a deck
    needs no edit here.
``package-api``
    one section per public module of a package, each with ``automodule``.

sphinx-gallery reruns an example only when the example's own file changed. A
figure also depends on the ``lecture_code`` modules it imports and on the
shared style, so before each build this module forgets sphinx-gallery's
checksum of every script whose inputs changed, as the figure runner sees them.
"""

from __future__ import annotations

import argparse
import json
import pkgutil
import string
import sys
import time
from importlib import import_module
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList

SOURCE = "site"  # the site's RST sources, under the project root
OUT = "_build/html"
DECKS = "slides"  # the deck sources; their builds live in _build/slides
DECKS_URL = "../slides"  # from _build/html to _build/slides
GALLERY = "auto_examples"  # sphinx-gallery's output folder, inside SOURCE
STAMPS = "_build/.gallery-stamps.json"


# -- The decks ------------------------------------------------------------------------------------
def _adornment(line: str) -> bool:
    """An RST section adornment: one punctuation character, repeated, from column 0."""
    text = line.rstrip()
    return len(text) >= 2 and text[0] in string.punctuation and text == text[0] * len(text)


def deck_title(path: Path) -> str:
    """The title of one deck: the first section title of its RST source.

    Read from the lines (a title line, underlined by a repeated punctuation
    character at least as long), not by parsing the deck: the decks use
    directives only Sphinx knows, and parsing them with plain docutils inside
    a running Sphinx would pick up Sphinx's directives.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    for above, line, below in zip(["", *lines], lines, [*lines[1:], ""], strict=True):
        title = line.strip()
        if not title or _adornment(line) or not _adornment(below):
            continue
        overlined = _adornment(above) and above.rstrip() == below.rstrip()
        if (overlined or not line[0].isspace()) and len(below.rstrip()) >= len(title):
            return title
    return path.stem


def deck_names(slides: Path) -> list[str]:
    """The decks in ``slides``, in file-name order; ``index.rst`` is the deck index, not a deck."""
    return [p.stem for p in sorted(slides.glob("*.rst")) if p.stem != "index" and p.stem[0] != "_"]


def decks(slides: Path) -> list[tuple[str, str]]:
    """``(name, title)`` of every deck in ``slides``."""
    return [(name, deck_title(slides / f"{name}.rst")) for name in deck_names(slides)]


def _slides_dir(env) -> Path:
    return Path(env.app.confdir) / DECKS


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
                ref = nodes.reference("", title, refuri=f"{depth}{DECKS_URL}/{name}.html")
                listing += nodes.list_item("", nodes.paragraph("", "", ref))
            if not found:
                listing += nodes.list_item("", nodes.paragraph("", f"No decks in {DECKS}/ yet."))
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


def setup(app) -> dict[str, object]:
    """Register the companion site's directives (``extensions += ["lecturedeck.site"]``)."""
    deck_links, package_api = _make_directives()
    app.add_directive("deck-links", deck_links)
    app.add_directive("package-api", package_api)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}


# -- The gallery's cache --------------------------------------------------------------------------
def _gallery_digests(root: Path) -> dict[str, str]:
    from lecturedeck import figures

    return {s.path.name: s.digest() for s in figures.discover(root)}


def forget_stale_examples(root: Path) -> list[str]:
    """Make sphinx-gallery rerun the scripts whose inputs changed since the last good build."""
    try:
        old = json.loads((root / STAMPS).read_text())
    except (OSError, ValueError):
        old = {}
    forgotten = []
    for name, digest in _gallery_digests(root).items():
        if old.get(name) != digest:
            md5 = root / SOURCE / GALLERY / f"{name}.md5"
            if md5.exists():
                md5.unlink()
                forgotten.append(name)
    return forgotten


def _remember(root: Path) -> None:
    stamps = root / STAMPS
    stamps.parent.mkdir(parents=True, exist_ok=True)
    stamps.write_text(json.dumps(_gallery_digests(root), indent=1, sort_keys=True) + "\n")


# -- Command line ---------------------------------------------------------------------------------
def build(root: Path, out: Path, quiet: bool = False) -> int:
    """Build the companion site of the project at ``root`` into ``out``. Return an exit status."""
    from sphinx.cmd.build import build_main

    t0 = time.perf_counter()
    forget_stale_examples(root)
    doctrees = root / "_build" / ".doctrees" / "html-site"
    args = ["-b", "html", "-t", "site", "-W", "--keep-going", "-c", str(root), "-d", str(doctrees)]
    if quiet:
        args.append("-q")
    status = build_main([*args, str(root / SOURCE), str(out)])
    if status != 0:
        # Sphinx re-reads only changed pages, so the next build would not repeat this one's
        # warnings: make it start afresh instead.
        (doctrees / "environment.pickle").unlink(missing_ok=True)
        print("html: build FAILED; the problems are listed above as file:line.", file=sys.stderr)
        return 1
    _remember(root)
    print(f"html: built in {time.perf_counter() - t0:.1f} s: {out / 'index.html'}")
    if not (root / "_build" / "slides").is_dir():
        print("html: the deck links need the decks too: make slides")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.site [--root DIR] [--out _build/html]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--out", default=OUT, help="where the site goes")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    return build(root, root / args.out, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
