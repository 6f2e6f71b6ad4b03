# A hieroglyph course's conf.py: read for its settings, never run (these imports fail here).
import sphinx_bootstrap_theme
import hieroglyph

extensions = ['hieroglyph']
html_theme = 'bootstrap'
html_theme_path = sphinx_bootstrap_theme.get_html_theme_path()
slide_theme = 'single-level'
slide_levels = 3
slide_numbers = True
slide_theme_options = {'custom_css': 'custom.css'}
html_static_path = ['_static']
