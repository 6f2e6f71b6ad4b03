"""Everything Sphinx loads: the deck extension and the companion site's directives.

Nothing here imports :mod:`lecturedeck.commands` (checked by ``make lint``). This
module stays light: the worker processes of live cells import it on start-up.
"""


def setup(app):  # noqa: ANN001, ANN201 - Sphinx's entry point
    """Register the extension with Sphinx (``extensions = ["lecturedeck.sphinxext"]``)."""
    from lecturedeck.sphinxext.extension import setup as _setup

    return _setup(app)
