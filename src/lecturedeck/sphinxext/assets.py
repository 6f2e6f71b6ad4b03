"""Every file a deck refers to: found where authors put it, kept inside the project, checked.

Images (``image``, ``figure``, and the background images of ``revealjs-section`` and
friends) are looked for, in order:

1. beside the deck, as Sphinx does (a path starting with ``/`` from the source folder: for a
   ported course, the folder of its own ``conf.py``);
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
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import sphinx
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from lecturedeck.courseconf import course_conf
from lecturedeck.project import copy_if_changed, show_path

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")  # the decks' own scripts and styles
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


# Files Sphinx writes into _static itself, rather than copying them from a folder.
GENERATED_STATIC = ["pygments.css", "documentation_options.js", "language_data.js"]


def static_sources(config: Config) -> list[tuple[str, Path]]:
    """Where the files of a deck's ``_static/`` come from: ``(prefix under _static, folder)``."""
    confdir = Path(config.lecturedeck_root)
    modules = Path(config.lecturedeck_node_modules)
    found = [("", confdir / p) for p in [*config.revealjs_static_path, *config.html_static_path]]
    found += [
        ("", Path(sphinx.__file__).parent / "themes" / "basic" / "static"),
        ("katex/", modules / "katex" / "dist"),
        ("pyodide/", modules / "pyodide"),
        ("plot/", modules / "d3" / "dist"),
        ("plot/", modules / "@observablehq" / "plot" / "dist"),
    ]
    found += [(name, STATIC) for name in GENERATED_STATIC]
    return found


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
        top = Path(self.env.srcdir)
        if uri.startswith("/"):  # Sphinx's "from the source folder": a ported course's own
            conf = course_conf(docdir, top)
            top = conf.path.parent if conf is not None else top
        candidates = [(top if uri.startswith("/") else docdir) / rel, root / rel]
        parts = Path(rel).parts
        in_figs = len(parts) > 1 and parts[0] == FIGS
        candidates.append(root / IMAGES / (Path(*parts[1:]) if in_figs else rel))
        candidates += built_image(rel, docdir, Path(self.env.srcdir))
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
        if found != first or top != Path(self.env.srcdir):
            node["uri"] = Path(os.path.relpath(found, docdir)).as_posix()
            if background:
                node.parent[_background_attr(node.parent, uri)] = node["uri"]


BUILT_IMAGES = "_images"  # where an old Sphinx build copied the images its pages showed


def built_image(path: str, docdir: Path, srcdir: Path) -> list[Path]:
    """The course's own image that an old build's ``_images/<name>`` path meant, if one.

    Old decks sometimes pointed raw HTML or a background at the copy Sphinx made in the
    built site's ``_images/``; the course has the original, under the same name.
    """
    parts = Path(path.lstrip("/")).parts
    if len(parts) < 2 or BUILT_IMAGES not in parts[:-1]:
        return []
    conf = course_conf(docdir, srcdir)
    course = conf.path.parent if conf is not None else docdir
    found = [
        p
        for p in sorted(course.rglob(parts[-1]))
        if p.is_file()
        and not any(q.startswith(("_build", ".")) for q in p.relative_to(course).parts)
    ]
    return found[:1] if len(found) == 1 else []


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
    """What a piece of HTML loads or links: ``(tag, attribute, value, tag text)``.

    ``url(...)`` references in ``style`` attributes and ``<style>`` blocks are included
    (attribute ``url``); so are ``<a href>`` links (attribute ``link``), which load nothing
    with the slide but are published when they name a file of the course.
    """

    ATTRS = {"src", "href", "data-src", "poster", "data", "data-background-image"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, str]] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text() or ""
        self._style = tag == "style"
        for name, value in attrs:
            if name == "style" and value:
                self.found += [(tag, "url", url, text) for url in css_urls(value)]
            elif name in self.ATTRS and value:
                kind = "link" if tag == "a" and name == "href" else name
                self.found.append((tag, kind, value.strip(), text))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            self.found += [("style", "url", url, "") for url in css_urls(data)]


