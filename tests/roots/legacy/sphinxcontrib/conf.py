# A sphinxcontrib-revealjs course's conf.py: read, never run.
import sphinxcontrib.revealjs

extensions = ['sphinxcontrib.revealjs']
html_use_index = False
revealjs_theme_options = {"revealjs_theme": "solarized.css"}
source_suffix = ['.rst', '.txt']
