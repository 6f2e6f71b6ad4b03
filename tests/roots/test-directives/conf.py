"""A small Sphinx root for directive-level tests (sphinx.testing, as sphinx-revealjs tests)."""

from pathlib import Path

import lecturedeck

extensions = ["sphinx_revealjs", "lecturedeck.sphinxext"]
# The root is copied to a temporary folder; the browser assets stay in the checkout.
lecturedeck_node_modules = str(Path(lecturedeck.__file__).parents[2] / "node_modules")
