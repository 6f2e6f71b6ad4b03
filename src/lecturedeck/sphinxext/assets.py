"""Every file a deck refers to: found where authors put it, kept inside the project, checked.

Images (``image``, ``figure``, and the background images of ``revealjs-section`` and
friends) are looked for, in order:

1. beside the deck, as Sphinx does;
2. under the project root: ``figs/...`` (generated figures), ``images/...``;
3. in ``images/``, the tracked folder of hand-made images: a legacy path ``figs/Graphs/x.png``
   finds ``images/Graphs/x.png`` when no script generates it.

A path that resolves outside the project root fails at its file:line, whatever it names, and
so do ``include``, ``literalinclude``, ``raw :file:``, ``csv-table :file:`` and ``:download:``
paths. An image must be an image file (read by Pillow; SVG by its ``<svg`` tag); one over
:data:`MAX_PIXELS` pixels or :data:`MAX_BYTES` bytes gets a warning with its size.

Media that would load from the network (remote images, background images and videos, iframes
and sources in raw HTML) are listed as ``file:line: warning: needs the network: URL``: they
will not show in a lecture hall without one. Raw HTML that links a local file the build does
not produce fails at its line; links to reveal.js 3's theme and CSS files are mapped to the
reveal.js 5 files that sphinx-revealjs bundles, so that older decks present as meant.
"""

from __future__ import annotations

import os
import posixpath
import warnings
from html.parser import HTMLParser
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

IMAGES = "images"  # hand-made images, tracked by git
FIGS = "figs"  # generated figures
MAX_PIXELS = 25_000_000  # 5000 x 5000: far beyond a 1280x720 slide at 2x
MAX_BYTES = 10 * 1024 * 1024
# Formats a background "image" may have that are not pictures.
NOT_PICTURES = {".mp4", ".webm", ".ogv", ".ogg", ".mov", ".m4v", ".html", ".htm", ".pdf"}
BACKGROUNDS = ("data-background-image", "data-background-video", "data-background-iframe")
REMOTE = ("http://", "https://", "//", "ftp://")

# reveal.js 3 (the toolchain of 2020) kept its themes and CSS elsewhere than reveal.js 5.
REVEAL3_PATHS = [
    ("revealjs4/", "revealjs/"),
    ("revealjs/css/theme/", "revealjs/dist/theme/"),
    ("revealjs/css/reveal.css", "revealjs/dist/reveal.css"),
    ("revealjs/css/reset.css", "revealjs/dist/reset.css"),
    ("revealjs/lib/css/", "revealjs/plugin/highlight/"),
    ("revealjs/lib/font/", "revealjs/dist/theme/fonts/"),
]


def is_remote(uri: str) -> bool:
    """Whether ``uri`` names something on another machine."""
    return uri.lower().startswith(REMOTE)


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved, links followed) lies inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def check_image(path: Path) -> tuple[str | None, str | None]:
    """``(error, size warning)`` for an image file; each None when all is well."""
    suffix = path.suffix.lower()
    if suffix in NOT_PICTURES:
        return None, None
    size = path.stat().st_size
    if suffix == ".svg":
        with open(path, "rb") as handle:
            head = handle.read(4096).lower()
        if b"<svg" not in head:
            return f"not an SVG image: {path.name} has no <svg> element", None
        pixels = None
    else:
        from PIL import Image

        limit = Image.MAX_IMAGE_PIXELS
        try:
            Image.MAX_IMAGE_PIXELS = None  # only the header is read: no decompression bomb
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(path) as image:
                    width, height = image.size
        except Exception:  # noqa: BLE001 - Pillow raises many kinds for a non-image
            return f"not an image file: {path.name} (Pillow cannot read it)", None
        finally:
            Image.MAX_IMAGE_PIXELS = limit
        pixels = (width, height)
    if size > MAX_BYTES or (pixels and pixels[0] * pixels[1] > MAX_PIXELS):
        shown = f"{pixels[0]}x{pixels[1]} px, " if pixels else ""
        return None, (
            f"image {path.name} is {shown}{size / 1e6:.1f} MB, over the limit of "
            f"{MAX_PIXELS / 1e6:.0f} megapixels or {MAX_BYTES // 2**20} MB: it loads slowly "
            "and bloats the handout"
        )
    return None, None


