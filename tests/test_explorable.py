"""Explorable figures: declarations, the values drawn, file://, the PDF, live edits, keys."""

from __future__ import annotations

import math

import numpy as np
import pytest
from deckfixtures import run_build
from pypdf import PdfReader
from strategies import central_difference

from lecture_code import explore
from lecture_code.attention import attention_weights
from lecture_code.gates import soft_gate, soft_gate_grad
from lecture_code.reductions import softmax
from lecturedeck.commands import browser, pdf
from lecturedeck.sphinxext.explorable import parse_control, range_values

DECK = "module4_4.html"
SLIDES = {
    "softmax_temperature": "Explore: temperature",
    "soft_gate_explorer": "Explore: the soft gate",
    "attention_explorer": "Explore: one query",
}


# -- Declarations ---------------------------------------------------------------------------------
def test_a_range_control_has_exactly_the_values_as_written():
    control = parse_control("T: 0.1 to 5 step 0.1; default 1")
    assert control["values"][:3] == [0.1, 0.2, 0.3] and control["values"][-1] == 5.0
    assert len(control["values"]) == 50
    assert control["values"][control["default"]] == 1.0
    assert range_values(-6, 6, 0.25)[24] == 0.0 and len(range_values(-6, 6, 0.25)) == 49


def test_a_choice_control_takes_python_literals_and_defaults_to_the_first():
    control = parse_control('query: one of "a", "b", 3')
    assert control == {"name": "query", "kind": "choice", "values": ["a", "b", 3], "default": 0}
    assert parse_control('q: one of "a", "b"; default "b"')["default"] == 1


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("T: 5 to 1 step 0.1", "the range is empty: 5 to 1"),
        ("T: 0 to 1 step 0", "step must be > 0"),
        ("T: 0 to 1 step 0.5; default 0.7", "default 0.7 is not one of the range's values"),
        ('q: one of "a"; default "z"', 'default "z" is not one of the choices'),
        ("T between 0 and 1", "a control is"),
    ],
)
def test_a_malformed_control_says_what_is_wrong(line, problem):
    with pytest.raises(ValueError, match=problem):
        parse_control(line)


def deck_with(body: str) -> str:
    return f"Deck\n====\n\nFigure\n------\n\n{body}"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            ".. explorable:: lecture_code.explore.softmax_temperature\n\n   S: 0 to 1 step 0.5\n",
            9,
            "explorable: lecture_code.explore.softmax_temperature has no parameter 'S' (it has: T)",
        ),
        (
            ".. explorable:: lecture_code.explore.softmax_temperature\n\n   T: 2 to 1 step 0.5\n",
            9,
            "explorable: 'T: 2 to 1 step 0.5': the range is empty: 2 to 1",
        ),
        (
            ".. explorable:: lecture_code.explore.softmax_temperature\n\n   T: 0 to 1 step 0.5\n",
            7,
            "explorable: lecture_code.explore.softmax_temperature raised at T=0.0: "
            "ValueError: softmax_temperature: T must be > 0, got 0.0",
        ),
        (
            ".. explorable:: lecture_code.explore.softmax_temperature\n\n"
            "   T: 0.001 to 5 step 0.001\n",
            7,
            "explorable: the grid has 5000 points, more than 400",
        ),
        (
            ".. explorable:: lecture_code.explore.softmax_temperature\n\n"
            "   T: 1 to 2 step 1\n   T: 1 to 3 step 1\n",
            10,
            "explorable: 'T' has two controls",
        ),
        (
            ".. explorable:: lecture_code.explore.no_such_figure\n\n   T: 1 to 2 step 1\n",
            7,
            "explorable: cannot use lecture_code.explore.no_such_figure",
        ),
    ],
)
def test_a_bad_declaration_fails_the_build_at_its_line(project, body, line, message):
    (project / "slides" / "deck.rst").write_text(deck_with(body))
    result = run_build(project)
    assert result.returncode == 1
    errors = [e for e in result.stderr.splitlines() if ": error: " in e]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"slides/deck.rst:{line}: error: {message}"), errors[0]


# -- The functions, against references ------------------------------------------------------------
def reference_softmax(xs: list[float]) -> list[float]:
    top = max(xs)
    e = [math.exp(x - top) for x in xs]
    return [v / math.fsum(e) for v in e]


