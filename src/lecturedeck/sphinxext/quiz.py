r"""The ``quiz`` directive: multiple choice, with the answer key computed from the lecture code.

.. code-block:: rst

   .. quiz:: What is :math:`\text{softmax}([0, \ln 3])`?
      :answer: softmax([0, math.log(3)])

      * [0.5, 0.5]
      * [0.25, 0.75]
      * [0.75, 0.25]

``:answer:`` is a Python expression, evaluated at build time with ``math`` and
every public name of the lecture package in scope. Exactly one option must
match its value, or the build fails at the quiz's file:line. An option matches
when the value, rounded to the decimals the option is written with, equals it
(``0.73`` matches 0.7311; an option written as an integer, such as ``1``, must
be exact; ``[0.25, 0.75]`` matches element by element); text options match the
value's ``str``.

In the deck, clicking an option says right or wrong; presenting, the next
fragment reveals the answer.
"""

from __future__ import annotations

import ast
import math
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from lecturedeck.sphinxext.cells import evaluate

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _flatten(value: object) -> list[object]:
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flatten(item)]
    return [value]


def option_matches(text: str, value: object) -> bool:
    """Whether an option written as ``text`` matches the computed ``value``."""
    try:
        written = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.strip() == str(value)
    wanted, got = _flatten(written), _flatten(value)
    tokens = _NUMBER.findall(text)
    if len(wanted) != len(got) or len(tokens) != len(wanted):
        return written == value
    for token, w, g in zip(tokens, wanted, got, strict=True):
        if isinstance(w, bool) or not isinstance(w, (int, float)):
            if w != g:
                return False
            continue
        if isinstance(g, bool) or not isinstance(g, (int, float)):
            return False
        if "e" in token.lower():
            if not math.isclose(w, g, rel_tol=1e-3):
                return False
        else:
            decimals = len(token.split(".")[1]) if "." in token else 0
            tolerance = 0.5 * 10**-decimals if decimals else 1e-9  # "0.73" rounds; "1" is exact
            if abs(g - w) > tolerance + 1e-12:
                return False
    return True


class QuizKeyError(Exception):
    """The answer key failed; the message says how (``ValueError: ...``, ``timed out ...``)."""


class quiz_option(nodes.Inline, nodes.TextElement):
    """One clickable option; ``correct`` says whether it is the answer."""


def visit_quiz_option(self, node: quiz_option) -> None:  # noqa: D103
    correct = "1" if node["correct"] else "0"
    self.body.append(f'<button type="button" class="quiz-option" data-correct="{correct}">')


def depart_quiz_option(self, node: quiz_option) -> None:  # noqa: D103
    self.body.append("</button>")


class Quiz(SphinxDirective):
    """A multiple-choice question whose answer key is computed at build time."""

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"answer": str}

    def _evaluate(self, expression: str) -> object:
        """The key's value, computed in the deck's worker process (as the deck's cells are)."""

        def where() -> str:
            return "{}:{}".format(*self.get_source_info())

        outcome = evaluate(self.env, expression, "quiz key", where)
        if not outcome.ok:
            raise QuizKeyError(outcome.error)
        return outcome.value

    def run(self) -> list[nodes.Node]:  # noqa: D102
        expression = self.options.get("answer")
        if not expression:
            raise self.error(
                "quiz: give the answer as an expression, e.g. :answer: softmax([0, 1])"
            )
        try:
            value = self._evaluate(expression)
        except QuizKeyError as exc:
            raise self.error(f"quiz: :answer: {expression} raised {exc}") from None
        holder = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, holder)
        items = [li for bl in holder.findall(nodes.bullet_list) for li in bl.children]
        if len(items) < 2:
            raise self.error("quiz: list at least two options as a bullet list")
        texts = [li.astext().strip() for li in items]
        right = [i for i, t in enumerate(texts) if option_matches(t, value)]
        if len(right) != 1:
            found = (
                "no option"
                if not right
                else f"{len(right)} options ({', '.join(texts[i] for i in right)})"
            )
            raise self.error(f"quiz: :answer: {expression} = {value!r}, but {found} match it")

        box = nodes.container(classes=["quiz"])
        self.set_source_info(box)
        question, _ = self.state.inline_text(self.arguments[0], self.lineno)
        box += nodes.paragraph("", "", *question, classes=["quiz-question"])
        options = nodes.paragraph(classes=["quiz-options"])
        for i, item in enumerate(items):
            para = item.next_node(nodes.paragraph)
            children = [c.deepcopy() for c in para.children] if para else [nodes.Text(texts[i])]
            options += quiz_option("", "", *children, correct=i == right[0])
        # Where "Right!" appears: a live region from the start, so screen readers announce it.
        feedback = '<span class="quiz-feedback" role="status" aria-live="polite"></span>'
        options += nodes.raw("", feedback, format="html")
        box += options
        box += nodes.paragraph(
            "",
            "",
            nodes.Text("✓ "),
            *[c.deepcopy() for c in options.children[right[0]].children],
            classes=["quiz-answer", "fragment"],
        )
        return [box]


def setup(app: Sphinx) -> None:
    """Register the directive, its option node and the click handler."""
    visit = (visit_quiz_option, depart_quiz_option)
    app.add_node(quiz_option, html=visit, revealjs=visit, dirrevealjs=visit)
    app.add_directive("quiz", Quiz)
    app.connect("builder-inited", _add_script)


def _add_script(app: Sphinx) -> None:
    if app.builder.name == "revealjs":  # quizzes are for the decks
        app.add_js_file("quiz.js", defer="defer")
