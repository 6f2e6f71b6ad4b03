"""``make preview``: rebuild on save and reload the open browser (sphinx-autobuild).

Watches ``slides/``, ``scripts/``, ``src/lecture_code/`` and ``conf.py``. Before
each build the figure runner reruns the stale figure scripts; Sphinx then
re-reads only the decks whose sources, figures or imported lecture modules
changed. The preview is served from ``_build/preview`` on 127.0.0.1 only, so a
broken edit never touches the presentable decks in ``_build/slides``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from lecturedeck.project import BUILD, SLIDES, sphinx_args

WATCH = ["scripts", "src/lecture_code", "images", "conf.py"]


def autobuild_args(root: Path, port: int) -> list[str]:
    """The sphinx-autobuild command line for the project at ``root``."""
    figures = shlex.join([sys.executable, "-m", "lecturedeck.commands.figs", "--root", str(root)])
    doctrees = root / BUILD / ".doctrees" / "preview"  # apart from make slides' environment
    args = sphinx_args(root, root / SLIDES, root / BUILD / "preview", "revealjs", doctrees=doctrees)
    args += [
        "--host", "127.0.0.1", "--port", str(port),
        "--pre-build", figures,
        "--re-ignore", r"__pycache__",  # importing lecture_code writes these
    ]  # fmt: skip
    for rel in WATCH:
        if (root / rel).exists():
            args += ["--watch", str(root / rel)]
    return args


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.preview [--port 8000] [--root DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    from sphinx_autobuild.__main__ import main as autobuild

    print(f"preview: http://127.0.0.1:{args.port}/  (rebuilds on save; Ctrl+C to stop)")
    autobuild(autobuild_args(args.root.resolve(), args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
