"""The user's verbs, one module per ``make`` target (``python -m lecturedeck.commands.<verb>``).

Commands may import the extension (:mod:`lecturedeck.sphinxext`) and the shared helpers
(:mod:`lecturedeck.project`, :mod:`lecturedeck.deps`); nothing Sphinx loads imports them.
This module stays empty: the figure runner's fork server imports it on start-up.
"""
