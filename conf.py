# Sphinx configuration for the lecture decks (reveal.js) and the companion site (HTML).
#
# Decks:     sphinx-build -b revealjs -c . slides _build/slides   (make slides)
# Companion: sphinx-build -b html     -c . site   _build/html     (make html)

# -- Project -------------------------------------------------------------------------------------
project = "Lecture decks"
author = "Course staff"
copyright = "2026, Course staff"

# -- Extensions ----------------------------------------------------------------------------------
import sys as _sys  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

_root = _Path(__file__).resolve().parent
_sys.path.insert(0, str(_root / "src"))  # autodoc and the gallery import this lecture_code

from lecturedeck.project import DECK_HEIGHT as _DECK_HEIGHT  # noqa: E402
from lecturedeck.project import DECK_WIDTH as _DECK_WIDTH  # noqa: E402

extensions = [
    "sphinx_revealjs",
    "sphinx.ext.autodoc",  # `.. autofunction:: lecture_code.softmax` on a slide, as on the site
    "sphinx.ext.napoleon",
    "lecturedeck.sphinxext",
]
# A course's own extensions: the one place for the Sphinx extensions a ported course uses
# (`make port` lists what to add). Put their pip packages in pyproject.toml's "course" extra;
# `make lock` pins them and `make slides` installs them. For example:
#   extensions += ["sphinx.ext.graphviz", "sphinx_design"]
extensions += []

# A deck shows a function where it teaches it: two decks may show the same one, so decks do
# not index what they show (the companion site does).
autodoc_default_options = {"member-order": "bysource", "no-index": True}
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# -- Sources -------------------------------------------------------------------------------------
# Files and folders whose names start with "_" are include-only partials, never decks.
exclude_patterns = ["_*", "**/_*"]
html_math_renderer = "lecturedeck"  # KaTeX, prerendered at build time; no math script loads

# -- Decks (reveal.js) ---------------------------------------------------------------------------
revealjs_style_theme = "white"
pygments_style = "default"  # light, to suit the white theme; code is highlighted at build time
html_scaled_image_link = False  # a figure on a slide is not a link to its PNG
revealjs_static_path: list[str] = []
revealjs_css_files: list[str] = []
revealjs_script_conf = {
    "width": _DECK_WIDTH,  # 1280 x 720, the size every browser tool views a slide at
    "height": _DECK_HEIGHT,
    "margin": 0.04,
    "hash": True,
    "slideNumber": "c/t",
    "navigationMode": "linear",  # arrow keys and space walk every slide in order
    "transition": "none",
}
revealjs_script_plugins = [
    {"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"},
    {"name": "RevealZoom", "src": "revealjs/plugin/zoom/zoom.js"},
]

# -- Companion site (make html) ------------------------------------------------------------------
# Only with `sphinx-build -t site` (python -m lecturedeck.commands.html). sphinx-gallery runs
# its examples whenever any builder starts, so it must never be loaded for the deck build
# (make slides).
if tags.has("site"):  # noqa: F821 - `tags` is provided by Sphinx
    import atexit as _atexit
    import os as _os
    import shutil as _shutil
    import tempfile as _tempfile

    extensions += [  # noqa: F821 - defined above
        "sphinx_gallery.gen_gallery",
        "lecturedeck.sphinxext.site",
        "myst_nb",  # the decks' notebooks (site/notebook_pages, copied by make html)
        "jupyterlite_sphinx",  # ... and run in the browser: _build/html/lite
    ]
    # JupyterLite with the Pyodide kernel, built after the pages from the folder make html
    # prepares (_build/.lite: Pyodide from node_modules, the kernel's wheels; all local). Its
    # files are the decks' notebooks, as in _build/notebooks (the site extension copies them
    # into the content folder). The site's own .ipynb pages stay myst-nb's.
    from lecturedeck.project import LITE_SRC as _LITE_SRC  # noqa: E402

    jupyterlite_dir = str(_root / _LITE_SRC)
    jupyterlite_content_dir = str(_root / _LITE_SRC / "contents")  # not in site/
    jupyterlite_bind_ipynb_suffix = False
    nb_execution_mode = "off"  # shown as make notebooks wrote them, with the build's outputs
    myst_enable_extensions = ["dollarmath"]  # $...$ and $$...$$, rendered like the decks' math
    myst_all_links_external = True  # a notebook's links are the deck's, as written
    # sphinx-gallery's downloadable notebooks are files to download, not pages.
    exclude_patterns = [*exclude_patterns, "auto_examples/**.ipynb"]  # noqa: F821
    # The gallery runs the figure scripts; their own figstyle.save() writes go to a scratch
    # folder, never into figs/ (the gallery shows the figures it captures itself).
    _gallery_out = _tempfile.mkdtemp(prefix="lecturedeck-gallery-")
    _atexit.register(_shutil.rmtree, _gallery_out, ignore_errors=True)
    _os.environ["LECTUREDECK_FIG_OUT"] = _gallery_out
    sphinx_gallery_conf = {
        "examples_dirs": "../scripts",  # relative to the source folder, site/
        "gallery_dirs": "auto_examples",  # the decks link to ../html/auto_examples/index.html
        "filename_pattern": r"plot_",  # run every plot_*.py
        "ignore_pattern": r"(__init__|figstyle)\.py",  # the shared style is not an example
        "download_all_examples": True,  # .py and .ipynb of every example, zipped
        "reset_modules": ("matplotlib",),  # a fresh matplotlib state for every example,
        "reset_modules_order": "both",  # before and after it runs
        "write_computation_times": False,  # no timings: pages change only when figures do
        "min_reported_time": 3600,
        "show_signature": False,
        "within_subsection_order": "FileNameSortKey",
        # No "try it in the browser" on the gallery: its scripts need numpy and matplotlib,
        # which the site's Pyodide does not hold (it serves the kernel's wheels alone).
        "jupyterlite": None,
        "remove_config_comments": True,
        "first_notebook_cell": (
            "# Run this notebook in the project's scripts/ folder, with the project installed\n"
            "# (pip install -e .), so that figstyle and lecture_code can be imported."
        ),
    }
    autodoc_default_options = {"member-order": "bysource"}
    html_title = "Lecture decks: companion site"
    html_css_files = ["katex/katex.min.css"]  # copied into _static by the lecturedeck extension
    html_show_sourcelink = False
    # The theme of sphinx-gallery's own docs, in the project's palette (the site extension adds
    # it, and the decks' favicon as logo). It ships its scripts, styles and icon fonts; nothing
    # here loads from another site: no icon links, analytics, version switcher or ads.
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "logo": {"text": "Lecture decks"},
        "navbar_end": ["theme-switcher"],
        "secondary_sidebar_items": ["page-toc"],
        "primary_sidebar_end": [],
        "footer_start": ["copyright"],
        "footer_end": [],
        "show_prev_next": False,
    }
    html_context = {"default_mode": "auto"}  # light or dark as the reader's system is
    # The section navigation only where there are sections to navigate: the gallery.
    html_sidebars = {"index": [], "notebooks": [], "api": []}