@pytest.mark.parametrize("T", [0.1, 0.5, 1.0, 2.5, 5.0])
def test_the_temperature_figure_is_softmax_of_the_scaled_scores(T):
    bars, outline, label = explore.softmax_temperature(T)["marks"]
    expected = reference_softmax([v / T for v in explore.VALUES])
    assert np.allclose(bars["y"], expected, rtol=1e-12, atol=0)
    best = int(np.argmax(explore.VALUES))
    assert outline["y"] == [1.0 if i == best else 0.0 for i in range(len(explore.VALUES))]
    assert label["x"] == [str(best)] and label["text"] == [f"{expected[best]:.2f}"]


@pytest.mark.parametrize("r", [-6.0, -1.5, 0.0, 0.25, 4.0, 6.0])
def test_the_gate_figure_shows_f_and_its_three_derivatives(r):
    x, y = explore.GATE_X, explore.GATE_Y
    heights = explore.soft_gate_explorer(r)["marks"][0]["y"]
    s = 1 / (1 + math.exp(-r))
    assert math.isclose(heights[0], x * s + y * (1 - s), rel_tol=1e-12)
    numeric = [
        central_difference(lambda v: soft_gate(v, y, r), x),
        central_difference(lambda v: soft_gate(x, v, r), y),
        central_difference(lambda v: soft_gate(x, y, v), r),
    ]
    assert np.allclose(heights[1:], numeric, atol=1e-7)


@pytest.mark.parametrize("query", list(explore.QUERIES))
def test_the_attention_figure_is_a_softmax_of_scaled_dot_products(query):
    weights = explore.attention_explorer(query)["marks"][0]["y"]
    q, K = np.array(explore.QUERIES[query]), np.array(list(explore.KEYS.values()))
    scores = K @ q / math.sqrt(len(q))
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    assert np.allclose(weights, expected, rtol=1e-12)


def test_an_unknown_query_names_the_function_called():
    with pytest.raises(ValueError, match=r"^attention_explorer: query must be one of"):
        explore.attention_explorer("q = (9, 9)")


# -- In the browser -------------------------------------------------------------------------------
SHOW = """(title) => {
  const s = Reveal.getSlides().find(s => s.querySelector('h2')?.innerText === title);
  const i = Reveal.getIndices(s); Reveal.slide(i.h, i.v);
}"""
SET = """([value, which]) => {
  const figure = document.querySelector('.present .explorable');
  const input = figure.querySelectorAll('[data-control]')[which];
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
}"""
DRAWN = """() => {
  const figure = document.querySelector('.present .explorable');
  const mark = figure.querySelector('.explorable-chart svg g[aria-label="bar"]');
  const bars = [...mark.querySelectorAll('rect')];
  return {state: JSON.parse(figure.dataset.drawn), spec: figure.drawnSpec,
          heights: bars.map(r => r.getBBox().height)};
}"""


def show(page, function: str) -> None:
    page.evaluate(SHOW, SLIDES[function])
    page.wait_for_function("() => document.querySelector('.present .explorable')?.dataset.drawn")


def expected_bars(function: str, state: dict) -> list[float]:
    """What lecture_code computes for a figure's first bar mark, without the figure function."""
    if function == "softmax_temperature":
        return softmax(explore.VALUES, temperature=state["T"])
    if function == "soft_gate_explorer":
        x, y = explore.GATE_X, explore.GATE_Y
        return [soft_gate(x, y, state["r"]), *soft_gate_grad(x, y, state["r"])]
    q = explore.QUERIES[state["query"]]
    return attention_weights([q], list(explore.KEYS.values()))[0]


