"""Build-time code runs in a worker process: a clean interpreter per deck, with limits.

A deck's live cells and quiz answer keys run, in document order, in one worker process
started for that deck and stopped when the deck has been read: nothing a cell does (patch
``lecture_code``, fill memory, call ``os._exit``) reaches the build or another deck. Each
run has a time limit, the worker a memory limit (``RLIMIT_AS``), and what a cell prints a
cap. The worker's standard input is empty (``input()`` fails at once), and it speaks to the
build over pipes of its own, so nothing a cell prints or writes to a file descriptor can
garble the protocol. It dies with the build (``PR_SET_PDEATHSIG``), so none is ever left
behind.

Measured on the 4.4 deck (13 cells and quiz keys): one worker per deck, started ahead while
the previous deck is read, adds about 0.05 s to a one-deck build; one per cell would start 13
interpreters (about 0.03 s each on this machine). Per deck it is: cells of one deck are the
author's own sequence, and every deck starts clean.

Run as ``python -m lecturedeck.sphinxext.cellworker`` by :class:`Worker`; not a user command.
"""

from __future__ import annotations

import ast
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

# Defaults; conf.py may override them (lecturedeck_cell_timeout, lecturedeck_cell_memory_mb).
TIMEOUT_S = 5.0
MEMORY_MB = 1024
OUTPUT_CAP = 1_000_000  # characters a run may print before it is stopped
GRACE_S = 1.0  # after an interrupt, how long a worker may take to answer before it is killed


@dataclass
class Outcome:
    """What one run did: ``ok``, its output, and on failure what went wrong and where."""

    ok: bool
    output: str = ""
    error: str = ""  # one line: "ValueError: softmax: xs must not be empty"
    line: int | None = None  # 1-based line of the cell where it failed, when known
    value: object = None  # an evaluated expression's value (quiz keys)


class Opaque:
    """A value that is not a Python literal, known by its ``str`` and ``repr``."""

    def __init__(self, text: str, representation: str) -> None:
        self.text, self.representation = text, representation

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.representation


_GONE = object()  # the worker's pipe reached end of file


class Worker:
    """One worker process; :meth:`run` and :meth:`evaluate` send it work, one at a time."""

    def __init__(self, memory_mb: int = MEMORY_MB) -> None:
        env = {**os.environ, "LECTUREDECK_SYS_PATH": json.dumps(sys.path)}
        env.pop("PYTHONSTARTUP", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lecturedeck.sphinxext.cellworker",
                str(memory_mb),
                str(os.getpid()),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the build, which stops the worker itself
            env=env,
        )
        self.owner = os.getpid()
        self.memory_mb = memory_mb
        self._buffer = b""

    def alive(self) -> bool:
        """Whether the process is running and belongs to this process (not a forked parent's)."""
        return self.owner == os.getpid() and self.proc.poll() is None

    def run(self, source: str, timeout: float = TIMEOUT_S) -> Outcome:
        """Run a cell's source as :mod:`lecturedeck.sphinxext.cellrun` does."""
        return self._ask({"op": "cell", "source": source}, timeout)

    def evaluate(self, expression: str, package: str, timeout: float = TIMEOUT_S) -> Outcome:
        """Evaluate an expression with ``math`` and the package's public names in scope."""
        outcome = self._ask({"op": "eval", "source": expression, "package": package}, timeout)
        if outcome.ok and isinstance(outcome.value, dict):
            shown = outcome.value
            try:
                outcome.value = ast.literal_eval(shown["repr"])
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                outcome.value = Opaque(shown["str"], shown["repr"])
        return outcome

    def close(self) -> None:
        """Stop the worker (only the process that started it does)."""
        if self.owner != os.getpid():
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe:
                pipe.close()

    # -- protocol --------------------------------------------------------------------------------
    def _ask(self, request: dict, timeout: float) -> Outcome:
        if not self.alive():
            return Outcome(False, error=self._death())
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return Outcome(False, error=self._death())
        deadline = time.monotonic() + timeout
        try:
            reply = self._read_until(deadline)
        except KeyboardInterrupt:
            self.close()
            raise
        if reply is _GONE:
            return Outcome(False, error=self._death())
        if reply is None:
            # Time is up: interrupt the cell, so that it reports the line it was on.
            os.kill(self.proc.pid, signal.SIGINT)
            reply = self._read_until(time.monotonic() + GRACE_S)
            stopped = f"timed out after {timeout:g} s"
            if not isinstance(reply, dict):
                self.close()
                return Outcome(False, error=stopped)
            reply["error"] = stopped
            reply["ok"] = False
            self.close()  # what it was doing is unknown: the rest of the deck gets a fresh one
        return Outcome(
            bool(reply.get("ok")),
            str(reply.get("output", "")),
            str(reply.get("error", "")),
            reply.get("line"),
            reply.get("value"),
        )

    def _read_until(self, deadline: float) -> dict | object | None:
        """The next reply; None when the deadline passes first, :data:`_GONE` at end of file."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return _GONE  # the worker closed its end: it is gone
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _death(self) -> str:
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # its pipe closed, yet it lives: end it
            pass
        self.close()
        code = self.proc.returncode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"crashed the worker process ({name})"
        return f"ended the worker process (exit status {code})"


# -- The worker process ---------------------------------------------------------------------------
class _OutputCap(BaseException):
    """Raised inside a cell that printed more than :data:`OUTPUT_CAP` characters."""


def _capped_stream():  # noqa: ANN202
    import io

    class Capped(io.StringIO):
        def write(self, text: str) -> int:
            if self.tell() + len(text) > OUTPUT_CAP:
                raise _OutputCap
            return super().write(text)

    return Capped()


def _serve(memory_mb: int, parent: int) -> None:  # pragma: no cover - runs in the worker
    # Private copies of the pipes to the build; then standard input is empty and standard
    # output and error lead nowhere, whatever a cell does with them.
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - for the life of the process
    # Interrupting a cell at its time limit is a SIGINT: Python leaves it ignored when the
    # build was started that way (a background job), so install its handler in any case.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the build
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    sys.path[:] = json.loads(os.environ.get("LECTUREDECK_SYS_PATH", "[]")) or sys.path
    from lecturedeck.sphinxext import cellrun

    for raw in requests:
        request = json.loads(raw)
        reply = _handle(request, cellrun)
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()


def _handle(request: dict, cellrun) -> dict:  # noqa: ANN001 - the cellrun module
    import math

    out = _capped_stream()
    try:
        if request["op"] == "cell":
            cellrun.run_cell(request["source"], out)
            return {"ok": True, "output": out.getvalue()}
        import importlib

        package = importlib.import_module(request["package"])
        names = getattr(package, "__all__", None) or [n for n in dir(package) if n[0] != "_"]
        scope = {"math": math, **{n: getattr(package, n) for n in names}}
        value = eval(compile(request["source"], "<answer>", "eval"), scope)  # noqa: S307
        return {"ok": True, "value": {"repr": repr(value), "str": str(value)}}
    except _OutputCap:
        error = f"printed more than {OUTPUT_CAP:,} characters; stopped"
        return {"ok": False, "output": out.getvalue()[:2000], "error": error, "line": None}
    except BaseException as exc:  # noqa: BLE001 - a cell's failure is reported, never raised
        text = str(exc).strip().splitlines()
        error = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
        if isinstance(exc, MemoryError):
            error = "MemoryError: the cell ran out of memory"
        return {
            "ok": False,
            "output": out.getvalue(),
            "error": error,
            "line": cellrun.error_line(exc),
        }


if __name__ == "__main__":  # pragma: no cover
    _serve(int(sys.argv[1]), int(sys.argv[2]))
