r"""The ``explorable`` directive: a figure with controls, drawn from lecture_code's values.

::

    .. explorable:: lecture_code.explore.softmax_temperature
       :alt: Softmax of five scores at temperature T; argmax outlined.

       T: 0.1 to 5 step 0.1; default 1

A control is a parameter of the function, one per line: a range (``name: START to STOP
step STEP``) or a list of Python literals (``name: one of "a", "b", "c"``), each with an
optional ``; default VALUE`` (else the first value). At build time the function runs in the
deck's worker process (as live cells do) for every combination of the control values, and
the results are embedded in the deck as data: moving a control redraws the figure in the
browser from that data, with no Python, from ``file://`` and in the PDF (which shows the
defaults). The grid is bounded by ``lecturedeck_explorable_max_points`` (conf.py; 400 by
default). Under ``make present`` the function's source can also be edited and rerun in
Pyodide, and the controls then draw the edited function's values.

A bad declaration fails the build at its line: a name that is not a parameter, a
parameter with no control and no default, an empty range, a grid over the bound, a value
that is not finite, or a grid point where the function raises (named).
"""

from __future__ import annotations

import ast
import html
import inspect
import itertools
import json
import math
import re
import textwrap
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from lecturedeck.project import write_atomic
from lecturedeck.sphinxext.cells import note_package_deps, run_cell
from lecturedeck.sphinxext.livecode import cell_html, resolve, strip_decorators, strip_docstring

# Run after an edited function in the browser (livecode.js appends it to the cell): the
# module's other names, then the function over the same grid, after a marker line.
EPILOGUE = """
import importlib as _importlib
import json as _json
for _k, _v in vars(_importlib.import_module({module!r})).items():
    if not _k.startswith("__") and _k not in globals():
        globals()[_k] = _v
_values = [{name}(**_p) for _p in _json.loads({grid!r})]
print("@@explorable@@" + _json.dumps(_values, allow_nan=False))
"""
DATA_DIR = "_explorables"  # in the build: one script of data per figure
MAX_POINTS = 400  # default bound on the grid: a few hundred redraws' worth of data
RANGE = re.compile(r"^(\w+)\s*:\s*(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s*(?:;\s*default\s+(\S+))?$")
CHOICES = re.compile(r"^(\w+)\s*:\s*one of\s+(.+?)\s*(?:;\s*default\s+(.+))?$")


logger = logging.getLogger(__name__)


class _Reported(Exception):
    """A problem already reported at its own line: the directive gives up."""


class explorable(nodes.General, nodes.Element):
    """An explorable figure: its controls, its data, and the source of its function."""


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def range_values(start: float, stop: float, step: float) -> list[float]:
    """start, start + step, ... up to stop (included when on the grid), rounded as written."""
    if step <= 0:
        raise ValueError(f"step must be > 0, got {step:g}")
    if stop < start:
        raise ValueError(f"the range is empty: {start:g} to {stop:g}")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > 100_000:
        raise ValueError(f"{count} values; too many")
    digits = max(_decimals(start), _decimals(step))
    return [round(start + i * step, digits) for i in range(count)]


def _decimals(value: float) -> int:
    text = repr(value)
    if "e" in text:
        return 15
    return len(text.split(".")[1]) if "." in text else 0


def parse_control(line: str) -> dict:
    """One control line as ``{"name", "kind", "values", "default"}``; ValueError if malformed."""
    match = RANGE.match(line)
    if match:
        name, start, stop, step, default = match.groups()
        values = range_values(_number(start), _number(stop), _number(step))
        if default is None:
            index = 0
        else:
            wanted = _number(default)
            index = min(range(len(values)), key=lambda i: abs(values[i] - wanted))
            if abs(values[index] - wanted) > 1e-9 * max(1.0, abs(wanted)):
                raise ValueError(f"default {default} is not one of the range's values")
        return {"name": name, "kind": "range", "values": values, "default": index}
    match = CHOICES.match(line)
    if match:
        name, items, default = match.groups()
        try:
            values = list(ast.literal_eval(f"[{items}]"))
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"choices must be Python literals: {exc}") from None
        if not values:
            raise ValueError("no choices")
        index = 0
        if default is not None:
            try:
                wanted = ast.literal_eval(default)
            except (ValueError, SyntaxError):
                raise ValueError(f"default {default} is not a Python literal") from None
            if wanted not in values:
                raise ValueError(f"default {default} is not one of the choices")
            index = values.index(wanted)
        return {"name": name, "kind": "choice", "values": values, "default": index}
    raise ValueError(
        'a control is "NAME: START to STOP step STEP[; default V]" or '
        '"NAME: one of A, B, ...[; default V]"'
    )


