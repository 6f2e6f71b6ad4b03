"""``make preview``: one warm process; a save shows on the open slide, and only there."""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from deckfixtures import own_lecture_code
from test_incremental import DECK_A, DECK_B

from lecturedeck.project import VIEWPORT

pytestmark = pytest.mark.build

THREE_SLIDES = """Deck A
======

One
---

Text on slide one.

Two
---

Text on slide two.

Three
-----

.. math::

   e^{i\\pi} + 1 = 0
"""
OTHER = """Deck B
======

Only
----

Another deck.
"""


class Preview:
    """``python -m lecturedeck.commands.preview`` on a project, and what it prints."""

    def __init__(self, project: Path, env: dict[str, str] | None = None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lecturedeck.commands.preview"]
            + ["--root", str(project), "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_line("preview: http")

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, start: str, timeout: float = 120) -> str:
        """The next line that starts with ``start`` (every line is kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {start!r} line from the preview; it printed: {self.seen}")
            self.seen.append(line)
            if line.startswith(start):
                return line

    def fetch(self, page: str) -> str:
        with urllib.request.urlopen(f"{self.url}/{page}", timeout=10) as response:
            return response.read().decode()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


CURRENT_SHOWS = """text => { const s = Reveal.isReady() && Reveal.getCurrentSlide();
  return !!s && s.textContent.includes(text) }"""


def test_a_save_shows_on_the_open_slide_and_a_broken_one_keeps_the_last_good(project, chromium):
    deck = project / "slides" / "a.rst"
    deck.write_text(THREE_SLIDES)
    (project / "slides" / "b.rst").write_text(OTHER)
    preview = Preview(project)
    try:
        context = chromium.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"{preview.url}/a.html#/2")  # slide "Two"
        page.wait_for_function(CURRENT_SHOWS, arg="Text on slide two.")
        other = context.new_page()
        other.goto(f"{preview.url}/b.html")
        other.wait_for_function("() => Reveal.isReady()")
        for p in (page, other):
            p.evaluate("() => { window.notReloaded = true }")  # gone if the page reloads

        deck.write_text(THREE_SLIDES.replace("Text on slide two.", "Saved on slide two."))
        page.wait_for_function(CURRENT_SHOWS, arg="Saved on slide two.")
        assert page.evaluate("() => Reveal.getIndices().h") == 2  # still on slide Two
        assert page.evaluate("() => window.notReloaded === true")  # swapped in place
        preview.wait_line("preview: built in")
        assert other.evaluate("() => window.notReloaded === true")  # the other deck untouched

        # A formula that does not parse: file:line, nothing published, the old text stays.
        deck.write_text(THREE_SLIDES.replace("Text on slide two.", r"Broken :math:`\frac{1}{`."))
        preview.wait_line("preview: build FAILED")
        problems = [ln for ln in preview.seen if ln.startswith("slides/a.rst:")]
        assert problems and "KaTeX parse error" in problems[0], preview.seen
        assert "Saved on slide two." in preview.fetch("a.html")
        assert page.evaluate(CURRENT_SHOWS, "Saved on slide two.")

        deck.write_text(THREE_SLIDES.replace("Text on slide two.", "Fixed on slide two."))
        page.wait_for_function(CURRENT_SHOWS, arg="Fixed on slide two.")
        assert page.evaluate("() => Reveal.getIndices().h") == 2
        assert preview.proc.poll() is None
        context.close()
    finally:
        preview.stop()


def test_a_module_edit_updates_only_the_decks_that_import_it(project):
    from websockets.sync.client import connect

    (project / "slides" / "a.rst").write_text(DECK_A)  # imports softmax (reductions.py)
    (project / "slides" / "b.rst").write_text(DECK_B)  # imports relu (activations.py)
    preview = Preview(project, own_lecture_code(project))
    try:
        with connect(f"ws://{preview.url.split('//')[1]}/_preview/events") as events:
            module = project / "src" / "lecture_code" / "reductions.py"
            source = module.read_text()
            old, new = (
                "return [e / total for e in exps]",
                "return [round(e / total, 3) for e in exps]",
            )
            assert old in source
            module.write_text(source.replace(old, new))
            pages = json.loads(events.recv(timeout=120))["pages"]
            assert set(pages) == {"a.html"}  # b imports only activations
            assert "[0.269, 0.731]" in preview.fetch("a.html")  # the cell ran again, warm

            # A conf.py that does not run: one line, and a fresh application once it is fixed.
            conf = project / "conf.py"
            good = conf.read_text()
            conf.write_text(good + "\nraise RuntimeError('broken on purpose')\n")
            preview.wait_line("preview: the next save starts a fresh build")
            assert any(
                ln.startswith("conf.py:") and "RuntimeError: broken on purpose" in ln
                for ln in preview.seen
            ), preview.seen
            conf.write_text(good)
            preview.wait_line("preview: built in")
            assert preview.proc.poll() is None
    finally:
        preview.stop()