@pytest.mark.parametrize("function", list(SLIDES))
def test_every_control_value_draws_lecture_codes_values(deck_page, function):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    show(page, function)
    count = page.evaluate(
        "() => { const i = document.querySelector('.present .explorable [data-control]');"
        " return i.tagName === 'SELECT' ? i.options.length : Number(i.max) + 1; }"
    )
    for index in sorted({0, 1, count // 3, count // 2, count - 1}):
        page.evaluate(SET, [index, 0])
        drawn = page.evaluate(DRAWN)
        values = expected_bars(function, drawn["state"])
        assert drawn["spec"]["marks"][0]["y"] == values  # exactly lecture_code's numbers
        # And the SVG's bars stand in the same proportions as the values.
        heights = drawn["heights"]
        assert len(heights) == len(values)
        scale = max(heights) / max(abs(v) for v in values)
        assert np.allclose(heights, [abs(v) * scale for v in values], atol=1.0)
    assert watch.external == [] and watch.errors == []


def test_the_temperature_slider_starts_at_its_default_and_arrow_keys_step_it(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    show(page, "softmax_temperature")
    assert page.evaluate(DRAWN)["state"] == {"T": 1.0}
    where = page.evaluate("() => Reveal.getIndices()")
    page.focus(".present .explorable input[type=range]")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(DRAWN)["state"] == {"T": 1.2}
    assert page.evaluate("() => Reveal.getIndices()") == where  # the deck did not move
    slider = page.locator(".present .explorable input[type=range]")
    assert slider.get_attribute("aria-valuetext") == "T = 1.2"
    page.keyboard.press("Escape")
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("ArrowRight")  # with no control focused, the deck's keys work again
    page.wait_for_function(f"() => Reveal.getIndices().h !== {where['h']}")


def test_the_figures_redraw_from_file_without_any_server(chromium, built_decks):
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto((built_decks / DECK).as_uri())
        browser.wait_for_deck(page)
        show(page, "softmax_temperature")
        page.evaluate(SET, [0, 0])
        drawn = page.evaluate(DRAWN)
        assert drawn["state"] == {"T": 0.1}
        assert drawn["spec"]["marks"][0]["y"] == softmax(explore.VALUES, temperature=0.1)
    finally:
        context.close()


def test_the_pdf_shows_every_figure_in_its_default_state(chromium, built_decks, tmp_path):
    with browser.serve(built_decks) as base:
        pdf.export(chromium, base, built_decks / DECK, tmp_path / "deck.pdf", notes=False)
    pages = [p.extract_text() for p in PdfReader(tmp_path / "deck.pdf").pages]
    page = next(p for p in pages if "Explore: temperature" in p)
    at_default = max(softmax(explore.VALUES, temperature=1.0))
    assert f"{at_default:.2f}" in page
    gate = next(p for p in pages if "Explore: the soft gate" in p)
    assert f"{soft_gate(explore.GATE_X, explore.GATE_Y, 0.0):.2f}" in gate  # r = 0: 0.50


def test_under_present_the_edited_function_drives_the_figure(chromium, built_decks):
    with browser.serve(built_decks, isolate=True) as base:
        context = chromium.new_context(viewport={"width": 1280, "height": 720})
        try:
            page = context.new_page()
            page.goto(f"{base}/{DECK}")
            browser.wait_for_deck(page)
            show(page, "softmax_temperature")
            page.click(".present .explorable-edit summary")
            source = page.locator(".present .explorable-edit textarea.live-source")
            code = source.input_value()
            assert "softmax(VALUES, temperature=T)" in code and "@checked" not in code
            source.fill(code.replace("temperature=T)", "temperature=2 * T)"))
            page.click(".present .explorable-edit .live-run")
            page.wait_for_function(
                "() => document.querySelector('.present .explorable').dataset.edited === '1'",
                timeout=60000,
            )
            page.evaluate(SET, [4, 0])  # T = 0.5
            drawn = page.evaluate(DRAWN)
            assert drawn["state"] == {"T": 0.5}
            # Pyodide's libm may differ from CPython's in the last bit.
            expected = softmax(explore.VALUES, temperature=1.0)
            assert np.allclose(drawn["spec"]["marks"][0]["y"], expected, rtol=1e-12, atol=0)
        finally:
            context.close()


def test_the_library_and_the_data_load_only_when_a_figure_comes_near(deck_page):
    open_deck, page, watch = deck_page
    open_deck(DECK)
    loaded = "() => performance.getEntriesByType('resource').map(e => e.name)"
    lazy = ("/plot/d3.min.js", "/plot/plot.umd.min.js", "/_explorables/")
    assert not [url for url in page.evaluate(loaded) if any(part in url for part in lazy)]
    show(page, "softmax_temperature")
    urls = page.evaluate(loaded)
    assert all(any(part in url for url in urls) for part in lazy)
