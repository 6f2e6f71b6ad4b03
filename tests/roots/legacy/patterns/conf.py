# An old course's conf.py, read and never run: its static folders and excluded drafts count.
import sphinx_rtd_theme
from mycourse import version as _version

extensions = ['sphinx_revealjs']
release = _version.RELEASE
html_theme = 'sphinx_rtd_theme'
html_static_path = ['_static', 'extra']
exclude_patterns = ['_build', 'drafts/*']
