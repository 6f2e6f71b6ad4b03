"""What fails a deck build and what only warns, and every problem as one ``file:line:`` line.

The build runs Sphinx with warnings as errors, so that a deck the audience would see broken
never ships. Two kinds of warning leave what the audience sees intact, and only warn:

* docutils' source-style notes (:data:`STYLE_NOTES`): a title underline or overline shorter
  than its title. Decks written for older toolchains are full of them, and docutils builds
  the slide as meant.
* lecturedeck's own notices (:data:`NOTICES`): media that need the network
  (``lecturedeck.network``), outputs over a size limit (``lecturedeck.size``), and what an
  older toolchain did that a reveal.js deck has no use for (``lecturedeck.legacy``: a
  stylesheet the old theme generated, a theme-only effect), and code that Pygments cannot
  colour (``misc.highlighting_failure``): it is shown as written.

They are printed as ``file:line: warning: message`` and not counted. Everything else
(an unknown directive or role, a missing image or include, a formula KaTeX cannot parse, a
failing cell, a wrong quiz key, a local asset that does not exist ...) is printed as
``file:line: error: message`` and fails the build.

No input ever gives a traceback: an exception raised inside a directive becomes that
directive's error at its line; one raised while reading or writing a document becomes an
error naming the document.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

from docutils import nodes, statemachine
from docutils.parsers.rst import Directive, DirectiveError, states
from docutils.utils import SystemMessage
from sphinx.application import Sphinx
from sphinx.util import logging as sphinx_logging

from lecturedeck.sphinxext.legacy import thirdparty

logger = sphinx_logging.getLogger(__name__)

# docutils level-2 notes about the source's style, after which the output is what was meant.
# (A list or block that "ends without a blank line; unexpected unindent" is not among them:
# the indentation it complains of often nests the slide's text other than the author meant.)
STYLE_NOTES = re.compile(r"^Title (?:underline|overline) too short")
# lecturedeck's own warnings that do not fail the build: (type, subtype).
NOTICES = {
    ("lecturedeck", "network"),
    ("lecturedeck", "size"),
    ("lecturedeck", "legacy"),
    # Code Pygments cannot colour (an unknown lexer, text that is not the language): it is
    # shown as written, uncoloured, as the old toolchains showed it.
    ("misc", "highlighting_failure"),
}


def is_notice(record: logging.LogRecord, text: str) -> bool:
    """Whether a warning leaves the audience's view intact (printed, never fatal)."""
    kind = (getattr(record, "type", None), getattr(record, "subtype", None))
    if kind in NOTICES:
        return True
    return (
        kind[0] == "docutils"
        and record.levelno == logging.WARNING
        and bool(STYLE_NOTES.match(text))
    )


def one_line(message: str) -> str:
    """A warning's text as one line: its first paragraph, and the gist of any traceback."""
    if "Traceback (most recent call last)" in message:
        head, _, tail = message.partition("Traceback (most recent call last)")
        head = head.strip().rstrip(";:").removesuffix("the following exception was raised")
        last = [ln.strip() for ln in tail.splitlines() if ln.strip()]
        return f"{head.strip().rstrip(';: ')}: {last[-1] if last else 'an exception'}"
    paragraph = re.split(r"\n\s*\n", message.strip(), maxsplit=1)[0]
    return " ".join(ln.strip() for ln in paragraph.splitlines() if ln.strip())


def show_location(location: str | None, root: Path) -> str:
    """``/abs/project/slides/x.rst:12`` as ``slides/x.rst:12`` (relative to the project)."""
    if not location:
        return ""
    path, sep, line = location.rpartition(":") if ":" in location else (location, "", "")
    if not path or (line and not line.isdigit()):
        path, sep, line = location, "", ""
    suffix = Path(path).suffix
    if suffix and path.endswith(suffix * 2) and not Path(path).exists():
        path = path[: -len(suffix)]  # Sphinx took a source path for a document name
    try:
        shown = Path(path).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        shown = path
    return f"{shown}{sep}{line}" if line else shown


class OneLineWarnings(logging.Filter):
    """Print every warning as one line, and count only those that change the output.

    Installed last on Sphinx's warning handler: by then Sphinx has counted the record and
    turned its location into ``path:line``.
    """

    def __init__(self, app: Sphinx, stream: object) -> None:
        super().__init__()
        self.app = app
        self.stream = stream

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        try:
            message = record.msg % record.args if record.args else str(record.msg)
        except (TypeError, ValueError):
            message = str(record.msg)
        message = re.sub(r" \[[\w.-]+\]$", "", message)  # Sphinx's [type.subtype] suffix
        text = thirdparty.hint(one_line(message))
        root = Path(getattr(self.app.config, "lecturedeck_root", "") or self.app.confdir)
        location = getattr(record, "location", None) or getattr(record, "lecturedeck_where", None)
        where = show_location(location, root.resolve())
        if text.startswith("document isn't included in any toctree") and not self._read(record):
            self.app._warncount -= 1  # a deck that could not be read: that error says it all
            return False
        if is_notice(record, text):
            self.app._warncount -= 1  # counted by Sphinx's WarningSuppressor; not an error
            kind = "warning"
        else:
            kind = "error"
        self.stream.write(f"{where}: {kind}: {text}\n" if where else f"{kind}: {text}\n")
        return False

    def _read(self, record: logging.LogRecord) -> bool:
        """Whether the document a record is about was read (False: its reading failed)."""
        env = getattr(self.app, "env", None)
        location = str(getattr(record, "location", "") or "")
        path = location.rsplit(":", 1)[0] if location.rsplit(":", 1)[-1].isdigit() else location
        try:
            docname = env.path2doc(path) if env else None
        except Exception:  # noqa: BLE001 - not a document path
            return True
        return docname is None or docname in env.all_docs


