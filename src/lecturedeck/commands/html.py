"""``make html``: the companion site: deck index, notebooks, figure gallery and the API.

Run as ``python -m lecturedeck.commands.html``; it builds ``site/`` into ``_build/html``
with the Sphinx command line of :func:`lecturedeck.project.sphinx_args` and the ``site``
tag, which switches on the companion-site section at the end of ``conf.py``:
pydata-sphinx-theme in the project's palette, sphinx-gallery (the same
``scripts/plot_*.py`` that draw the deck figures, shown with their code and as .py and
.ipynb downloads), autodoc for ``lecture_code``, and the site's directives
(:mod:`lecturedeck.sphinxext.site`), which link each deck and its notebook beside the site,
and jupyterlite-sphinx, which builds JupyterLite into ``_build/html/lite`` so that each
notebook runs in the browser (:mod:`lecturedeck.commands.lite` prepares it).

sphinx-gallery reruns an example only when the example's own file changed. A
figure also depends on the ``lecture_code`` modules it imports and on the
shared style, so before each build this command forgets sphinx-gallery's
checksum of every script whose inputs changed, as the figure runner sees them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from lecturedeck.project import (
    DECKS_OUT,
    LITE_OUT,
    NOTEBOOKS_OUT,
    SITE,
    SITE_OUT,
    doctrees_dir,
    replacing,
    sphinx_args,
    without_iri_grammar,
    write_atomic,
)

LITE_STATE = ".jupyterlite.doit.db"  # jupyter lite build's task state, in the folder it runs in
GALLERY = "auto_examples"  # sphinx-gallery's output folder, inside the site's sources
STAMPS = "_build/.gallery-stamps.json"


# -- The gallery's cache --------------------------------------------------------------------------
def _gallery_digests(root: Path) -> dict[str, str]:
    from lecturedeck.commands import figs

    return {s.path.name: s.digest() for s in figs.discover(root)}


def forget_stale_examples(root: Path) -> list[str]:
    """Make sphinx-gallery rerun the scripts whose inputs changed since the last good build."""
    try:
        old = json.loads((root / STAMPS).read_text())
    except (OSError, ValueError):
        old = {}
    forgotten = []
    for name, digest in _gallery_digests(root).items():
        if old.get(name) != digest:
            md5 = root / SITE / GALLERY / f"{name}.md5"
            if md5.exists():
                md5.unlink()
                forgotten.append(name)
    return forgotten


def _remember(root: Path) -> None:
    stamps = root / STAMPS
    stamps.parent.mkdir(parents=True, exist_ok=True)
    stamps.write_text(json.dumps(_gallery_digests(root), indent=1, sort_keys=True) + "\n")


# -- The notebooks, shown by the site ------------------------------------------------------------
PAGES = "notebook_pages"  # inside the site's sources: generated, git-ignored
PAGES_INDEX = """\
:orphan:

The notebooks, to read
======================

Each deck's notebook as ``make notebooks`` wrote it, with the outputs of the build. To run
one, download it from the list of decks and open it in Jupyter.

{body}
"""


def _publish_notebook(path: Path, pages: Path, rel: Path) -> None:
    """One notebook for the site, at ``rel``: its cells' attached images as files beside it.

    (myst-nb does not read cell attachments; the images go to ``<deck>/<name>``.)
    """
    import base64

    notebook = json.loads(path.read_text())
    lite = "../" * len(rel.parts) + f"{LITE_OUT}/notebooks/index.html?path={rel.as_posix()}"
    run = f"[Run this notebook in the browser]({lite}): JupyterLite, nothing to install."
    notebook["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": run})
    folder = pages / rel.parent / path.stem
    for cell in notebook["cells"]:
        for name, data in cell.pop("attachments", {}).items():
            mime, encoded = next(iter(data.items()))
            target = folder / name
            content = base64.b64decode(encoded)
            if not target.exists() or target.read_bytes() != content:
                with replacing(target) as part:
                    part.write_bytes(content)
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = source.replace(f"(attachment:{name}", f"({path.stem}/{name}")
    text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    target = pages / rel
    if not target.exists() or target.read_text() != text:
        write_atomic(target, text)


def publish_notebooks(root: Path) -> list[str]:
    """Copy the built notebooks into the site's sources, with a page that lists them.

    The site shows them as written (myst-nb, never executing them). Notebooks of decks
    since removed are removed; unchanged ones keep their time, so Sphinx skips them.
    """
    pages = root / SITE / PAGES
    pages.mkdir(parents=True, exist_ok=True)
    source = root / NOTEBOOKS_OUT
    built = sorted(p for p in source.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    names = [p.relative_to(source).with_suffix("").as_posix() for p in built]
    for stale in pages.rglob("*.ipynb"):
        if stale.relative_to(pages).with_suffix("").as_posix() not in names:
            stale.unlink()
    for path in built:
        _publish_notebook(path, pages, path.relative_to(source))
    if names:
        body = ".. toctree::\n   :maxdepth: 1\n\n" + "".join(f"   {n}\n" for n in names)
    else:
        body = "No notebooks yet: ``make notebooks`` writes them."
    index = pages / "index.rst"
    text = PAGES_INDEX.format(body=body)
    if not index.exists() or index.read_text() != text:
        write_atomic(index, text)
    return names


# -- Command line ---------------------------------------------------------------------------------
def build(root: Path, out: Path, quiet: bool = False) -> int:
    """Build the companion site of the project at ``root`` into ``out``. Return an exit status."""
    without_iri_grammar()  # myst-nb reads the notebooks with nbformat
    from sphinx.cmd.build import build_main

    from lecturedeck.commands import lite

    t0 = time.perf_counter()
    forget_stale_examples(root)
    publish_notebooks(root)
    try:
        lite.prepare(root)
    except lite.LiteError as exc:
        print(f"html: error: {exc}", file=sys.stderr)
        return 1
    # jupyter lite build keeps its task state in the folder it runs in (site/), and then
    # skips tasks whose output a later build needs: every build starts afresh.
    doit_db = root / SITE / LITE_STATE
    doit_db.unlink(missing_ok=True)
    args = sphinx_args(root, root / SITE, out, "html", tags=("site",))
    if not quiet:
        args.remove("-q")
    try:
        status = build_main(args)
    finally:
        doit_db.unlink(missing_ok=True)
    if status != 0:
        # Sphinx re-reads only changed pages, so the next build would not repeat this one's
        # warnings: make it start afresh instead.
        (doctrees_dir(root, "html", root / SITE) / "environment.pickle").unlink(missing_ok=True)
        print("html: build FAILED; the problems are listed above as file:line.", file=sys.stderr)
        return 1
    _remember(root)
    print(f"html: built in {time.perf_counter() - t0:.1f} s: {out / 'index.html'}")
    print(f"html: the notebooks run in the browser from {out / LITE_OUT}, served over http")
    if not (root / DECKS_OUT).is_dir():
        print("html: the deck links need the decks too: make slides")
    if not (root / NOTEBOOKS_OUT).is_dir():
        print("html: the notebook links need the notebooks too: make notebooks")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.html [--root DIR] [--out _build/html]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--out", default=SITE_OUT, help="where the site goes")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    return build(root, root / args.out, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