GRID_SOURCE = """\
import json as _json
from {module} import {name} as _explorable
_out = []
for _point in _json.loads({grid!r}):
    try:
        _value = _explorable(**_point)
        _json.dumps(_value, allow_nan=False)
    except Exception as _error:
        print(_json.dumps({{"at": _point, "error": type(_error).__name__ + ": " + str(_error)}}))
        break
    _out.append(_value)
else:
    print(_json.dumps({{"results": _out}}))
"""


class Explorable(SphinxDirective):
    """A figure whose controls redraw it from values computed at build time."""

    required_arguments = 1
    has_content = True
    option_spec = {"alt": directives.unchanged, "width": directives.positive_int}

    def run(self) -> list[nodes.Node]:  # noqa: D102
        try:
            return self._run()
        except _Reported:
            return []

    def _run(self) -> list[nodes.Node]:
        dotted = self.arguments[0]
        try:
            function = resolve(dotted)
            signature = inspect.signature(function)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            raise self.error(f"explorable: cannot use {dotted}: {exc}") from None
        controls = []
        for offset, line in enumerate(self.content):
            if not line.strip():
                continue
            try:
                control = parse_control(line.strip())
            except ValueError as exc:
                raise self._error_at(offset, f"explorable: {line.strip()!r}: {exc}") from None
            if any(c["name"] == control["name"] for c in controls):
                raise self._error_at(offset, f"explorable: {control['name']!r} has two controls")
            if control["name"] not in signature.parameters:
                known = ", ".join(signature.parameters) or "none"
                raise self._error_at(
                    offset,
                    f"explorable: {dotted} has no parameter {control['name']!r} (it has: {known})",
                )
            controls.append(control)
        if not controls:
            raise self.error("explorable: declare at least one control, one per line")
        named = {c["name"] for c in controls}
        for name, parameter in signature.parameters.items():
            if name not in named and parameter.default is inspect.Parameter.empty:
                raise self.error(f"explorable: parameter {name!r} of {dotted} has no control")
        size = math.prod(len(c["values"]) for c in controls)
        bound = self.config.lecturedeck_explorable_max_points
        if size > bound:
            raise self.error(
                f"explorable: the grid has {size} points, more than {bound} "
                "(lecturedeck_explorable_max_points); use fewer values or a larger step"
            )
        grid = grid_of(controls)
        results = self._evaluate(function, grid)
        epilogue = EPILOGUE.format(
            module=function.__module__, name=function.__qualname__, grid=json.dumps(grid)
        )
        shown = strip_docstring(strip_decorators(textwrap.dedent(inspect.getsource(function))))
        # The grid depends on the function's whole module and what that module imports.
        module = inspect.getmodule(function)
        self.env.note_dependency(inspect.getsourcefile(module))
        note_package_deps(self, ast.parse(inspect.getsource(module)))
        node = explorable(
            function=f"{function.__module__}.{function.__qualname__}",
            module=function.__module__,
            name=function.__qualname__,
            source=shown,
            controls=controls,
            results=results,
            alt=self.options.get("alt", f"An explorable figure of {dotted}"),
            width=self.options.get("width", 900),
            epilogue=epilogue,
            timeout=max(10, 2 * self.config.lecturedeck_cell_timeout),
        )
        self.set_source_info(node)
        return [node]

    def _error_at(self, offset: int, message: str) -> Exception:
        """A build error at a line of the directive's content."""
        source, line = self.state_machine.get_source_and_line(self.content_offset + offset + 1)
        logger.warning(message, location=f"{source}:{line}", type="explorable")
        return _Reported()

    def _evaluate(self, function: object, grid: list[dict]) -> list[object]:
        code = GRID_SOURCE.format(
            module=function.__module__, name=function.__qualname__, grid=json.dumps(grid)
        )
        timeout = self.config.lecturedeck_cell_timeout
        outcome = run_cell(self, "explorable", code, timeout)
        if not outcome.ok:
            raise self.error(f"explorable: {outcome.error}")
        try:
            reply = json.loads(outcome.output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise self.error("explorable: the function printed output of its own") from None
        if "error" in reply:
            at = ", ".join(f"{k}={v!r}" for k, v in reply["at"].items())
            raise self.error(f"explorable: {self.arguments[0]} raised at {at}: {reply['error']}")
        return reply["results"]


def grid_of(controls: list[dict]) -> list[dict]:
    """Every combination of the controls' values, in declaration order, the last one fastest."""
    names = [c["name"] for c in controls]
    return [
        dict(zip(names, point, strict=True))
        for point in itertools.product(*(c["values"] for c in controls))
    ]


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def visit_explorable(self, node: explorable) -> None:
    """Write the figure: a chart area, the controls, and the data as JSON."""
    data = {
        "function": node["function"],
        "module": node["module"],
        "name": node["name"],
        "controls": [{**c, "labels": [_label(v) for v in c["values"]]} for c in node["controls"]],
        "results": node["results"],
    }
    controls = []
    for c in node["controls"]:
        label = html.escape(c["name"])
        ident = f"{html.escape(node['name'])}-{label}"
        default = c["default"]
        if c["kind"] == "range":
            value = html.escape(_label(c["values"][default]))
            field = (
                f'<input type="range" min="0" max="{len(c["values"]) - 1}" step="1" '
                f'value="{default}" data-control="{label}" aria-label="{label}" '
                f'aria-valuetext="{label} = {value}">'
                f'<output aria-hidden="true">{value}</output>'
            )
        else:
            options = "".join(
                f'<option value="{i}"{" selected" if i == default else ""}>'
                f"{html.escape(_label(v))}</option>"
                for i, v in enumerate(c["values"])
            )
            field = f'<select data-control="{label}" aria-label="{label}">{options}</select>'
        controls.append(
            f'<label class="explorable-control" data-for="{ident}">'
            f'<span class="explorable-name">{label}</span>{field}</label>'
        )
    # The data goes in a script file of its own, loaded with the charting library when the
    # slide comes near: the deck's first slide does not wait for it (and from file://, a
    # classic script is the one way to load it).
    docname = self.builder.current_docname
    self.lecturedeck_explorables = getattr(self, "lecturedeck_explorables", 0) + 1
    key = f"{docname.replace('/', '--')}-{self.lecturedeck_explorables}"
    script = (
        "(window.lecturedeckExplorables = window.lecturedeckExplorables || {})"
        f"[{json.dumps(key)}] = {json.dumps(data, allow_nan=False)};\n"
    )
    target = Path(self.builder.outdir) / DATA_DIR / f"{key}.js"
    if not target.exists() or target.read_text() != script:
        write_atomic(target, script)
    src = "../" * docname.count("/") + f"{DATA_DIR}/{key}.js"
    self.body.append(
        f'<div class="explorable" data-width="{node["width"]}" data-key="{html.escape(key)}" '
        f'data-src="{html.escape(src)}">'
        f'<div class="explorable-chart" role="img" aria-label="{html.escape(node["alt"])}"></div>'
        f'<div class="explorable-controls">{"".join(controls)}</div>'
        '<details class="explorable-edit"><summary>Edit the code</summary>'
        + cell_html(
            node["source"],
            "",
            None,
            node["timeout"],
            f' data-epilogue="{html.escape(node["epilogue"])}"',
        )
        + "</details></div>\n"
    )
    raise nodes.SkipNode


def setup(app: Sphinx) -> None:
    """Register the directive, its node and the browser side."""
    app.add_config_value("lecturedeck_explorable_max_points", MAX_POINTS, "env")
    visit = (visit_explorable, None)
    app.add_node(explorable, html=visit, revealjs=visit, dirrevealjs=visit)
    app.add_directive("explorable", Explorable)
    app.connect("builder-inited", _add_script)


def _add_script(app: Sphinx) -> None:
    if app.builder.name == "revealjs":
        app.add_js_file("explorable.js", defer="defer")
