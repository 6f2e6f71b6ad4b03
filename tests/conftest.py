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
