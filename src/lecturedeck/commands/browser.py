"""The one browser helper: serve a folder on loopback and drive Debian's Chromium.

Shared by the deck check, the PDF export, the contact sheet, the benchmark and
the browser tests.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
INSTALL_HINT = (
    "Chromium not found at {path}. Install Debian's Chromium with "
    "`sudo apt-get update && sudo apt-get install -y chromium` "
    "(or set CHROMIUM=/path/to/chromium)."
)


class BrowserMissing(RuntimeError):
    """No Chromium to drive; the message says how to install one."""


def chromium_path() -> str:
    """Path of the Chromium binary, or raise :class:`BrowserMissing` with an install hint."""
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = shutil.which("chromium")
        if found and "CHROMIUM" not in os.environ:
            return found
        raise BrowserMissing(INSTALL_HINT.format(path=path))
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a deck is a few dozen small requests
    # Module scripts and streamed WebAssembly need these types, whatever the system's table says.
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


# Headers that make a page cross-origin isolated: it may then share memory with a worker,
# which is how Stop interrupts a live cell's Python without losing it. Every response
# carries them, since a worker script or a frame must be isolated as well.
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class _IsolatedHandler(_QuietHandler):
    def end_headers(self) -> None:
        for name, value in ISOLATION_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A browser closing a kept-alive connection is routine, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(folder: Path, port: int = 0, *, isolate: bool = False) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 in a background thread; yield its base URL.

    ``isolate=True`` sends :data:`ISOLATION_HEADERS` with every response, so that pages
    are cross-origin isolated (``crossOriginIsolated`` is true in them).
    """
    handler_class = _IsolatedHandler if isolate else _QuietHandler
    handler = functools.partial(handler_class, directory=str(folder))
    server = _QuietServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    # serve_forever looks for shutdown() every poll_interval: 0.5 s by default, paid at the
    # end of every check, handout and contact sheet.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# No host name resolves but the loopback address: Chromium fails any request that would leave
# the machine at once, as in a lecture hall with no network, without slowing local ones.
OFFLINE_FLAG = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


@contextmanager
def chromium(offline: bool = False, **launch: object) -> Iterator[object]:
    """Launch headless Chromium through Playwright; yield the ``Browser``.

    ``offline=True`` makes every host but this machine unreachable.
    """
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    args = [*CHROMIUM_FLAGS, *([OFFLINE_FLAG] if offline else [])]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=args, **launch)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def deck_session(out: Path, browser: object | None = None) -> Iterator[tuple[str, object]]:
    """Serve the built decks in ``out`` and yield ``(base URL, Browser)``.

    ``browser`` is a Playwright ``Browser`` to reuse; by default one is launched.
    """
    with serve(out) as base:
        if browser is not None:
            yield base, browser
        else:
            with chromium() as launched:
                yield base, launched


def missing_decks(tool: str, out: Path, decks: list[str]) -> bool:
    """Say so, and return True, when ``out`` holds no built decks to work on."""
    if not (out / "index.html").is_file() and not decks:
        print(f"{tool}: no decks in {out}/; run `make slides` first", file=sys.stderr)
        return True
    return False


def stale_decks(tool: str, out: Path) -> bool:
    """Say so, and return True, when ``out`` is not the build of the current sources.

    After a failed build, or an edit not yet built, a check, handout or contact sheet of
    ``out`` would show decks that are not the ones the sources describe.
    """
    from lecturedeck.commands.slides import stale_reason

    reason = stale_reason(out.resolve())
    if reason:
        print(f"{tool}: {reason}", file=sys.stderr)
    return reason is not None


def wait_for_deck(page: object) -> None:
    """Wait until reveal.js reports the deck ready."""
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=15000)


# -- Walking a deck --------------------------------------------------------------------------------
# Shared by the deck check and the contact sheet: open a deck at its design size, then visit
# each slide in its final fragment state.

# No transitions or animations, so every measurement and screenshot sees the final state at once.
STILL_CSS = """
*, *::before, *::after { transition: none !important; animation: none !important; }
"""

# JavaScript: go to slide ``i`` (reveal.js order, stacks skipped), show all its fragments, and
# return its number and title. Used as ``(SHOW_SLIDE_JS)(i)`` inside larger page scripts too.
SHOW_SLIDE_JS = """(i) => {
  const slide = Reveal.getSlides()[i];
  const at = Reveal.getIndices(slide);
  Reveal.slide(at.h, at.v);
  while (Reveal.nextFragment()) { /* show every fragment */ }
  const heading = slide.querySelector('h1, h2, h3, h4');
  const title = heading ? heading.textContent.replace(/\\s+/g, ' ').trim() : '';
  return {number: i + 1, title: title};
}"""

DECK_SKIP = {"genindex.html", "search.html"}


def deck_files(folder: Path, names: list[str] | None = None, *, lectures_only: bool = False):
    """The built decks in ``folder`` and in its course folders, sorted by path.

    ``names`` picks some (``week1/intro``; ``.html`` optional).
    ``lectures_only`` leaves out ``index.html``, the course index (a ported course's own
    front page, ``<course>/index.html``, is one of its decks).
    """
    if names:
        paths = [folder / (n if n.endswith(".html") else f"{n}.html") for n in names]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"no such deck: {', '.join(missing)}; run `make slides`")
        return paths
    paths = sorted(
        p
        for p in folder.rglob("*.html")
        if p.relative_to(folder).as_posix() not in DECK_SKIP
        and not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts)
    )
    if lectures_only:
        paths = [p for p in paths if p.relative_to(folder).as_posix() != "index.html"]
    return paths


def deck_name(folder: Path, path: Path) -> str:
    """A built deck's name: its page's path in ``folder``, without ``.html`` (``week1/intro``)."""
    return path.relative_to(folder).with_suffix("").as_posix()


def open_deck(page: object, url: str) -> dict:
    """Load a deck, size the viewport to its configured width and height, and freeze motion.

    Returns ``{"width", "height", "slides"}``: the design size and the number of slides.
    """
    page.goto(url, wait_until="load")
    wait_for_deck(page)
    page.add_style_tag(content=STILL_CSS)
    info = page.evaluate(
        """async () => {
             await document.fonts.ready;
             const c = Reveal.getConfig();
             return {width: c.width, height: c.height, slides: Reveal.getSlides().length};
           }"""
    )
    width, height = info["width"], info["height"]
    viewport = page.viewport_size or {}
    sized = isinstance(width, int | float) and isinstance(height, int | float)
    if sized and (viewport.get("width"), viewport.get("height")) != (width, height):
        page.set_viewport_size({"width": int(width), "height": int(height)})
        page.evaluate("Reveal.layout()")
    return info


def show_slide(page: object, index: int) -> dict:
    """Go to slide ``index`` (0-based) with every fragment shown; return its number and title.

    Returns once any font the slide needs has loaded.
    """
    script = (
        f"async (i) => {{ const s = ({SHOW_SLIDE_JS})(i); await document.fonts.ready; return s; }}"
    )
    return page.evaluate(script, index)