class DeckAssets(SphinxTransform):
    """Find, confine and check every image of a deck; list what needs the network."""

    default_priority = 100  # before Sphinx collects images at doctree-read

    def apply(self, **kwargs: object) -> None:  # noqa: D102
        root = Path(self.config.lecturedeck_root).resolve()
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        for node in list(self.document.findall(nodes.image)):
            self._image(node, root, docdir)
        for node in self.document.findall(nodes.Element):
            for attr in BACKGROUNDS:
                value = node.get(attr) if node.tagname.startswith("revealjs") else None
                if isinstance(value, str) and is_remote(value):
                    network(value, node)
        for node in list(self.document.findall(nodes.raw)):
            if "html" in node.get("format", "").split():
                RawHtml(self, node, root).check()
        for node in list(self.document.findall(addnodes.download_reference)):
            target = node.get("reftarget", "")
            if is_remote(target):
                continue
            _, full = self.env.relfn2path(target, self.env.docname)
            if not inside(Path(full), root):
                logger.error(
                    "download: %s leaves the project; only files inside it", target, location=node
                )
                node.replace_self(nodes.literal(target, target))

    def _image(self, node: nodes.image, root: Path, docdir: Path) -> None:
        uri = node["uri"]
        background = node.parent is not None and node.parent.tagname.startswith("revealjs")
        where = node.parent if background and not node.line else node
        what = "background image" if background else "image"
        if not uri.strip():
            logger.error("%s: no path given", what, location=where)
            node.parent.remove(node)
            return
        if is_remote(uri):
            network(uri, where)
            return
        if uri.startswith(("data:", "attachment:")) or "*" in uri:
            return  # inline data (a notebook cell's attachment), or Sphinx's choice of formats
        rel = uri.lstrip("/")
        candidates = [(Path(self.env.srcdir) if uri.startswith("/") else docdir) / rel, root / rel]
        parts = Path(rel).parts
        in_figs = len(parts) > 1 and parts[0] == FIGS
        candidates.append(root / IMAGES / (Path(*parts[1:]) if in_figs else rel))
        first = candidates[0]
        if not inside(first, root):
            logger.error("%s path leaves the project: %s", what, uri, location=where)
            node.parent.remove(node)
            return
        found = next((c for c in candidates if c.is_file() and inside(c, root)), None)
        if found is None:
            shown = (os.path.relpath(c.parent, root) for c in candidates if inside(c, root))
            looked = ", ".join(dict.fromkeys(f"{d}/" for d in shown if not d.startswith("..")))
            logger.error("%s not found: %s (looked in %s)", what, uri, looked, location=where)
            node.parent.remove(node)
            return
        error, too_big = check_image(found)
        if error:
            logger.error("%s", error, location=where)
            node.parent.remove(node)
            return
        if too_big:
            logger.warning("%s", too_big, location=where, type="lecturedeck", subtype="size")
        if found != first:
            node["uri"] = Path(os.path.relpath(found, docdir)).as_posix()
            if background:
                node.parent[_background_attr(node.parent, uri)] = node["uri"]


def _background_attr(section: nodes.Element, uri: str) -> str:
    for attr in BACKGROUNDS:
        if section.get(attr) == uri:
            return attr
    return "data-background-image"


def network(url: str, node: nodes.Node) -> None:
    """Warn that ``url`` will not show without the network."""
    logger.warning(
        "needs the network: %s", url, location=node, type="lecturedeck", subtype="network"
    )


