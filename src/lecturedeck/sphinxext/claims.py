r"""The ``claim`` directive: a statement on a slide, checked by the lecture code at build time.

.. code-block:: rst

   .. claim:: Step is the derivative of ReLU.
      :check: all(step(x) == relu_back(x, 1.0) for x in (-2.0, -0.5, 0.5, 3.0))

``:check:`` is a Python expression that must be ``True``. It is evaluated at build time in
the deck's worker process, as a quiz's ``:answer:`` is: ``math`` and the lecture package's
public names in scope, the cells' time limit. The slide shows the sentence (inline markup,
``:math:`` and ``:eval:`` work in it) with a small green check mark, whose text
alternative is "checked at build time: CHECK"; the check itself goes to the slide's
speaker notes.

A check that is false, raises, times out or gives anything but a bool fails the build at the
claim's line. A false one says why: for a comparison the value of each side, for a call its
arguments, for ``all(... for x in ...)`` the first ``x`` that fails and the values of its
comparison, for ``and`` the first false part::

    slides/x.rst:40: error: claim "Step is the derivative of ReLU." is false: step(x) ==
    relu_back(x, 1.0) is False for x = 0.0: step(x) = 1.0, relu_back(x, 1.0) = 0.0

In the notebook (``make notebooks``) a claim is its sentence and a code cell that asserts
its check.
"""

from __future__ import annotations

import ast
import html

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx_revealjs._ext.notes import revealjs_notes

from lecturedeck.sphinxext.cells import evaluate, failure, public_names

MARK = "\N{CHECK MARK}"
SHOWN = 80  # characters of a value or sentence an error message shows


class claim(nodes.General, nodes.TextElement):
    """A checked sentence: its inline text, its ``check`` and the imports the check needs."""


def mark_label(check: str) -> str:
    """The check mark's text alternative."""
    return f"checked at build time: {check}"


def visit_claim(self, node: claim) -> None:  # noqa: D103
    self.body.append(self.starttag(node, "p", "", CLASS="claim"))


def depart_claim(self, node: claim) -> None:  # noqa: D103
    label = html.escape(mark_label(node["check"]))
    self.body.append(
        f' <span class="claim-mark" role="img" aria-label="{label}" title="{label}">'
        f"{MARK}</span></p>\n"
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


class _Explainer:
    """Why a check is false, in its own terms: the values of its parts, computed in the worker."""

    def __init__(self, source: str, run) -> None:  # noqa: ANN001 - run(expression) -> value
        self.source, self.run = source, run

    def text(self, node: ast.expr) -> str:
        return " ".join((ast.get_source_segment(self.source, node) or ast.unparse(node)).split())

    def parts(self, node: ast.expr) -> list[ast.expr]:
        """The sub-expressions whose values say why ``node`` is false."""
        if isinstance(node, ast.Compare):
            found = [node.left, *node.comparators]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found = [node.operand]
        elif isinstance(node, ast.Call) and not self.over_elements(node):
            found = [*node.args, *(k.value for k in node.keywords)]
        else:
            found = []
        return [p for p in found if not isinstance(p, ast.Constant)]

    @staticmethod
    def over_elements(node: ast.expr) -> ast.GeneratorExp | ast.ListComp | None:
        """The comprehension of ``all(... for ...)``, if ``node`` is one."""
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "all"
            and len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], ast.GeneratorExp | ast.ListComp | ast.SetComp)
        ):
            return node.args[0]
        return None

    @staticmethod
    def values(parts: list[ast.expr | str]) -> str:
        """An expression for the reprs of ``parts``, each cut to what a message can show."""
        texts = [p if isinstance(p, str) else ast.unparse(p) for p in parts]
        return "(" + "".join(f"repr({t})[:{SHOWN + 1}], " for t in texts) + ")"

    def shown(self, parts: list[ast.expr], reprs: tuple) -> str:
        return ", ".join(f"{self.text(p)} = {_short(v)}" for p, v in zip(parts, reprs, strict=True))

    def explain(self, node: ast.expr) -> str:
        """Why ``node`` (false) is false."""
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            thunks = ", ".join(f"lambda: ({ast.unparse(v)})" for v in node.values)
            index = self.run(f"next((i for i, f in enumerate(({thunks},)) if not f()), None)")
            if isinstance(index, int) and 0 <= index < len(node.values):
                return self.explain(node.values[index])
        comprehension = self.over_elements(node)
        if comprehension is not None:
            return self.counterexample(comprehension) or f"{self.text(node)} is False"
        parts = self.parts(node)
        reprs = self.run(self.values(parts)) if parts else None
        if isinstance(reprs, tuple) and len(reprs) == len(parts):
            return f"{self.text(node)} is False: {self.shown(parts, reprs)}"
        return f"{self.text(node)} is False"

    def counterexample(self, comprehension: ast.GeneratorExp | ast.ListComp) -> str | None:
        """The first element where ``all``'s condition fails: its variables, its parts."""
        names = list(
            dict.fromkeys(
                n.id
                for generator in comprehension.generators
                for n in ast.walk(generator.target)
                if isinstance(n, ast.Name)
            )
        )
        element = comprehension.elt
        parts = self.parts(element)
        loops = " ".join(ast.unparse(g) for g in comprehension.generators)
        failing = f"({self.values(names)}, {self.values(parts)}) {loops}"
        failing += f" if not ({ast.unparse(element)})"
        probe = f"next(({failing}), None)"
        found = self.run(probe)
        if not (isinstance(found, tuple) and len(found) == 2):
            return None
        at = ", ".join(f"{n} = {_short(v)}" for n, v in zip(names, found[0], strict=True))
        why = f"{self.text(element)} is False for {at}"
        return f"{why}: {self.shown(parts, found[1])}" if parts else why


