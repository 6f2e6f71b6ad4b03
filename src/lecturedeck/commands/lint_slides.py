"""``make lint-slides``: find unfinished slides in the RST sources, each as ``file:line: message``.

Flags:

* an empty list item (``*`` with nothing after it);
* a slide with only a title: a section with no body and no subsections. A section whose body
  is only subsections is a section header (the deck's title slide, a part divider), which is
  fine; so is the file's first section (the deck's title slide) when it stands alone. Speaker
  notes, comments and slide settings (``revealjs-section``, ``revealjs-break`` ...) are not
  body; a background image set on the section is;
* placeholder text on a slide: ``TODO``, ``FIXME``, "Show example", and a slide whose whole
  body is the word "Quiz". Text in code, math and raw blocks, and in RST comments, is not
  checked (a ``# TODO`` in code shown to students may be the exercise); speaker notes are.

It warns, without failing, about a decimal number typed in the text or speaker notes of a deck
that uses the lecture code (a ``live-code``, ``quiz``, ``lecture-source``, ``explorable`` or
``claim``, or an ``:eval:``): a number the code computes goes stale when the code changes, so
it should be ``:eval:`` of that code. A number typed on purpose (a version, a room) is marked
``:num:`3.11```, which shows it as written and silences the warning. Numbers in titles ("Module
4.4"), code, math, ``:eval:`` itself, quizzes (their options are checked against the key) and
explorable controls are not looked at.

The sources are parsed with plain docutils, no Sphinx. Directives and roles docutils does not
know (Sphinx's, sphinx-revealjs', ours) get lenient stand-ins: any arguments and options are
accepted, and the content is parsed as RST, except for code-like directives, whose content is
kept as a literal block. docutils' own messages are not printed: ``make slides`` reports those.

    python -m lecturedeck.commands.lint_slides slides [more files or folders ...]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

# Placeholder text: (pattern, how the message names it).
PLACEHOLDERS = [
    (re.compile(r"\bTODO\b"), "TODO"),
    (re.compile(r"\bFIXME\b"), "FIXME"),
    (re.compile(r"\bshow\s+example\b", re.IGNORECASE), '"Show example"'),
]
# A slide whose only body is this word is a placeholder for a quiz not yet written.
QUIZ_ONLY = re.compile(r"^\s*quiz\s*[.:!?]?\s*$", re.IGNORECASE)
# Directives whose content is code or markup, not RST: kept verbatim, never checked.
LITERAL_DIRECTIVES = {
    "code-block",
    "sourcecode",
    "literalinclude",
    "live-code",
    "lecture-source",
    "revealjs-code-block",
    "revealjs_code_block",
    "toctree",
    "testcode",
    "testoutput",
    "doctest",
    "graphviz",
}
# Directives that hold what the audience never sees: checked for placeholders, but not body.
NOTES_DIRECTIVES = {"revealjs-notes", "revealjs_notes"}
# Directives that configure a slide rather than fill it.
SETTING_DIRECTIVES = {
    "revealjs-section",
    "revealjs_section",
    "revealjs-slide",
    "revealjs_slide",
    "revealjs-break",
    "revealjs_break",
    "revealjs-vertical",
    "revealjs_vertical",
    "highlight",
    "default-role",
    "role",
    "meta",
    "title",
}
# Options of the setting directives that put something on screen after all.
VISIBLE_SETTINGS = re.compile(r"^data-background-(image|video|iframe)$")
# A deck that uses any of these runs the lecture code: its numbers should come from it.
CODE_DIRECTIVES = {"live-code", "quiz", "lecture-source", "explorable", "claim"}
CODE_ROLES = {"eval"}
# Where a typed number is fine: checked by the build, or not prose.
NUMBER_EXEMPT_DIRECTIVES = {"quiz", "explorable"}
NUMBER_EXEMPT_ROLES = {"eval", "num"}
# A decimal number: 0.62, 12.5 (not 3.2.1, a version, nor part of a word such as B2.17).
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?:[eE][-+]?\d+)?(?![\w]|\.\d)")
# Nodes whose text is not prose on a slide.
NOT_PROSE = (
    nodes.literal_block,
    nodes.doctest_block,
    nodes.math_block,
    nodes.raw,
    nodes.comment,
    nodes.system_message,
    nodes.literal,
    nodes.math,
)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one line of one source file; a warning does not fail the check."""

    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


