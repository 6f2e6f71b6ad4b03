"""``make html``: the companion site, built for real in a throwaway copy of the project."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from deckfixtures import ROOT

import lecture_code
from lecturedeck import project
from lecturedeck.commands import figs

pytestmark = pytest.mark.build

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
def built_site(tmp_path_factory) -> Path:
    """The companion site, built once from scratch, with one extra deck dropped in."""
    root = copy_site_project(tmp_path_factory.mktemp("site") / "project")
    (root / "slides" / f"{EXTRA_DECK}.rst").write_text(
        f"{EXTRA_TITLE}\n{'=' * len(EXTRA_TITLE)}\n\nA slide\n-------\n\nText.\n"
    )
    result = run_site(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    return root


def page(root: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_build" / "html" / name).read_text(), "html.parser")


def test_index_links_every_deck_by_its_title(built_site):
    links = {
        a["href"]: a.get_text() for a in page(built_site, "index.html").select(".deck-links a")
    }
    expected = {
        f"../slides/{p.stem}.html": project.deck_title(p)
        for p in (built_site / "slides").glob("*.rst")
        if p.stem != "index"
    }
    assert links == expected
    assert links[f"../slides/{EXTRA_DECK}.html"] == EXTRA_TITLE
    assert len(links) >= 2


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


def test_a_warning_fails_the_site_build(tmp_path):
    root = copy_site_project(tmp_path / "project")
    # A gallery of one script keeps this second build short.
    for script in (root / "scripts").glob("plot_*.py"):
        if script.name != "plot_sigmoid.py":
            script.unlink()
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
