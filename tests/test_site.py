"""``make html``: the companion site, built for real in a throwaway copy of the project."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from deckfixtures import ROOT, PageWatch

import lecture_code
from lecturedeck import project
from lecturedeck.commands import browser, figs, notebooks

pytestmark = pytest.mark.build

DECK = "module4_4"  # the real deck, with its notebook
EXTRA_DECK = "zz_extra_deck"
EXTRA_TITLE = "An Extra Deck, Added For The Test"


def copy_site_project(dst: Path) -> Path:
    """What ``make html`` reads: conf.py, site/, scripts/, slides/, lecture_code, KaTeX."""
    return project.copy_project(
        ROOT, dst, ("conf.py", "site", "scripts", "slides", "src/lecture_code")
    )


def run_site(root: Path) -> subprocess.CompletedProcess[str]:
    """``make html`` on a project copy, in its own process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "lecturedeck.commands.html", "--root", str(root), "-q"],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def built_site(tmp_path_factory, built_decks: Path) -> Path:
    """The companion site, built once from scratch, with one extra deck dropped in.

    Its notebooks: the real deck's, as `make notebooks` writes it from the built decks, and
    the extra deck's, written by hand.
    """
    root = copy_site_project(tmp_path_factory.mktemp("site") / "project")
    (root / "slides" / f"{EXTRA_DECK}.rst").write_text(
        f"{EXTRA_TITLE}\n{'=' * len(EXTRA_TITLE)}\n\nA slide\n-------\n\nText.\n"
    )
    out = root / "_build" / "notebooks"
    notebooks.run(built_decks.parent.parent, out=out, decks=[DECK])
    write_notebook(out / f"{EXTRA_DECK}.ipynb")
    result = run_site(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    return root


# One white pixel, as `make notebooks` attaches a slide's figure to its markdown cell.
PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII="
)
NOTEBOOK_OUTPUT = "[0.5, 0.5]"


