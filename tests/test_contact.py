"""Contact sheets: one PNG per lecture deck, a grid with one thumbnail per slide."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from lecturedeck.commands import contact

pytestmark = pytest.mark.browser
FAULTS = Path(__file__).parent / "roots" / "check-faults"


@pytest.fixture(scope="module")
def decks(fault_decks):
    return fault_decks


def test_sheet_size_fits_the_grid():
    w, h = contact.THUMB_WIDTH, contact.THUMB_HEIGHT + contact.LABEL_HEIGHT
    gap, cols = contact.GAP, contact.COLUMNS
    assert contact.sheet_size(1) == (w + 2 * gap, h + 2 * gap)
    assert contact.sheet_size(cols) == (cols * w + (cols + 1) * gap, h + 2 * gap)
    assert contact.sheet_size(cols + 1) == (cols * w + (cols + 1) * gap, 2 * h + 3 * gap)


def test_contact_sheet_is_a_png_grid_of_every_slide(decks, chromium, tmp_path):
    written = contact.run(decks, tmp_path, ["clean"], chromium=chromium)
    assert written == [tmp_path / "clean.png"]
    with Image.open(written[0]) as sheet:
        assert sheet.format == "PNG"
        assert sheet.size == contact.sheet_size(4)  # clean.rst: a title slide and 3 slides
        sheet = sheet.convert("RGB")
        # Each thumbnail holds a slide (white theme), not the sheet's grey background.
        for i in range(4):
            x = contact.GAP + i * (contact.THUMB_WIDTH + contact.GAP) + 5
            assert sheet.getpixel((x, contact.GAP + 5)) == (255, 255, 255)


def test_contact_command_skips_the_index(decks, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lecturedeck.commands.contact", "--out", str(decks)]
        + ["--contact", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cells.png",
        "clean.png",
        "dark.png",
        "faults.png",
        "remote.png",
    ]
    slides = len(re.findall(r"^-{3,}$", (FAULTS / "faults.rst").read_text(), re.M))
    with Image.open(tmp_path / "faults.png") as sheet:
        assert sheet.size == contact.sheet_size(slides + 1)  # and the title slide
