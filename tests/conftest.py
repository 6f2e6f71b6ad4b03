import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

from deckfixtures import (  # noqa: E402, F401 - fixtures shared by build and browser tests
    built_decks,
    chromium,
    deck_page,
    deck_server,
    figs_ready,
    project,
)


def pytest_collection_modifyitems(items):
    """Mark tests by what they use, so `-m build` and `-m browser` select them reliably."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & {"project", "built_decks", "two_decks"}:
            item.add_marker("build")
        if used & {"chromium", "deck_page", "deck_server"}:
            item.add_marker("browser")