def _install_filter(app: Sphinx) -> None:
    for handler in logging.getLogger(sphinx_logging.NAMESPACE).handlers:
        if isinstance(handler, sphinx_logging.WarningStreamHandler):
            if not any(isinstance(f, OneLineWarnings) for f in handler.filters):
                handler.addFilter(OneLineWarnings(app, handler.stream))


# -- Exceptions inside directives ------------------------------------------------------------------
# docutils passes these through directives on purpose: they steer its state machines.
_PASS_THROUGH = (
    DirectiveError,
    SystemMessage,
    statemachine.TransitionCorrection,
    statemachine.StateCorrection,
    statemachine.UnexpectedIndentationError,
    states.MarkupError,
    EOFError,
)


def describe(exc: BaseException) -> str:
    """``KeyError: 'x'``: an exception as one line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@functools.cache
def guarded(directive: type[Directive]) -> type[Directive]:
    """``directive``, with any exception of its ``run()`` turned into its own error."""

    def run(self: Directive) -> list[nodes.Node]:
        source, line = self.state_machine.get_source_and_line(self.lineno)
        _running.append(f"{source}:{line}")
        try:
            return directive.run(self)
        except _PASS_THROUGH:
            raise
        except Exception as exc:  # noqa: BLE001 - a directive's failure is the deck's error
            raise self.error(f"{self.name}: {describe(exc)}") from None
        finally:
            _running.pop()

    return type(directive.__name__, (directive,), {"run": run, "__module__": directive.__module__})


_run_directive = states.Body.run_directive
# Where the directives being run are written: a warning logged without a location (autodoc's
# "failed to import", for one) is reported at the directive that was running when it was made.
_running: list[str] = []
_record_factory = logging.getLogRecordFactory()


def _located_record(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _record_factory(*args, **kwargs)
    if _running:
        record.lecturedeck_where = _running[-1]
    return record


def _run_guarded_directive(self, directive, match, type_name, option_presets):  # noqa: ANN001, ANN202
    return _run_directive(self, guarded(directive), match, type_name, option_presets)


# -- Exceptions while reading or writing a document ---------------------------------------------
def unwrap(exc: BaseException) -> BaseException:
    """The exception an extension's event handler raised, out of Sphinx's ExtensionError."""
    from sphinx.errors import ExtensionError

    while isinstance(exc, ExtensionError) and exc.orig_exc is not None:
        exc = exc.orig_exc
    return exc


def _source_line(node: nodes.Node) -> tuple[str | None, int | None]:
    """The file and line of ``node``, or of its nearest ancestor that has them.

    As docutils' ``get_source_line``, but safe on a tree that a failure left in a cycle.
    """
    seen: set[int] = set()
    current: nodes.Node | None = node
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.source or current.line:
            return current.source, current.line
        current = current.parent
    return None, None


def exception_location(exc: BaseException) -> tuple[str, int | None] | None:
    """``(file, line)`` of the docutils node being processed where ``exc`` was raised.

    The innermost frame of the traceback that holds a node with a source knows it.
    """
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        located = []
        for value in list(frame.f_locals.values()):
            if isinstance(value, nodes.Node):
                source, line = _source_line(value)
                if source:
                    located.append((line is None, source.split(":docstring of")[0], line))
        if located:
            _, source, line = min(located, key=lambda item: item[0])
            return source, line
    return None


def not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8: ``not UTF-8: byte 0xff at offset 41 (line 3)``."""
    line = exc.object[: exc.start].count(b"\n") + 1
    byte = exc.object[exc.start : exc.start + 1].hex()
    return f"{path}:{line}: not UTF-8: byte 0x{byte} at offset {exc.start}"


def _report(exc: BaseException, docname: str) -> None:
    """An exception raised while a deck was read or written, at the line it was on."""
    where = exception_location(exc)
    if where and where[1]:
        location: object = f"{where[0]}:{where[1]}"
    elif where:
        location = where[0]
    else:
        location = docname
    logger.error("%s", describe(exc), location=location)


def _guard_builder(app: Sphinx) -> None:
    builder = app.builder
    read_doc, write_doc = builder.read_doc, builder.write_doc
    write_documents = builder.write_documents

    def guarded_read(docname: str, *, _cache: bool = True) -> None:
        try:
            read_doc(docname, _cache=_cache)
        except Exception as exc:  # noqa: BLE001 - reported at the document, the build goes on
            # Sphinx records a document as read only at the end of read_doc, so a deck that
            # failed is not in env.all_docs: the writer leaves it out (below).
            path = app.env.doc2path(docname)
            if isinstance(exc, UnicodeDecodeError):
                where, message = not_utf8(path, exc).split(": ", 1)
                logger.error("%s", message, location=where)
            else:
                _report(unwrap(exc), docname)

    def guarded_write(docname: str, doctree: nodes.document) -> None:
        try:
            write_doc(docname, doctree)
        except Exception as exc:  # noqa: BLE001
            _report(unwrap(exc), docname)

    def write_read_documents(docnames: set[str]) -> None:
        write_documents({d for d in docnames if d in app.env.all_docs})

    builder.read_doc = guarded_read
    builder.write_doc = guarded_write
    builder.write_documents = write_read_documents


def setup(app: Sphinx) -> None:
    """Install the one-line warning format, the policy, and the exception guards."""
    _install_filter(app)
    states.Body.run_directive = _run_guarded_directive
    if logging.getLogRecordFactory() is not _located_record:
        logging.setLogRecordFactory(_located_record)
    app.connect("builder-inited", _guard_builder)