class _AnyOptions(dict):
    """An option spec that accepts every option and keeps its value as written."""

    def __bool__(self) -> bool:  # docutils skips option parsing for an empty (falsy) spec
        return True

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str):
        return directives.unchanged


class _StandIn(Directive):
    """Any directive docutils does not know: arguments and options accepted, content parsed."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = _AnyOptions()

    def run(self) -> list[nodes.Node]:
        name = self.name.lower()
        node = nodes.container(classes=[f"lint-{name}"])
        node.source, node.line = self.state_machine.get_source_and_line(self.lineno)
        if name in NOTES_DIRECTIVES:
            node["lint_role"] = "notes"
        elif name in SETTING_DIRECTIVES and not any(map(VISIBLE_SETTINGS.match, self.options)):
            node["lint_role"] = "setting"
        else:
            node["lint_role"] = "content"
        if name in LITERAL_DIRECTIVES:
            node += nodes.literal_block(text="\n".join(self.content))
        elif self.content:
            self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def _standin_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.inline(rawtext, text, classes=[f"lint-role-{name.lower()}"])], []


@contextmanager
def _lenient() -> Iterator[None]:
    """Let docutils parse directives and roles it does not know, for the ``with`` block."""
    find_directive, find_role = directives.directive, roles.role

    def directive(name, language, document):
        found, messages = find_directive(name, language, document)
        return (found, messages) if found is not None else (_StandIn, [])

    def role(name, language, lineno, reporter):
        found, messages = find_role(name, language, lineno, reporter)
        return (found, messages) if found is not None else (_standin_role, [])

    directives.directive, roles.role = directive, role
    try:
        yield
    finally:
        directives.directive, roles.role = find_directive, find_role


SETTINGS = {
    "report_level": 5,  # print nothing: the build reports docutils' own problems
    "halt_level": 5,
    "warning_stream": io.StringIO(),
    "doctitle_xform": False,  # keep the deck title a section, as sphinx-revealjs sees it
    "sectsubtitle_xform": False,
    "docinfo_xform": False,
    "file_insertion_enabled": False,
    "syntax_highlight": "none",
    "smart_quotes": False,
}


def parse(path: Path) -> nodes.document:
    """The docutils tree of one RST file."""
    with _lenient():
        return publish_doctree(
            path.read_text(encoding="utf-8"),
            source_path=str(path),
            settings_overrides={**SETTINGS, "warning_stream": io.StringIO()},
        )


def _line(node: nodes.Node) -> int:
    while node is not None:
        if getattr(node, "line", None):
            return node.line
        node = node.parent
    return 1


def _is_body(node: nodes.Node) -> bool:
    """Whether this child of a section puts something on the slide."""
    if isinstance(node, nodes.title | nodes.subtitle | nodes.section | nodes.Invisible):
        return False
    if isinstance(node, nodes.system_message):
        return False
    return node.get("lint_role", "content") == "content"


def _prose(node: nodes.Node, skip_roles: frozenset[str] = frozenset()) -> str:
    """The text of a paragraph-like node, with code, math and the ``skip_roles`` left out.

    What is left out is replaced by spaces, so that the text keeps its line breaks, and
    nothing left out joins what surrounds it into one word.
    """
    parts = []
    for child in node.children:
        if isinstance(child, nodes.Text):
            parts.append(child.astext())
        elif isinstance(child, NOT_PROSE) or _role(child) in skip_roles:
            parts.append(re.sub(r"[^\n]", " ", child.astext()) or " ")
        else:
            parts.append(_prose(child, skip_roles))
    return "".join(parts)


def _role(node: nodes.Node) -> str | None:
    """The role a stand-in inline node was written with (``eval`` for ``:eval:``)."""
    for name in node.get("classes", []) if isinstance(node, nodes.Element) else []:
        if name.startswith("lint-role-"):
            return name.removeprefix("lint-role-")
    return None


def _directive(node: nodes.Node) -> str | None:
    """The directive a stand-in container was written with."""
    for name in node.get("classes", []) if isinstance(node, nodes.Element) else []:
        if name.startswith("lint-"):
            return name.removeprefix("lint-")
    return None


def uses_lecture_code(tree: nodes.document) -> bool:
    """Whether a deck runs the lecture code (a cell, a quiz, a claim, an ``:eval:`` ...)."""
    return any(
        _directive(n) in CODE_DIRECTIVES or _role(n) in CODE_ROLES
        for n in tree.findall(nodes.Element)
    )


def _number_exempt(node: nodes.Node) -> bool:
    """Whether numbers in ``node`` are fine as typed: a title, a quiz, controls, code."""
    while node is not None:
        if isinstance(node, (nodes.title, nodes.subtitle, *NOT_PROSE)):
            return True
        if _directive(node) in NUMBER_EXEMPT_DIRECTIVES:
            return True
        node = node.parent
    return False


def typed_numbers(tree: nodes.document, label: str) -> list[Finding]:
    """A warning for each decimal number typed in the prose or notes of a deck using code."""
    if not uses_lecture_code(tree):
        return []
    found = []
    for element in tree.findall(nodes.TextElement):
        if isinstance(element, nodes.Inline) or _number_exempt(element):
            continue
        text = _prose(element, frozenset(NUMBER_EXEMPT_ROLES))
        for match in DECIMAL.finditer(text):
            line = _line(element) + text.count("\n", 0, match.start())
            number = match.group()
            message = (
                f"{number} is typed by hand in a deck that runs the lecture code: compute it "
                f"with :eval:`...`, or mark it :num:`{number}` if no code computes it"
            )
            found.append(Finding(label, line, message, warning=True))
    return found


def _in_code(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, NOT_PROSE):
            return True
        node = node.parent
    return False


def check_tree(tree: nodes.document, label: str) -> list[Finding]:
    """Findings in one parsed file; ``label`` is the path shown in messages."""
    found: list[Finding] = []
    for item in tree.findall(nodes.list_item):
        if not item.astext().strip():
            found.append(Finding(label, _line(item), "empty list item"))
    first = next(tree.findall(nodes.section), None)
    for section in tree.findall(nodes.section):
        title = section[0].astext() if section.children else ""
        line = _line(section[0] if section.children else section)
        body = [c for c in section.children if _is_body(c)]
        has_slides = any(isinstance(c, nodes.section) for c in section.children)
        if not body and not has_slides and section is not first:
            found.append(Finding(label, line, f'slide "{title}" has only a title'))
        elif len(body) == 1 and isinstance(body[0], nodes.paragraph):
            if QUIZ_ONLY.match(body[0].astext()):
                message = f'placeholder: slide "{title}" says only "{body[0].astext().strip()}"'
                found.append(Finding(label, _line(body[0]), message))
    for element in tree.findall(nodes.TextElement):
        if isinstance(element, nodes.Inline) or _in_code(element):
            continue
        text = _prose(element)
        for pattern, name in PLACEHOLDERS:
            for match in pattern.finditer(text):
                line = _line(element) + text.count("\n", 0, match.start())
                found.append(Finding(label, line, f"placeholder text {name}"))
    found += typed_numbers(tree, label)
    return sorted(set(found))


def lint_file(path: Path, label: str | None = None) -> list[Finding]:
    """Findings in one RST file."""
    return check_tree(parse(path), label or str(path))


def sources(targets: list[Path]) -> list[Path]:
    """The ``.rst`` files named by ``targets`` (files, or folders searched recursively)."""
    files: list[Path] = []
    for target in targets:
        if target.is_dir():
            files += sorted(
                p
                for p in target.rglob("*.rst")
                if not any(part.startswith(("_", ".")) for part in p.parts[len(target.parts) :])
            )
        elif target.is_file():
            files.append(target)
        else:
            raise FileNotFoundError(f"no such file or folder: {target}")
    return files


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", type=Path, default=[Path("slides")])
    args = parser.parse_args(argv)
    try:
        files = sources(args.targets)
    except FileNotFoundError as exc:
        print(f"lint-slides: {exc}", file=sys.stderr)
        return 2
    findings = [f for path in files for f in lint_file(path)]
    for finding in findings:
        print(finding)
    warnings = sum(f.warning for f in findings)
    errors = len(findings) - warnings
    also = f", {warnings} warning(s)" if warnings else ""
    if errors:
        print(f"lint-slides: {errors} finding(s) in {len(files)} file(s){also}", file=sys.stderr)
        return 1
    print(f"lint-slides: {len(files)} file(s), no findings{also}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
