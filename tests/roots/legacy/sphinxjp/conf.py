# A sphinxjp.themes.revealjs course's conf.py: read, never run (sphinxjp is not installed).
import sphinxjp.themes.revealjs

extensions = ['sphinxjp.themecore', 'sphinxjp.themes.revealjs']
html_theme = 'revealjs'
html_use_index = False
html_theme_options = {'theme': 'simple', 'transition': 'fade', 'lang': 'en'}