def write_notebook(path: Path) -> None:
    """A notebook as `make notebooks` writes one: a title, math, a figure, a cell and output."""
    import nbformat.v4 as nbf

    text = (
        f"# {EXTRA_TITLE}\n\nThe share $\\sigma(0)$ is a half.\n\n![A pixel](attachment:pixel.png)"
    )
    figure = nbf.new_markdown_cell(text, id="slide")
    figure["attachments"] = {"pixel.png": {"image/png": PIXEL}}
    code = nbf.new_code_cell(
        "from lecture_code import softmax\nprint(softmax([0.0, 0.0]))",
        id="cell",
        outputs=[nbf.new_output("stream", name="stdout", text=NOTEBOOK_OUTPUT + "\n")],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    nbformat.write(nbf.new_notebook(cells=[figure, code], metadata=metadata), path)


def test_the_site_shows_each_notebook_with_its_math_figures_and_outputs(built_site):
    listing = page(built_site, "notebook_pages/index.html")
    titles = [project.deck_title(built_site / "slides" / f"{d}.rst") for d in (DECK, EXTRA_DECK)]
    listed = [a.get_text() for a in listing.select(".toctree-wrapper a")]
    assert [listed[0], listed[-1]] == titles  # (the real deck's sections are listed too)
    shown = page(built_site, f"notebook_pages/{EXTRA_DECK}.html")
    assert shown.select_one("h1").get_text().strip().rstrip("#").strip() == EXTRA_TITLE
    run = shown.find("a", string="Run this notebook in the browser")
    assert run["href"] == f"../lite/notebooks/index.html?path={EXTRA_DECK}.ipynb"
    assert shown.select(".math .katex, .katex")  # prerendered like the decks' math
    image = shown.select_one("img[alt='A pixel']")
    assert image is not None and (built_site / "_build" / "html" / "notebook_pages").exists()
    src = (built_site / "_build" / "html" / "notebook_pages" / image["src"]).resolve()
    assert src.read_bytes() == base64.b64decode(PIXEL)
    assert "print(softmax([0.0, 0.0]))" in shown.get_text()
    assert NOTEBOOK_OUTPUT in shown.get_text()


def page(root: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_build" / "html" / name).read_text(), "html.parser")


@pytest.mark.parametrize("name", ["index.html", "notebooks.html"])
def test_deck_links_list_every_deck_with_its_slides_and_notebook(built_site, name):
    listed = {}
    for item in page(built_site, name).select("ul.deck-links > li"):
        title = item.select_one(".deck-title").get_text()
        links = [item.select(f"a.deck-{kind}") for kind in ("slides", "notebook", "lite")]
        assert [a.get_text() for [a] in links] == ["slides", "notebook", "run it in the browser"]
        assert item.get_text() == (
            f"{title} \N{EM DASH} slides \N{MIDDLE DOT} notebook \N{MIDDLE DOT} "
            "run it in the browser"
        )
        listed[title] = tuple(a["href"] for [a] in links)
    expected = {
        project.deck_title(built_site / "slides" / f"{deck}.rst"): (
            f"../slides/{deck}.html",
            f"../notebooks/{deck}.ipynb",
            f"lite/notebooks/index.html?path={deck}.ipynb",
        )
        for deck in project.deck_names(built_site / "slides")
    }
    assert listed == expected
    assert listed[EXTRA_TITLE] == (
        f"../slides/{EXTRA_DECK}.html",
        f"../notebooks/{EXTRA_DECK}.ipynb",
        f"lite/notebooks/index.html?path={EXTRA_DECK}.ipynb",
    )
    # JupyterLite holds each notebook as make notebooks wrote it.
    lite = built_site / "_build" / "html" / "lite" / "files"
    for deck in (DECK, EXTRA_DECK):
        written = built_site / "_build" / "notebooks" / f"{deck}.ipynb"
        assert nbformat.read(lite / f"{deck}.ipynb", 4) == nbformat.read(written, 4)
    assert len(listed) >= 2


def test_the_notebooks_page_says_how_to_get_them(built_site):
    index = page(built_site, "index.html")
    assert "notebooks.html" in [a["href"] for a in index.select("header a.nav-link")]
    text = page(built_site, "notebooks.html").get_text()
    assert "make notebooks" in text
    assert "_build/notebooks/<deck>.ipynb" in text


def test_the_site_wears_the_pydata_theme_in_the_project_palette(built_site):
    html = built_site / "_build" / "html"
    index = page(built_site, "index.html")
    sheets = [link["href"].split("?")[0] for link in index.select('link[rel="stylesheet"]')]
    assert "_static/styles/pydata-sphinx-theme.css" in sheets
    assert index.select_one("body[data-default-mode] header.bd-header")
    assert index.select_one("main.bd-main")
    # The palette comes last, so that it wins over the theme's and the gallery's colours.
    assert sheets[-1] == "_static/site.css"
    palette = (html / "_static" / "site.css").read_text().lower()
    figstyle = (built_site / "scripts" / "figstyle.py").read_text()
    for name in ("BLUE", "VERMILION", "SKY", "ORANGE"):
        colour = re.search(rf'^{name} = "(#[0-9A-Fa-f]{{6}})"', figstyle, re.M).group(1)
        assert colour.lower() in palette, name
    assert re.search(r"--pst-color-primary:\s*#0072b2", palette)
    # The navbar shows the decks' favicon as the logo, served from the site.
    logo = index.select_one(".navbar-brand img")
    assert (html / logo["src"]).resolve().is_file()


def test_gallery_shows_every_script_with_its_figure_and_downloads(built_site):
    html = built_site / "_build" / "html"
    gallery = page(built_site, "auto_examples/index.html")
    hrefs = [a["href"] for a in gallery.select("a[href]")]
    assert any(h.endswith("auto_examples_jupyter.zip") for h in hrefs)
    assert any(h.endswith("auto_examples_python.zip") for h in hrefs)
    scripts = figs.discover(built_site)
    assert scripts
    for script in scripts:
        name = script.path.stem
        assert any(h.endswith(f"{name}.html") for h in hrefs), name
        example = page(built_site, f"auto_examples/{name}.html")
        downloads = [a["href"] for a in example.select("a[href]")]
        for suffix in (".ipynb", ".py"):
            link = next(h for h in downloads if h.endswith(f"{name}{suffix}"))
            assert (html / "auto_examples" / link).resolve().is_file(), link
        images = [img["src"] for img in example.select("img.sphx-glr-single-img")]
        assert len(images) == 1, name
        assert (html / "auto_examples" / images[0]).resolve().stat().st_size > 10_000
        # The page shows the script's code, FIGURE constant and all.
        assert script.figure in example.get_text()


def test_the_gallery_never_writes_into_figs(built_site):
    assert not (built_site / "figs").exists()


def test_api_documents_every_public_function(built_site):
    api = page(built_site, "api.html")
    ids = {tag["id"] for tag in api.select("dt[id]")}
    for name in lecture_code.__all__:
        module = getattr(lecture_code, name).__module__
        assert f"{module}.{name}" in ids, name


def test_nothing_loads_from_outside(built_site):
    external = re.compile(r"^(https?:)?//", re.I)
    html = built_site / "_build" / "html"
    loaded = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}
    for path in html.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(), "html.parser")
        for tag, attr in loaded.items():
            for element in soup.find_all(tag):
                url = element.get(attr, "")
                rel = set(element.get("rel", []))
                if tag == "link" and not rel & {"stylesheet", "icon", "preload", "modulepreload"}:
                    continue  # a hyperlink, not something the page loads
                assert not external.match(url), f"{path.relative_to(html)}: <{tag}> {url}"
    for path in html.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", path.read_text()):
            assert not external.match(url), f"{path.relative_to(html)}: {url}"
    # The math is prerendered: its stylesheet is served from the site itself.
    assert (html / "_static" / "katex" / "katex.min.css").is_file()
    # The theme's icon font is served from the site too.
    assert list((html / "_static" / "vendor" / "fontawesome" / "webfonts").glob("*.woff2"))


