"""The one browser helper: serve a folder on loopback and drive Debian's Chromium.

Shared by the deck check, the PDF export, the contact sheet, the benchmark and
the browser tests.
"""

from __future__ import annotations

import functools
import os
import shutil
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
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(folder: Path, port: int = 0) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 in a background thread; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium(**launch: object) -> Iterator[object]:
    """Launch headless Chromium through Playwright; yield the ``Browser``."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, **launch)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_deck(page: object) -> None:
    """Wait until reveal.js reports the deck ready."""
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=15000)
