"""``make contact``: one contact sheet per lecture deck, ``_build/contact/<deck>.png``.

Every slide is shot in Chromium at the deck's design size in its final fragment state, shrunk
to a thumbnail and tiled with Pillow, :data:`COLUMNS` to a row, each labelled with its slide
number and title: the whole deck at a glance, for a visual review before class. reveal.js's
own controls, progress bar and slide number are hidden in the shots. The course index
(``index.html``) is skipped, as in ``make pdf``. Sheets are written atomically.

    python -m lecturedeck.commands.contact [--out _build/slides] [--contact _build/contact]
                                           [deck ...]
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
from pathlib import Path

from lecturedeck.commands import browser
from lecturedeck.project import CONTACT_OUT, DECKS_OUT, VIEWPORT, replacing

COLUMNS = 5
THUMB_WIDTH, THUMB_HEIGHT = 320, 180  # a 16:9 thumbnail, a quarter of 1280x720
GAP = 12  # between thumbnails and around the sheet
LABEL_HEIGHT = 24  # the caption under each thumbnail
BACKGROUND, FRAME, INK = "#d9d9d9", "#8c8c8c", "#1a1a1a"
CHROME_CSS = (
    ".reveal .controls, .reveal .progress, .reveal .slide-number { display: none !important; }"
)


def sheet_size(slides: int, columns: int = COLUMNS) -> tuple[int, int]:
    """Width and height in pixels of the sheet for ``slides`` thumbnails."""
    cols = max(1, min(columns, slides))
    rows = max(1, math.ceil(slides / cols))
    return (
        cols * THUMB_WIDTH + (cols + 1) * GAP,
        rows * (THUMB_HEIGHT + LABEL_HEIGHT) + (rows + 1) * GAP,
    )


def shoot(browser_: object, url: str) -> list[tuple[dict, bytes]]:
    """Screenshots (PNG) of every slide of the deck at ``url``, each with its number and title."""
    context = browser_.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        info = browser.open_deck(page, url)
        page.add_style_tag(content=CHROME_CSS)
        shots = []
        for index in range(info["slides"]):
            slide = browser.show_slide(page, index)
            shots.append((slide, page.screenshot(type="png")))
    finally:
        context.close()
    return shots


def tile(shots: list[tuple[dict, bytes]], columns: int = COLUMNS) -> object:
    """The contact sheet: thumbnails in rows, each captioned "number  title"."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = sheet_size(len(shots), columns)
    cols = max(1, min(columns, len(shots)))
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=15)
    for i, (slide, png) in enumerate(shots):
        x = GAP + (i % cols) * (THUMB_WIDTH + GAP)
        y = GAP + (i // cols) * (THUMB_HEIGHT + LABEL_HEIGHT + GAP)
        with Image.open(io.BytesIO(png)) as shot:
            thumb = shot.convert("RGB").resize(
                (THUMB_WIDTH, THUMB_HEIGHT), Image.Resampling.LANCZOS
            )
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + THUMB_WIDTH, y + THUMB_HEIGHT), outline=FRAME)
        caption = f"{slide['number']}  {slide['title']}"
        while draw.textlength(caption, font=font) > THUMB_WIDTH and len(caption) > 4:
            caption = caption[:-2] + "\u2026"
        draw.text((x, y + THUMB_HEIGHT + 4), caption, fill=INK, font=font)
    return sheet


def run(
    out: Path, contact_dir: Path, decks: list[str] | None = None, *, chromium: object = None
) -> list[Path]:
    """Write a contact sheet for each deck built in ``out``; return the sheets written.

    ``chromium`` is a Playwright ``Browser`` to use; by default one is launched.
    """
    paths = browser.deck_files(out, decks, lectures_only=not decks)
    written = []
    with browser.deck_session(out, chromium) as (base, chromium):
        for path in paths:
            t0 = time.perf_counter()
            name = browser.deck_name(out, path)
            shots = shoot(chromium, f"{base}/{name}.html")
            target = contact_dir / f"{name}.png"
            with replacing(target) as part:
                tile(shots).save(part, format="PNG")
            took = time.perf_counter() - t0
            print(f"contact: {target} {len(shots)} slide(s) in {took:.1f} s")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(DECKS_OUT), help="built decks")
    parser.add_argument("--contact", type=Path, default=Path(CONTACT_OUT), help="sheets")
    parser.add_argument("decks", nargs="*", help="deck names (default: every lecture deck)")
    args = parser.parse_args(argv)
    if browser.missing_decks("contact", args.out, args.decks) or browser.stale_decks(
        "contact", args.out
    ):
        return 2
    try:
        written = run(args.out, args.contact, args.decks or None)
    except (FileNotFoundError, browser.BrowserMissing) as exc:
        print(f"contact: {exc}", file=sys.stderr)
        return 2
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