class _Links(HTMLParser):
    """The URLs that a piece of HTML loads or links: (tag, attribute, value)."""

    ATTRS = {"src", "href", "data-src", "poster", "data", "data-background-image"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.ATTRS and value:
                if tag == "a" and name == "href":
                    continue  # a link is followed by a click, not loaded with the slide
                self.found.append((tag, name, value.strip()))


class RawHtml:
    """Check the files one raw-HTML block loads; map reveal.js 3 paths to reveal.js 5."""

    def __init__(self, transform: DeckAssets, node: nodes.raw, root: Path) -> None:
        self.transform = transform
        self.node = node
        self.root = root
        self.env = transform.env
        self.config = transform.config

    def static_file(self, rel: str) -> bool:
        """Whether the build's ``_static/<rel>`` exists (in one of the static folders)."""
        from lecturedeck.sphinxext.extension import static_sources

        return any(
            rel.startswith(prefix) and (folder / rel[len(prefix) :]).exists()
            for prefix, folder in static_sources(self.config)
        )

    def check(self) -> None:
        """Report or fix each URL of the block."""
        parser = _Links()
        text = self.node.astext()
        parser.feed(text)
        parser.close()
        docdir = posixpath.dirname(self.env.docname)
        new_text = text
        for tag, _attr, url in parser.found:
            if is_remote(url):
                network(url, self.node)
                continue
            if url.startswith(("data:", "#", "mailto:", "javascript:")) or "://" in url:
                continue
            path = url.split("#", 1)[0].split("?", 1)[0]
            target = posixpath.normpath(posixpath.join(docdir, path))
            if target.startswith("_static/"):
                rel = target[len("_static/") :]
                if self.static_file(rel):
                    continue
                mapped = next(
                    (rel.replace(old, new, 1) for old, new in REVEAL3_PATHS if rel.startswith(old)),
                    None,
                )
                if mapped and self.static_file(mapped):
                    new_text = new_text.replace(url, url.replace(rel, mapped, 1))
                    continue
                logger.error(
                    "raw HTML <%s> loads %s, which the build does not have",
                    tag,
                    url,
                    location=self.node,
                )
            elif target.startswith("../") or not self._output_exists(target):
                logger.error(
                    "raw HTML <%s> loads %s, which the build does not produce; show images with "
                    "the image directive, which copies them",
                    tag,
                    url,
                    location=self.node,
                )
        if new_text != text:
            replacement = nodes.raw(new_text, new_text, **self.node.attributes)
            self.node.replace_self(replacement)

    def _output_exists(self, target: str) -> bool:
        """A page of the build (another deck), which exists without being copied."""
        stem = target[: -len(".html")] if target.endswith(".html") else None
        return bool(stem and stem in self.env.found_docs)


# -- Directives that read files: confined to the project ----------------------------------------
def confined(directive: type[SphinxDirective], name: str) -> type[SphinxDirective]:
    """``directive``, refusing a file path (argument or ``:file:``) outside the project."""

    def run(self: SphinxDirective) -> list[nodes.Node]:
        env = self.state.document.settings.env
        root = Path(env.config.lecturedeck_root)
        paths = []
        if "file" in self.options:
            source_dir = Path(self.state.document.current_source or ".").parent
            paths.append((self.options["file"], source_dir / self.options["file"]))
        elif (
            self.arguments
            and not (self.arguments[0].startswith("<") and self.arguments[0].endswith(">"))
            and name in {"include", "literalinclude"}
        ):
            paths.append((self.arguments[0], Path(env.relfn2path(self.arguments[0])[1])))
        for given, full in paths:
            if not inside(full, root):
                raise self.error(f"{name}: {given} leaves the project; only files inside it")
        return directive.run(self)

    return type(directive.__name__, (directive,), {"run": run, "__module__": directive.__module__})


def setup(app: Sphinx) -> None:
    """Register the checks of a deck's files."""
    from docutils.parsers.rst.directives.misc import Raw
    from sphinx.directives.code import LiteralInclude
    from sphinx.directives.other import Include
    from sphinx.directives.patches import CSVTable

    for name, directive in {
        "include": Include,
        "literalinclude": LiteralInclude,
        "raw": Raw,
        "csv-table": CSVTable,
    }.items():
        app.add_directive(name, confined(directive, name), override=True)
    app.add_transform(DeckAssets)
