"""``make pdf``: print each lecture deck to ``_build/pdf/<deck>.pdf`` with headless Chromium.

reveal.js's own print view (``?print-pdf``) lays the deck out one slide per page, each page the
slide's design size plus its margin. The query string sets, for that load only:

* ``pdfSeparateFragments=false``: one page per slide, every fragment shown;
* ``pdfMaxPagesPerSlide=1``: a slide that overflows is cut, not spread over two pages
  (``make check`` reports the overflow);
* ``showNotes=separate-page`` (with ``--notes``): each slide's speaker notes on a page of their
  own, right after the slide.

Math (prerendered KaTeX), images and fonts are served from the build folder and embedded by
Chromium; the export waits for every font and image first. Live code cells print their
build-time output, without the Run button. The course index (``index.html``) is a page of
links, not a lecture, so it gets no PDF. Each PDF is written to a temporary file and then
renamed into place, so a failed export never leaves half a PDF.

    python -m lecturedeck.pdf [--notes] [--out _build/slides] [--pdf _build/pdf] [deck ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lecturedeck import browser

PRINT_QUERY = "print-pdf&pdfSeparateFragments=false&pdfMaxPagesPerSlide=1"
NOTES_QUERY = "&showNotes=separate-page"
# Paper has no Run button; a live cell shows the output it had at build time.
PRINT_CSS = """
.reveal .live-cell .live-run, .reveal .live-cell .live-status { display: none !important; }
.reveal .live-cell .live-output { display: block !important; visibility: visible !important; }
/* reveal.js ends every notes page with a page break, so a deck whose last slide has notes
   would end in a blank page. */
.reveal .slides > :last-child { page-break-after: auto !important; break-after: auto !important; }
"""
# reveal.js has laid out every page, and every font and image has arrived.
READY_JS = """async () => {
  const pages = document.querySelectorAll('.reveal .pdf-page');
  if (!pages.length || document.querySelector('.loading-scroll-mode')) return false;
  await document.fonts.ready;
  return [...document.images].every(i => i.complete);
}"""


def export(browser_: object, base: str, deck: Path, target: Path, *, notes: bool) -> int:
    """Print one served deck to ``target``; return its page count."""
    from pypdf import PdfReader

    context = browser_.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        query = PRINT_QUERY + (NOTES_QUERY if notes else "")
        page.goto(f"{base}/{deck.name}?{query}", wait_until="load")
        page.add_style_tag(content=PRINT_CSS)
        page.wait_for_function(READY_JS, timeout=30000)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{target.name}.part")
        try:
            page.pdf(path=str(part), prefer_css_page_size=True, print_background=True)
            pages = len(PdfReader(part).pages)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
    finally:
        context.close()
    return pages


def run(
    out: Path,
    pdf_dir: Path,
    decks: list[str] | None = None,
    *,
    notes: bool = False,
    chromium: object = None,
) -> list[Path]:
    """Export the decks built in ``out`` to ``pdf_dir``; print one line per deck.

    Returns the PDFs written. ``chromium`` is a Playwright ``Browser`` to use; by default one
    is launched.
    """
    paths = browser.deck_files(out, decks, lectures_only=not decks)
    written = []
    with browser.deck_session(out, chromium) as (base, chromium):
        for path in paths:
            t0 = time.perf_counter()
            target = pdf_dir / f"{path.stem}.pdf"
            pages = export(chromium, base, path, target, notes=notes)
            took = time.perf_counter() - t0
            print(f"pdf: {target} {pages} page(s) in {took:.1f} s")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", action="store_true", help="speaker notes on separate pages")
    parser.add_argument("--out", type=Path, default=Path("_build/slides"), help="built decks")
    parser.add_argument("--pdf", type=Path, default=Path("_build/pdf"), help="where PDFs go")
    parser.add_argument("decks", nargs="*", help="deck names (default: every lecture deck)")
    args = parser.parse_args(argv)
    if browser.missing_decks("pdf", args.out, args.decks):
        return 2
    try:
        written = run(args.out, args.pdf, args.decks or None, notes=args.notes)
    except (FileNotFoundError, browser.BrowserMissing) as exc:
        print(f"pdf: {exc}", file=sys.stderr)
        return 2
    if not written:
        print(f"pdf: no lecture decks in {args.out}/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
