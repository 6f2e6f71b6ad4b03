"""Fuzz the build with randomly broken decks: never a traceback, always file:line, nothing lost.

Each round drops 30 decks made from real snippets (cut short, garbled with binary bytes,
pointed at bad paths, given bad options and directives, mis-indented, shuffled) into a
project that already published a good deck, and builds them all at once.
"""

from __future__ import annotations

import random
import re

import pytest
from deckfixtures import run_build
from fuzzdecks import deck

pytestmark = pytest.mark.build

REPORT = re.compile(r"^slides/[\w.]+\.rst(?::\d+)?: (?:error|warning): \S")
SUMMARY = "slides: build FAILED; the problems are listed above as file:line."
CRASH_SIGNS = ("Traceback", "Exception occurred", "please report", "Please also report")
GOOD = "Good deck\n=========\n\nSlide\n-----\n\nThis one is fine.\n"
DECKS_PER_ROUND = 30


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_randomly_broken_decks_never_crash_and_are_each_reported(project, seed):
    (project / "slides" / "good.rst").write_text(GOOD)
    assert run_build(project).returncode == 0
    out = project / "_build" / "slides"
    good_page = (out / "good.html").read_bytes()

    rng = random.Random(seed)
    kinds = {}
    for n in range(DECKS_PER_ROUND):
        data, how = deck(rng, n)
        (project / "slides" / f"fuzz{n:02d}.rst").write_bytes(data)
        kinds[f"fuzz{n:02d}"] = how
    result = run_build(project)

    text = result.stdout + result.stderr
    assert not [sign for sign in CRASH_SIGNS if sign in text], text
    assert result.returncode in (0, 1), text
    lines = result.stderr.splitlines()
    stray = [ln for ln in lines if not REPORT.match(ln) and not ln.startswith(SUMMARY)]
    assert not stray, "lines that are not file:line reports:\n" + "\n".join(stray)
    # A deck pointed at paths that do not exist (or lie outside the project) must fail.
    assert "path" in kinds.values()
    for name, how in kinds.items():
        if how == "path":
            assert any(ln.startswith(f"slides/{name}.rst:") and ": error: " in ln for ln in lines)
    if result.returncode == 1:
        assert SUMMARY in result.stderr
        assert (out / "good.html").read_bytes() == good_page
        assert not list(out.glob("fuzz*.html"))
    else:
        assert not [ln for ln in lines if ": error: " in ln]
