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

    python -m lecturedeck.commands.pdf [--notes] [--out _build/slides] [--pdf _build/pdf] [deck ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lecturedeck.commands import browser
from lecturedeck.project import DECKS_OUT, PDF_OUT, VIEWPORT, replacing

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
# reveal.js announces that its print view is laid out with a `pdf-ready` event on the deck,
# which bubbles to the document. Listen from before the page's own scripts run.
PDF_READY_INIT = """
window.__lecturedeckPdfReady = false;
document.addEventListener('pdf-ready', () => { window.__lecturedeckPdfReady = true; });
"""
READY_TIMEOUT_MS = 30000
# Then every font and image must have arrived. Returns, page by page, whether the page must show
# something: a slide with words or a picture, or a page of speaker notes. (An author may leave a
# slide empty on purpose; its page may be blank.)
SETTLE_JS = """async (notes) => {
  // Explorable figures draw their default state once their charting library has loaded.
  const drawn = () =>
    window.__lecturedeckExplorablesDrawn || !document.querySelector('.explorable');
  for (let waited = 0; !drawn() && waited < 15000; waited += 50) {
    await new Promise(done => setTimeout(done, 50));
  }
  await document.fonts.ready;
  await Promise.all([...document.images].map(i => i.complete ? null : new Promise(done => {
    i.addEventListener('load', done, {once: true});
    i.addEventListener('error', done, {once: true});
  })));
  const slides = Reveal.getSlides();
  const pages = [];
  for (const slide of slides) {
    const shown = slide.cloneNode(true);  // what the slide shows: not its speaker notes
    shown.querySelectorAll('aside.notes').forEach(n => n.remove());
    const words = /\\p{L}/u.test(shown.textContent);
    const picture = shown.querySelector('img, svg, canvas, video, iframe, .katex');
    pages.push(Boolean(words || picture));
    if (notes && Reveal.getSlideNotes(slide)) pages.push(true);
  }
  // A slide whose content is taller than its page (printed one page a slide) spills over.
  const tall = slides.flatMap((s, i) => {
    const page = s.closest('.pdf-page');
    return page && s.scrollHeight > page.offsetHeight + 1 ? [{number: i + 1,
      title: ((s.querySelector('h1, h2, h3') || {}).textContent || '').trim().slice(0, 40)}] : [];
  });
  return {slides: slides.length, pages, tall};
}"""
# pypdf content-stream operators that show words or pictures, or paint shapes.
TEXT_OPS = {b"Tj", b"TJ", b"'", b'"'}
PAINT_OPS = {b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*", b"sh"}


class PdfError(Exception):
    """A deck printed wrong; the message names the deck and what is wrong."""


def blank_pages(path: Path) -> list[int]:
    """The 1-based numbers of the pages of ``path`` that show nothing.

    Such a page has no letter (a printed slide number is no word), no picture, and no more
    painted shapes than the plainest page that does have words: its background and the frame
    of its number. A page that is all drawing (an inline diagram) paints more than that.
    """
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(path)
    pages = []
    for page in reader.pages:
        contents = page.get_contents()
        ops = (
            [] if contents is None else [op for _, op in ContentStream(contents, reader).operations]
        )
        words = any(c.isalpha() for c in page.extract_text())
        pages.append((words, b"Do" in ops, sum(op in PAINT_OPS for op in ops)))
    plainest = min((paints for words, _, paints in pages if words), default=1)
    return [
        number
        for number, (words, pictures, paints) in enumerate(pages, start=1)
        if not words and not pictures and paints <= plainest
    ]


def export(browser_: object, base: str, deck: str | Path, target: Path, *, notes: bool) -> int:
    """Print a served deck to ``target``; return its page count.

    ``deck`` is the deck's name (``week1/intro``), or its page at the top of the served folder.

    Raises :class:`PdfError`, leaving any earlier ``target`` as it was, when the printed PDF
    does not have one page per slide (and notes page), or has a blank page.
    """
    from pypdf import PdfReader

    name = deck if isinstance(deck, str) else deck.with_suffix("").name
    context = browser_.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script(PDF_READY_INIT)
    try:
        query = PRINT_QUERY + (NOTES_QUERY if notes else "")
        page.goto(f"{base}/{name}.html?{query}", wait_until="load")
        page.add_style_tag(content=PRINT_CSS)
        try:
            page.wait_for_function(
                "() => window.__lecturedeckPdfReady === true", timeout=READY_TIMEOUT_MS
            )
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError
            raise PdfError(f"{name}.html: reveal.js never finished its print layout") from None
        expected = page.evaluate(SETTLE_JS, notes)
        with replacing(target) as part:
            page.pdf(path=str(part), prefer_css_page_size=True, print_background=True)
            pages = len(PdfReader(part).pages)
            if pages != len(expected["pages"]):
                what = f"{expected['slides']} slide(s)" + (" and their notes" if notes else "")
                why = "".join(
                    f"; slide {t['number']}"
                    + (f" ({t['title']})" if t["title"] else "")
                    + " is taller than its page (make check shows what lies outside it)"
                    for t in expected["tall"][:3]
                )
                raise PdfError(
                    f"{target}: {pages} page(s) printed for {what}, expected "
                    f"{len(expected['pages'])}{why}; not written"
                )
            blank = [n for n in blank_pages(part) if expected["pages"][n - 1]]
            if blank:
                raise PdfError(
                    f"{target}: page(s) {', '.join(map(str, blank))} of {pages} came out blank; "
                    "not written"
                )
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
    is launched. A deck that prints wrong is reported and skipped, and :class:`PdfError` is
    raised once every deck has been tried.
    """
    paths = browser.deck_files(out, decks, lectures_only=not decks)
    written, failed = [], []
    with browser.deck_session(out, chromium) as (base, chromium):
        for path in paths:
            t0 = time.perf_counter()
            name = browser.deck_name(out, path)
            target = pdf_dir / f"{name}{'-notes' if notes else ''}.pdf"
            try:
                pages = export(chromium, base, name, target, notes=notes)
            except PdfError as exc:
                print(f"pdf: {exc}", file=sys.stderr)
                failed.append(name)
                continue
            took = time.perf_counter() - t0
            print(f"pdf: {target} {pages} page(s) in {took:.1f} s")
            written.append(target)
    if failed:
        raise PdfError(f"{len(failed)} deck(s) not printed: {', '.join(failed)}")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", action="store_true", help="speaker notes on separate pages")
    parser.add_argument("--out", type=Path, default=Path(DECKS_OUT), help="built decks")
    parser.add_argument("--pdf", type=Path, default=Path(PDF_OUT), help="where PDFs go")
    parser.add_argument("decks", nargs="*", help="deck names (default: every lecture deck)")
    args = parser.parse_args(argv)
    if browser.missing_decks("pdf", args.out, args.decks) or browser.stale_decks("pdf", args.out):
        return 2
    try:
        written = run(args.out, args.pdf, args.decks or None, notes=args.notes)
    except (FileNotFoundError, browser.BrowserMissing) as exc:
        print(f"pdf: {exc}", file=sys.stderr)
        return 2
    except PdfError as exc:
        print(f"pdf: {exc}", file=sys.stderr)
        return 1
    if not written:
        print(f"pdf: no lecture decks in {args.out}/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