class Claim(SphinxDirective):
    """A sentence shown as checked, whose ``:check:`` must be True when the deck is built."""

    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"check": directives.unchanged_required}

    def _where(self) -> str:
        return "{}:{}".format(*self.get_source_info())

    def _value(self, expression: str) -> object:
        outcome = evaluate(self.env, expression, "claim", self._where)
        return outcome.value if outcome.ok else None

    def run(self) -> list[nodes.Node]:  # noqa: D102
        sentence = self.arguments[0]
        check = self.options.get("check", "").strip()
        said = f'claim "{_short(sentence)}"'
        if not check:
            raise self.error(
                f"{said}: give the check as a Python expression that must be True, e.g. "
                ":check: sigmoid(0.0) == 0.5"
            )
        outcome = evaluate(self.env, check, "claim", self._where)
        shown = " ".join(check.split())
        if not outcome.ok:
            raise self.error(f"{said}: its check {shown} {failure(outcome.error)}")
        if outcome.value is not True:
            if outcome.value is not False:
                raise self.error(
                    f"{said}: its check must be True or False, but {shown} is "
                    f"{_short(repr(outcome.value))}"
                )
            tree = ast.parse(check, mode="eval")
            why = _Explainer(check, self._value).explain(tree.body)
            raise self.error(f"{said} is false: {why}")

        package = self.config.lecturedeck_package
        tree = ast.parse(check, mode="eval")
        named = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        used = sorted(named & public_names(package))
        imports = ["import math"] if "math" in named else []
        imports += [f"from {package} import {', '.join(used)}"] if used else []
        text, messages = self.state.inline_text(sentence, self.lineno)
        node = claim(sentence, "", *text, check=shown, source_code=check, imports=imports)
        self.set_source_info(node)
        return [node, *messages]


def note_checks(app: Sphinx, doctree: nodes.document) -> None:
    """Put each claim's check in its slide's speaker notes (made if the slide has none)."""
    for node in list(doctree.findall(claim)):
        section = node.parent
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        if section is None:
            continue
        notes = next((c for c in section.children if isinstance(c, revealjs_notes)), None)
        if notes is None:
            notes = revealjs_notes()
            slides = [i for i, c in enumerate(section.children) if isinstance(c, nodes.section)]
            section.insert(slides[0] if slides else len(section), notes)
        notes += nodes.paragraph("", f"Checked at build time: {node['check']}")


def setup(app: Sphinx) -> None:
    """Register the directive, its node and the notes it adds."""
    visit = (visit_claim, depart_claim)
    app.add_node(claim, html=visit, revealjs=visit, dirrevealjs=visit)
    app.add_directive("claim", Claim)
    app.connect("doctree-read", note_checks)
