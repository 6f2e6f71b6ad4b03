# A sphinx-revealjs 1.x course's conf.py: read, never run.
import sphinx_revealjs

extensions = ['sphinx_revealjs']
revealjs_google_fonts = ["M PLUS 1p"]
revealjs_style_theme = ""
revealjs_script_plugins = [{"name": "RevealNotes", "src": "revealjs4/plugin/notes/notes.js"}]