_CSS_URL = re.compile(
    r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]+?)(?P=q)\s*\)|@import\s+(?P<q2>['"])(?P<imp>[^'"]+)(?P=q2)"""
)


def css_urls(css: str) -> list[str]:
    """The URLs a stylesheet (or a ``style`` attribute) loads: ``url(...)`` and ``@import``."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return [(m["url"] or m["imp"]).strip() for m in _CSS_URL.finditer(css)]


def _local(url: str) -> bool:
    """Whether a URL names a file of this build (not another site, a fragment or inline data)."""
    return not (
        is_remote(url)
        or url.startswith(("data:", "#", "mailto:", "javascript:", "blob:"))
        or "://" in url
        or not url.split("#", 1)[0].split("?", 1)[0]
    )


# Stylesheets that Sphinx's HTML themes wrote into _static/ of the old decks: the decks' raw
# HTML linked them, but no course has them among its sources, and a reveal.js deck has its own.
OLD_THEME_STYLESHEETS = {
    "default.css",
    "basic.css",
    "pygments.css",
    "classic.css",
    "alabaster.css",
    "custom.css",
    "sphinxdoc.css",
    "scrolls.css",
    "agogo.css",
    "traditional.css",
    "nature.css",
    "haiku.css",
    "pyramid.css",
    "bizstyle.css",
    "epub.css",
}
STATIC_DIR = "_static/"


class RawHtml:
    """Check the files one raw-HTML block loads; publish a course's own; map old paths.

    A local URL is looked up, relative to the deck, in this order:

    1. a file of the course under ``slides/`` (``_static/x.png`` beside the deck, or in a
       folder the course's own ``conf.py`` served as ``_static``): published with the deck,
       at the same path, and so are the files its stylesheets load through ``url(...)``;
    2. a file of the build's ``_static/`` (reveal.js, KaTeX ...), and reveal.js 3's theme
       paths mapped to reveal.js 5's;
    3. a stylesheet an old Sphinx theme generated (``_static/default.css``): the link is
       dropped, with a warning;
    4. another deck's page.

    Anything else fails at the block's line.
    """

    def __init__(self, transform: DeckAssets, node: nodes.raw, root: Path) -> None:
        self.transform = transform
        self.node = node
        self.root = root
        self.env = transform.env
        self.config = transform.config
        self.srcdir = Path(self.env.srcdir)
        self.docdir = posixpath.dirname(self.env.docname)

    def static_file(self, rel: str) -> bool:
        """Whether the build's ``_static/<rel>`` exists (in one of the static folders)."""
        return any(
            rel.startswith(prefix) and (folder / rel[len(prefix) :]).exists()
            for prefix, folder in static_sources(self.config)
        )

    def check(self) -> None:
        """Report, publish or fix each URL of the block."""
        parser = _Links()
        text = self.node.astext()
        parser.feed(text)
        parser.close()
        new_text = text
        for tag, attr, url, tag_text in parser.found:
            if is_remote(url) and attr != "link":
                network(url, self.node)
                continue
            if not _local(url):
                continue
            path = url.split("#", 1)[0].split("?", 1)[0]
            if path.startswith("/"):  # from the root of the old site: the course's folder
                path = posixpath.relpath(self.course_dir() + path, self.docdir or ".")
            target = posixpath.normpath(posixpath.join(self.docdir, path))
            if target.startswith("../") or target == "..":
                if attr != "link":
                    self._missing(tag, url)
                continue
            source = self.course_file(target)
            if source is not None:
                self.publish(source, target, tag, url)
                continue
            if attr == "link":
                continue  # a link to something the course does not have: the reader's problem
            fixed = self.build_static(target)
            if fixed is not None:
                if fixed != path:
                    new_text = new_text.replace(url, fixed + url[len(path) :])
                continue
            name = posixpath.basename(target)
            if tag == "link" and name in OLD_THEME_STYLESHEETS and f"/{target}".count("/_static/"):
                new_text = new_text.replace(tag_text, "", 1)
                logger.warning(
                    "%s was generated by the old Sphinx theme; a reveal.js deck does not use it",
                    url,
                    location=self.node,
                    type="lecturedeck",
                    subtype="legacy",
                )
                continue
            if not self._output_exists(target):
                self._missing(tag, url)
        if new_text != text:
            replacement = nodes.raw(new_text, new_text, **self.node.attributes)
            self.node.replace_self(replacement)

    def _missing(self, tag: str, url: str) -> None:
        looked = "the course's files under slides/ and the build's _static/"
        logger.error(
            "raw HTML <%s> loads %s, which is not among %s; put the file there, or show an "
            "image with the image directive",
            tag,
            url,
            looked,
            location=self.node,
        )

    def course_dir(self) -> str:
        """The folder of the deck's course (of its own conf.py) in the build: '' for none."""
        conf = course_conf(self.srcdir / self.docdir, self.srcdir)
        if conf is None:
            return ""
        return conf.path.parent.relative_to(self.srcdir.resolve()).as_posix().strip(".")

    def course_file(self, target: str) -> Path | None:
        """The course's own file that ``target`` (a path in the build) names, or None."""
        direct = self.srcdir / target
        if direct.is_file() and inside(direct, self.root):
            return direct
        original = built_image(target, self.srcdir / self.docdir, self.srcdir)
        if original and inside(original[0], self.root):
            return original[0]
        head, sep, rest = f"/{target}".rpartition("/_static/")
        if not sep:
            return None
        folder = self.srcdir / head.lstrip("/")
        conf = course_conf(folder, self.srcdir)
        if conf is None:
            return None
        for static in conf.static_paths:
            found = conf.path.parent / static / rest
            if found.is_file() and inside(found, self.root):
                return found
        return None

    def build_static(self, target: str) -> str | None:
        """The URL, from the deck, of the build's ``_static`` file ``target`` names, or None.

        reveal.js 3's theme paths are mapped to reveal.js 5's.
        """
        _, sep, rel = f"/{target}".rpartition("/_static/")
        if not sep:
            return None
        candidates = [rel] + [rel.replace(o, n, 1) for o, n in REVEAL3_PATHS if rel.startswith(o)]
        for candidate in candidates:
            if self.static_file(candidate):
                return posixpath.relpath(STATIC_DIR + candidate, self.docdir or ".")
        return None

    def publish(self, source: Path, target: str, tag: str, url: str) -> None:
        """Publish a course file at ``target``, and, for a stylesheet, the files it loads."""
        todo = [(source, target)]
        while todo:
            src, dest = todo.pop()
            files = self.env.lecturedeck_course_files.setdefault(self.env.docname, {})
            if dest in files:
                continue
            files[dest] = str(src)
            self.env.note_dependency(str(src))
            if src.suffix.lower() != ".css":
                continue
            for ref in css_urls(src.read_text(encoding="utf-8", errors="replace")):
                if not _local(ref):
                    if is_remote(ref):
                        network(ref, self.node)
                    continue
                ref_path = ref.split("#", 1)[0].split("?", 1)[0]
                found = (src.parent / ref_path).resolve()
                ref_dest = posixpath.normpath(posixpath.join(posixpath.dirname(dest), ref_path))
                if found.is_file() and inside(found, self.root) and not ref_dest.startswith(".."):
                    todo.append((found, ref_dest))
                elif self.build_static(ref_dest) is None:
                    logger.error(
                        "raw HTML <%s> loads %s, whose stylesheet %s loads %s, which is missing",
                        tag,
                        url,
                        show_path(src, self.root),
                        ref,
                        location=self.node,
                    )

    def _output_exists(self, target: str) -> bool:
        """A page of the build (another deck), which exists without being copied."""
        stem = target[: -len(".html")] if target.endswith(".html") else None
        return bool(stem and stem in self.env.found_docs)


def _init_course_files(app: Sphinx, env: object) -> None:
    if not hasattr(env, "lecturedeck_course_files"):
        env.lecturedeck_course_files = {}  # type: ignore[attr-defined]


def _purge_course_files(app: Sphinx, env: object, docname: str) -> None:
    env.lecturedeck_course_files.pop(docname, None)  # type: ignore[attr-defined]


def _merge_course_files(app: Sphinx, env: object, docnames: set[str], other: object) -> None:
    for docname in docnames:
        if docname in other.lecturedeck_course_files:  # type: ignore[attr-defined]
            env.lecturedeck_course_files[docname] = other.lecturedeck_course_files[docname]  # type: ignore[attr-defined]


def course_files(env: object) -> dict[str, str]:
    """Every course file the decks publish: ``{path in the build: source path}``."""
    found: dict[str, str] = {}
    for docname, files in sorted(getattr(env, "lecturedeck_course_files", {}).items()):
        if docname in env.found_docs:  # type: ignore[attr-defined]
            found.update(files)
    return found


def _publish_course_files(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for dest, source in course_files(app.env).items():
        if Path(source).is_file():
            copy_if_changed(Path(source), out / dest)


def from_course(path: str, env: object) -> str:
    """A ``/``-rooted path of a ported course's deck, from the course's own folder.

    In the course's own Sphinx project, ``/`` was its source folder; here it is ``slides/``.
    """
    if not path.startswith("/"):
        return path
    srcdir = Path(env.srcdir)
    conf = course_conf(Path(env.doc2path(env.docname)).parent, srcdir)
    if conf is None:
        return path
    course = conf.path.parent.relative_to(srcdir.resolve()).as_posix()
    return f"/{course}{path}"


# -- Directives that read files: confined to the project ----------------------------------------
def confined(directive: type[SphinxDirective], name: str) -> type[SphinxDirective]:
    """``directive``, refusing a file path (argument or ``:file:``) outside the project."""

    def run(self: SphinxDirective) -> list[nodes.Node]:
        env = self.state.document.settings.env
        root = Path(env.config.lecturedeck_root)
        if name in {"include", "literalinclude"} and self.arguments:
            self.arguments[0] = from_course(self.arguments[0], env)
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
    app.connect("env-before-read-docs", lambda app, env, docnames: _init_course_files(app, env))
    app.connect("env-purge-doc", _purge_course_files)
    app.connect("env-merge-info", _merge_course_files)
    app.connect("build-finished", _publish_course_files)