def test_nothing_loads_from_outside_in_chromium(built_site, chromium):
    """What the theme's scripts fetch as they run is local too, and nothing fails to load."""
    html = built_site / "_build" / "html"
    pages = ["index.html", "notebooks.html", "api.html", "search.html", "auto_examples/index.html"]
    pages += [f"auto_examples/{s.path.stem}.html" for s in figs.discover(built_site)[:1]]
    with browser.serve(html) as base:
        contexts = {mode: chromium.new_context(color_scheme=mode) for mode in ("light", "dark")}
        try:
            # Every page loads at once, in a tab of its own, in each colour scheme, so that
            # the half-second waits for a quiet network (what a page's scripts fetch once it
            # has loaded) overlap.
            tabs = [(m, name, c.new_page()) for m, c in contexts.items() for name in pages]
            watches = [PageWatch(tab, base) for _, _, tab in tabs]
            for _, name, tab in tabs:
                tab.goto(f"{base}/{name}", wait_until="commit")
            for mode, name, tab in tabs:
                tab.wait_for_load_state("networkidle")
                assert tab.evaluate("document.documentElement.dataset.theme") == mode, name
            for (mode, name, _), watch in zip(tabs, watches, strict=True):
                assert watch.external == [], (mode, name, watch.external)
                assert watch.failed == [], (mode, name, watch.failed)
                assert watch.errors == [], (mode, name, watch.errors)
        finally:
            for context in contexts.values():
                context.close()


def printed(outputs: list[dict]) -> str:
    """What a run cell shows, as the deck prints it: its stdout, then its value's repr."""
    out = "".join(o["text"] for o in outputs if o["output_type"] == "stream")
    for o in outputs:
        if o["output_type"] == "execute_result":
            out += o["data"]["text/plain"] + "\n"
    return out


# JupyterLite's app (exposed as window.jupyterapp by the site's jupyter-lite.json): the open
# notebook, once its kernel session exists.
NOTEBOOK_OPEN = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return Boolean(panel && panel.sessionContext && panel.sessionContext.session);
}"""
RUN_ALL = """async () => {
    const app = window.jupyterapp, panel = app.shell.currentWidget;
    await panel.sessionContext.ready;
    await app.commands.execute("notebook:run-all-cells");
}"""
ALL_RAN = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const code = [...panel.content.model.cells].filter(c => c.type === "code");
    return panel.sessionContext.session.kernel.status === "idle"
        && code.every(c => c.executionCount !== null);
}"""
OUTPUTS = """() => [...window.jupyterapp.shell.currentWidget.content.model.cells]
    .filter(c => c.type === "code").map(c => ({id: c.id, outputs: c.outputs.toJSON()}))"""


