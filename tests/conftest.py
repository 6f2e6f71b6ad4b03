import os
import sys

from hypothesis import settings

# Tests write only into temporary folders: not even __pycache__ beside the project's sources,
# in this process or in the builds and scripts it starts.
sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

import pytest  # noqa: E402

from lecturedeck.project import without_iri_grammar  # noqa: E402

without_iri_grammar()  # the test modules that read notebooks import nbformat as they load

pytest_plugins = ["sphinx.testing.fixtures"]


# Caches of the tools themselves, and what set-up installs.
NOT_OURS = {".git", ".venv", "node_modules", ".pytest_cache", ".hypothesis", ".ruff_cache"}


def _checkout_files() -> dict[str, tuple[int, int]]:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if rel.parts[0] in NOT_OURS or "__pycache__" in rel.parts or not path.is_file():
            continue
        stat = path.stat()
        found[rel.as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched():
    """Tests write only into temporary folders: the checkout is the same after the run."""
    before = _checkout_files()
    yield
    after = _checkout_files()
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert not changed, f"tests wrote into the checkout: {changed[:10]}"


@pytest.fixture(scope="session")
def rootdir():
    """Where sphinx.testing finds its roots: tests/roots/test-<name>."""
    from pathlib import Path

    return Path(__file__).parent / "roots"


from deckfixtures import (  # noqa: E402, F401 - fixtures shared by build and browser tests
    built_decks,
    chromium,
    course,
    deck_page,
    deck_server,
    fault_decks,
    figs_ready,
    project,
)


@pytest.hookimpl(tryfirst=True)  # before xdist's loadgroup reads the groups
def pytest_collection_modifyitems(items):
    """Mark tests by what they use, so `-m build` and `-m browser` select them reliably.

    Under `make test` (xdist, ``--dist loadgroup``) a test goes to whichever worker is free,
    except that the tests of one ``xdist_group`` all run, one after another, on one worker. A
    test that uses a module-scoped fixture is put in its module's group, so the fixture is made
    once, not once per worker. Session fixtures are shared by the workers (``deckfixtures.shared``).
    """
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & {"project", "built_decks", "two_decks"}:
            item.add_marker("build")
        if used & {"chromium", "deck_page", "deck_server"}:
            item.add_marker("browser")
        if item.get_closest_marker("xdist_group") is None and _uses_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def pytest_collection_finish(session):
    """Fail at once when a group did not reach xdist (pytest 9.2 with xdist 3.8 did that)."""
    config, items = session.config, session.items
    if not (os.environ.get("PYTEST_XDIST_WORKER") and config.getvalue("loadgroup")):
        return
    lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if lost:
        raise pytest.UsageError(
            f"--dist loadgroup: pytest-xdist did not apply the groups ({lost[0]} has none); "
            "the installed pytest and pytest-xdist do not work together (see pyproject.toml)"
        )


def _uses_module_fixture(item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        fixturedef.scope in ("module", "class", "package")
        for fixturedefs in info.name2fixturedefs.values()
        for fixturedef in fixturedefs
    )
