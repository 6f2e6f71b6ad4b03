"""Which well-known Sphinx extension a directive, role or substitution of an old deck comes from.

The one table of third-party names. ``make slides`` turns "Unknown directive type" (and the
role and substitution errors) into a line that names the extension and what to add:

    slides/x.rst:12: error: Unknown directive type "digraph": it comes from
    sphinx.ext.graphviz; add it to extensions in conf.py (and install Graphviz)

A cross-reference into another project's documentation (``:ref:`python:tut-intro```) that
is not found says that sphinx.ext.intersphinx resolves such names, over the network. And
``make port`` uses the same table to say what a course's ``conf.py`` loads that this
project lacks. A course's extensions go in the one marked place of the project's
``conf.py`` (``extensions += [...]`` under "A course's own extensions"); their pip packages go
in ``pyproject.toml``'s ``course`` extra, and ``make lock`` then ``make slides`` install them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Extension:
    """A Sphinx extension: its module, the pip package that has it, what else it needs."""

    module: str
    package: str | None = None  # None: it ships with Sphinx (or with this project)
    needs: str | None = None  # a program to install besides, e.g. "Graphviz"
    directives: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    substitutions: str | None = None  # a pattern of the substitution names it defines
    builtin: bool = False  # this project maps it already (an older slide toolchain)
    not_needed: str | None = None  # why a deck here does without it


_BADGES = tuple(
    f"{kind}-{color}{line}"
    for kind in ("bdg", "btn")
    for color in (
        "primary",
        "secondary",
        "success",
        "info",
        "warning",
        "danger",
        "light",
        "muted",
        "dark",
        "white",
        "black",
    )
    for line in ("", "-line")
)

PRERENDERED = "the decks' math is prerendered with KaTeX here"
EXTENSIONS: list[Extension] = [
    Extension(
        "sphinx.ext.graphviz",
        needs="Graphviz",
        directives=("graphviz", "graph", "digraph"),
    ),
    Extension("sphinx.ext.todo", directives=("todo", "todolist")),
    Extension("sphinx.ext.ifconfig", directives=("ifconfig",)),
    Extension(
        "sphinx.ext.doctest",
        directives=("doctest", "testcode", "testoutput", "testsetup", "testcleanup"),
    ),
    Extension("sphinx.ext.autosummary", directives=("autosummary",)),
    Extension(
        "sphinx.ext.inheritance_diagram", needs="Graphviz", directives=("inheritance-diagram",)
    ),
    Extension("sphinx.ext.mathjax", not_needed=PRERENDERED),
    Extension("sphinx.ext.imgmath", not_needed=PRERENDERED),
    Extension(
        "sphinxcontrib.katex",
        "sphinxcontrib-katex",
        not_needed=PRERENDERED,
    ),
    Extension("sphinx.ext.extlinks"),
    Extension("sphinx.ext.intersphinx"),
    Extension("sphinx.ext.viewcode"),
    Extension("sphinx.ext.githubpages", not_needed="it only marks an HTML build for GitHub Pages"),
    Extension("sphinxcontrib.video", "sphinxcontrib-video", directives=("video",)),
    Extension("sphinxcontrib.youtube", "sphinxcontrib-youtube", directives=("youtube", "vimeo")),
    Extension(
        "sphinx_design",
        "sphinx-design",
        directives=(
            "grid",
            "grid-item",
            "grid-item-card",
            "card",
            "card-carousel",
            "dropdown",
            "tab-set",
            "tab-item",
            "tab-set-code",
            "button-link",
            "button-ref",
            "article-info",
            "div",
        ),
        roles=("octicon", "fab", "fas", "far", "bdg", "bdg-link", "bdg-ref", *_BADGES),
    ),
    Extension(
        "sphinxemoji.sphinxemoji",
        "sphinxemoji",
        substitutions=r":[a-z0-9_+-]+:",
    ),
    Extension(
        "sphinxcontrib.mermaid",
        "sphinxcontrib-mermaid",
        directives=("mermaid", "autoclasstree"),
    ),
    Extension(
        "sphinx_tabs.tabs", "sphinx-tabs", directives=("tabs", "tab", "group-tab", "code-tab")
    ),
    Extension("sphinx_copybutton", "sphinx-copybutton"),
    Extension("sphinx_togglebutton", "sphinx-togglebutton", directives=("toggle",)),
    Extension(
        "sphinx_panels",
        "sphinx-panels",
        directives=("panels", "tabbed", "link-button", "dropdown"),
        roles=("badge", "link-badge", "opticon", "fa"),
    ),
    Extension(
        "sphinxcontrib.bibtex",
        "sphinxcontrib-bibtex",
        directives=("bibliography", "footbibliography"),
        roles=("cite", "cite:p", "cite:t", "footcite"),
    ),
    Extension(
        "sphinxcontrib.plantuml",
        "sphinxcontrib-plantuml",
        needs="PlantUML",
        directives=("uml",),
    ),
    Extension(
        "sphinxcontrib.programoutput",
        "sphinxcontrib-programoutput",
        directives=("program-output", "command-output"),
    ),
    Extension("matplotlib.sphinxext.plot_directive", "matplotlib", directives=("plot",)),
    Extension("IPython.sphinxext.ipython_directive", "ipython", directives=("ipython",)),
    Extension(
        "jupyter_sphinx",
        "jupyter-sphinx",
        directives=("jupyter-execute", "jupyter-kernel", "jupyter-input", "jupyter-output"),
    ),
    Extension(
        "sphinxcontrib.blockdiag",
        "sphinxcontrib-blockdiag",
        directives=("blockdiag",),
    ),
    Extension("sphinxcontrib.seqdiag", "sphinxcontrib-seqdiag", directives=("seqdiag",)),
    Extension("sphinxcontrib.actdiag", "sphinxcontrib-actdiag", directives=("actdiag",)),
    Extension("sphinxcontrib.nwdiag", "sphinxcontrib-nwdiag", directives=("nwdiag", "rackdiag")),
    Extension("sphinx_revealjs.ext.oembed", "oembedpy", directives=("oembed",)),
    Extension("sphinx_revealjs.ext.screenshot", "sphinx-revealjs[screenshot]"),
    Extension("sphinx_revealjs.ext.footnotes", directives=("revealjs-footnotes",)),
    Extension("rst_pypi_ref.sphinx", "rst-pypi-ref", roles=("pypi",)),
    Extension("rst_package_refs.sphinx", "rst-package-refs", roles=("pypi", "npm")),
    Extension(
        "sphinxcontrib.cheeseshop",
        "sphinxcontrib-cheeseshop",
        directives=("pypi-release",),
        roles=("pypi",),
    ),
    Extension("sphinx_nekochan", "sphinx-nekochan", directives=("nekochan",), roles=("nekochan",)),
    Extension("atsphinx.qrcode", "atsphinx-qrcode", directives=("qrcode",)),
    Extension(
        "sphinxcontrib.needs",
        "sphinx-needs",
        directives=(
            "need",
            "needtable",
            "needflow",
            "needlist",
            "needimport",
            "needservice",
            "needextend",
            "req",
            "spec",
            "story",
        ),
        roles=("need", "need_count", "need_outgoing", "need_incoming", "need_part"),
    ),
    Extension("sphinx_needs", "sphinx-needs", directives=("needfilter", "needextract")),
    Extension("nbsphinx", "nbsphinx"),
    Extension("myst_parser", "myst-parser"),
    Extension("sphinx_exercise", "sphinx-exercise", directives=("exercise", "solution")),
    Extension("sphinxcontrib.jquery", "sphinxcontrib-jquery"),
    Extension("sphinx_rtd_theme", "sphinx-rtd-theme"),
    # The older slide toolchains: this project maps their constructs (lecturedeck.sphinxext.legacy).
    Extension(
        "hieroglyph",
        "hieroglyph",
        directives=("slide", "nextslide", "ifslides", "ifnotslides", "notslides", "slideconf"),
        builtin=True,
    ),
    Extension(
        "sphinxjp.themes.revealjs",
        "sphinxjp.themes.revealjs",
        directives=("revealjs", "rv_code", "rv_small", "rv_note"),
        builtin=True,
    ),
    Extension("sphinxjp.themecore", "sphinxjp.themecore", builtin=True),
    Extension(
        "sphinxcontrib.revealjs",
        "sphinxcontrib-revealjs",
        directives=("newslide", "interslide", "incr", "speaker"),
        builtin=True,
    ),
    Extension("sphinx_revealjs", "sphinx-revealjs", builtin=True),
]

BY_MODULE = {ext.module: ext for ext in EXTENSIONS}


def _defining(kind: str, name: str) -> list[Extension]:
    """The extensions of the table that define the directive or role ``name``, in its order."""
    return [ext for ext in EXTENSIONS if name in getattr(ext, kind)]


def advice(ext: Extension) -> str:
    """What to add for ``ext``: the extension, its pip package, and any program it needs."""
    if ext.builtin:
        return f"{ext.module} is an older slide toolchain this project maps; nothing to add"
    text = f"it comes from {ext.module}; add it to extensions in conf.py"
    if ext.package:
        text += f" and {ext.package} to the course extra in pyproject.toml (then make lock)"
    if ext.needs:
        text += f" (and install {ext.needs})"
    return text


def advice_of(found: list[Extension]) -> str:
    """What to add when one of ``found`` defines a name: the one, or which to choose from."""
    if len(found) == 1:
        return advice(found[0])

    def one(ext: Extension) -> str:
        extra = [f"pip {ext.package}"] if ext.package else []
        extra += [f"and {ext.needs}"] if ext.needs else []
        return f"{ext.module} ({', '.join(extra)})" if extra else ext.module

    named = ", ".join(one(ext) for ext in found[:-1]) + f" or {one(found[-1])}"
    return (
        f"it comes from {named}: add the one the course used (its old conf.py's extensions) to "
        "extensions in conf.py and its package to the course extra in pyproject.toml "
        "(then make lock)"
    )


UNKNOWN = re.compile(
    r'^(?P<what>Unknown directive type|Unknown interpreted text role) "(?P<name>[^"]+)"\.?'
)
UNDEFINED_SUBSTITUTION = re.compile(r'^Undefined substitution referenced: "(?P<name>[^"]+)"\.?')
# A cross-reference that is not found, whose target has a prefix: ``python:tut-intro`` is how
# a deck names a page of another project's documentation, through sphinx.ext.intersphinx.
UNRESOLVED = re.compile(
    r"^(?:'[\w:-]+' reference target not found: |undefined label: '|unknown document: ')"
    r"(?P<name>[A-Za-z][\w.-]*):[^'\s]+'?$"
)
INTERSPHINX = (
    "; if {name} is another project's documentation, sphinx.ext.intersphinx resolves it while "
    "the deck builds, from that project's inventory on the network: add it to extensions in "
    "conf.py with intersphinx_mapping = {{'{name}': (its URL, None)}}, or link the page by its URL"
)


def hint(message: str) -> str:
    """``message``, with the extension that defines its unknown name when the table knows it."""
    match = UNKNOWN.match(message)
    if match:
        kind = "directives" if match["what"] == "Unknown directive type" else "roles"
        found = [e for e in _defining(kind, match["name"]) if not e.builtin]
        if found:
            return f'{match["what"]} "{match["name"]}": {advice_of(found)}{message[match.end() :]}'
        return message
    match = UNRESOLVED.match(message)
    if match:
        return message + INTERSPHINX.format(name=match["name"])
    match = UNDEFINED_SUBSTITUTION.match(message)
    if match:
        for ext in EXTENSIONS:
            if ext.substitutions and re.fullmatch(ext.substitutions, match["name"]):
                rest = message[match.end() :]
                return f'Undefined substitution "{match["name"]}": {advice(ext)}{rest}'
    return message