def test_a_notebook_runs_in_the_browser_from_the_site_on_pyodide_from_the_build(
    built_site, chromium
):
    """The deck's notebook in the site's JupyterLite, from its deck link: every cell prints
    what the build printed, and every file (Pyodide, the kernel's wheels) comes from the site."""
    html = built_site / "_build" / "html"
    link = page(built_site, "index.html").select_one(f"a.deck-lite[href$='={DECK}.ipynb']")
    stored = nbformat.read(built_site / "_build" / "notebooks" / f"{DECK}.ipynb", 4)
    requested: list[str] = []
    with browser.serve(html) as base:
        context = chromium.new_context()
        try:
            context.on("request", lambda r: requested.append(r.url))  # the workers' too
            tab = context.new_page()
            tab.goto(f"{base}/{link['href']}")
            tab.wait_for_function(NOTEBOOK_OPEN, timeout=60_000)
            tab.evaluate(RUN_ALL)
            tab.wait_for_function(ALL_RAN, timeout=180_000, polling=250)
            ran = tab.evaluate(OUTPUTS)
        finally:
            context.close()
    [setup] = [c for c in ran if c["id"] == "setup"]
    assert re.fullmatch(
        r"lecture_code: the code this notebook carries \(\d+ modules\), in /tmp/\S+\n",
        printed(setup["outputs"]),
    )
    before = [c for c in stored.cells if c.cell_type == "code" and c.get("id") != "setup"]
    after = [c for c in ran if c["id"] != "setup"]
    assert [c["id"] for c in after] == [c.get("id") for c in before]
    for old, new in zip(before, after, strict=True):
        assert not [o for o in new["outputs"] if o["output_type"] == "error"], old.source
        assert printed(new["outputs"]) == printed(old.outputs), old.source
    assert len(after) >= 7
    # Pyodide and the kernel's packages were loaded, from the site's own folder ...
    pyodide = f"{base}/lite/static/pyodide/"
    for name in ("pyodide.asm.wasm", "python_stdlib.zip", "micropip-", "ipython-", "comm-"):
        assert any(u.startswith(pyodide + name) for u in requested), name
    # ... and nothing from anywhere else. (A markdown cell's figure is an `attachment:` URL,
    # which the browser cannot load and JupyterLab replaces with the attached image.)
    outside = [
        u
        for u in requested
        if not u.startswith(f"{base}/") and not u.startswith(("data:", "blob:", "attachment:"))
    ]
    assert outside == []
    for url in requested:
        if url.startswith(f"{base}/"):
            path = html / url[len(base) + 1 :].split("?")[0]
            assert path.resolve().is_relative_to(html.resolve()), url


def test_a_warning_fails_the_site_build(built_site, tmp_path):
    # A copy of the built site, so that this second build runs no gallery script again.
    root = tmp_path / "project"
    shutil.copytree(built_site, root, symlinks=True)
    index = root / "site" / "index.rst"
    index.write_text(index.read_text() + "\nSee :doc:`a page that does not exist <nowhere>`.\n")
    result = run_site(root)
    assert result.returncode != 0
    assert re.search(r"^site/index\.rst:\d+: error: .*nowhere", result.stderr, re.M), result.stderr


def test_only_the_site_build_loads_sphinx_gallery(monkeypatch):
    class Tags:
        def __init__(self, *names: str) -> None:
            self.names = set(names)

        def has(self, name: str) -> bool:
            return name in self.names

    # conf.py's site section sets the gallery's scratch folder and sys.path: undo both after.
    monkeypatch.delenv(project.FIG_OUT_ENV, raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    source = (ROOT / "conf.py").read_text()
    for tags, expected in ((Tags(), False), (Tags("site"), True)):
        namespace = {"tags": tags, "__file__": str(ROOT / "conf.py")}
        exec(compile(source, "conf.py", "exec"), namespace)  # noqa: S102 - our own conf.py
        assert ("sphinx_gallery.gen_gallery" in namespace["extensions"]) is expected
