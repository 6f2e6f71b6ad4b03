# Sphinx configuration for the lecture decks (reveal.js) and the companion site (HTML).
#
# Decks:     sphinx-build -b revealjs -c . slides _build/slides   (make slides)
# Companion: sphinx-build -b html     -c . site   _build/html     (make html)

# -- Project -------------------------------------------------------------------------------------
project = "Lecture decks"
author = "Course staff"
copyright = "2026, Course staff"

# -- Extensions ----------------------------------------------------------------------------------
extensions = [
    "sphinx_revealjs",
    "lecturedeck",
]
html_math_renderer = "lecturedeck"  # KaTeX, prerendered at build time; no math script loads
exclude_patterns = ["_build", ".venv", "node_modules"]

# -- Decks (reveal.js) ---------------------------------------------------------------------------
revealjs_style_theme = "white"
revealjs_static_path: list[str] = []
revealjs_css_files: list[str] = []
revealjs_script_conf = {
    "width": 1280,
    "height": 720,
    "margin": 0.04,
    "hash": True,
    "slideNumber": "c/t",
    "navigationMode": "linear",  # arrow keys and space walk every slide in order
    "transition": "none",
}
revealjs_script_plugins = [
    {"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"},
    {"name": "RevealHighlight", "src": "revealjs/plugin/highlight/highlight.js"},
    {"name": "RevealZoom", "src": "revealjs/plugin/zoom/zoom.js"},
]
