"""Build-time code runs in a worker process: a clean interpreter per deck, with limits.

A deck's live cells and quiz answer keys run, in document order, in one worker process
started for that deck and stopped when the deck has been read: nothing a cell does (patch
``lecture_code``, fill memory, call ``os._exit``) reaches the build or another deck. Each
run has a time limit, the worker a memory limit (``RLIMIT_AS``), and what a cell prints a
cap. The worker's standard input is empty (``input()`` fails at once), and it speaks to the
build over pipes of its own, so nothing a cell prints or writes to a file descriptor can
garble the protocol. It dies with the build (``PR_SET_PDEATHSIG``), so none is ever left
behind.

Workers are forked from a warm parent (:class:`Server`, one per build process, started on
the first worker it needs): an interpreter that has already imported the lecture package
and the runner, and does nothing else. The build hands it the two pipes of a new worker
(over a Unix socket), it forks, and the child becomes the deck's worker; a fork costs a
few milliseconds where a new interpreter cost about 30. The server dies with the build,
and its workers with it; it reaps them and tells the build how each one ended.

Run as ``python -m lecturedeck.sphinxext.cellworker --server PARENT FD`` by :class:`Server`;
not a user command.
"""

from __future__ import annotations

import ast
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

# Defaults; conf.py may override them (lecturedeck_cell_timeout, lecturedeck_cell_memory_mb).
TIMEOUT_S = 5.0
MEMORY_MB = 1024
OUTPUT_CAP = 1_000_000  # characters a run may print before it is stopped
GRACE_S = 1.0  # after an interrupt, how long a worker may take to answer before it is killed
PRELOAD = "lecture_code"  # the package the server imports for its workers (conf.py's)


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


class Server:
    """The warm parent this process's workers are forked from (see the module's docstring)."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {
            **os.environ,
            "LECTUREDECK_SYS_PATH": json.dumps(sys.path),
            "LECTUREDECK_PACKAGE": PRELOAD,
        }
        env.pop("PYTHONSTARTUP", None)
        module = "lecturedeck.sphinxext.cellworker"
        with theirs:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", module, "--server", str(os.getpid()), str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # Ctrl-C reaches the build, which stops the workers
                env=env,
            )
        self.sock = ours
        self.owner = os.getpid()

    def alive(self) -> bool:
        """Whether the server runs, answers, and belongs to this process (not a forked parent's)."""
        return self.owner == os.getpid() and self.sock.fileno() >= 0 and self.proc.poll() is None

    def _ask(self, request: dict, fds: list[int] = ()) -> dict:
        try:
            if fds:
                socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
            else:
                self.sock.send(json.dumps(request).encode())
            reply = self.sock.recv(1 << 16)
        except OSError:
            reply = b""
        except BaseException:  # Ctrl-C between a request and its reply: the two are out of step
            self.close()
            raise
        if not reply:
            self.close()
            raise OSError("the cell workers' server is gone")
        return json.loads(reply)

    def fork(self, memory_mb: int) -> tuple[int, int, int]:
        """A new worker: its pid, and the build's ends of its request and reply pipes."""
        requests_r, requests_w = os.pipe()
        replies_r, replies_w = os.pipe()
        try:
            reply = self._ask({"op": "fork", "memory_mb": memory_mb}, [requests_r, replies_w])
        except BaseException:
            for fd in (requests_w, replies_r):
                os.close(fd)
            raise
        finally:
            os.close(requests_r)
            os.close(replies_w)
        return reply["pid"], requests_w, replies_r

    def wait(self, pid: int, timeout: float | None) -> int | None:
        """Worker ``pid``'s exit status as subprocess gives it (-N: killed by signal N).

        None if it still runs after ``timeout`` seconds (None: do not wait).
        """
        try:
            return self._ask({"op": "wait", "pid": pid, "timeout": timeout or 0})["status"]
        except OSError:
            return -signal.SIGKILL  # the server is gone, and its workers with it

    def close(self) -> None:
        """Stop the server; its workers die with it (only the process that started it does)."""
        if self.owner != os.getpid() or self.sock.fileno() < 0:
            return
        self.sock.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


_server: Server | None = None


def server() -> Server:
    """The worker server of this process, started on first use."""
    global _server
    if _server is None or not _server.alive():
        if _server is not None:
            _server.close()
        _server = Server()
    return _server


def close_server() -> None:
    """Stop this process's worker server, if it started one."""
    global _server
    if _server is not None:
        _server.close()
        _server = None


class _Forked:
    """A worker forked by the :class:`Server`, with the parts of ``subprocess.Popen`` used here."""

    def __init__(self, memory_mb: int) -> None:
        self.server = server()
        try:
            self.pid, requests, replies = self.server.fork(memory_mb)
        except OSError:  # the server died since it was last asked: once more, with a new one
            self.server = server()
            self.pid, requests, replies = self.server.fork(memory_mb)
        self.stdin = os.fdopen(requests, "wb")
        self.stdout = os.fdopen(replies, "rb")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.wait(self.pid, None)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self.server.wait(self.pid, 3600 if timeout is None else timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("cell worker", timeout)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)  # not reaped until waited for: the pid is its own


def request_cell(source: str) -> dict:
    """The request that runs a cell's source as :mod:`lecturedeck.sphinxext.cellrun` does."""
    return {"op": "cell", "source": source}


def request_eval(expression: str, package: str) -> dict:
    """The request that evaluates an expression with ``math`` and the package's names."""
    return {"op": "eval", "source": expression, "package": package}


def outcome_of(reply: dict) -> Outcome:
    """A worker's reply (fresh or cached) as an :class:`Outcome`."""
    value = reply.get("value")
    if reply.get("ok") and isinstance(value, dict):
        try:
            value = ast.literal_eval(value["repr"])
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = Opaque(value["str"], value["repr"])
    return Outcome(
        bool(reply.get("ok")),
        str(reply.get("output", "")),
        str(reply.get("error", "")),
        reply.get("line"),
        value,
    )


class Worker:
    """One worker process; :meth:`run` and :meth:`evaluate` send it work, one at a time."""

    def __init__(self, memory_mb: int = MEMORY_MB) -> None:
        self.proc = _Forked(memory_mb)
        self.owner = os.getpid()
        self.memory_mb = memory_mb
        self._buffer = b""

    def alive(self) -> bool:
        """Whether the process is running and belongs to this process (not a forked parent's)."""
        return self.owner == os.getpid() and self.proc.poll() is None

    def run(self, source: str, timeout: float = TIMEOUT_S) -> Outcome:
        """Run a cell's source as :mod:`lecturedeck.sphinxext.cellrun` does."""
        return outcome_of(self.ask(request_cell(source), timeout))

    def evaluate(self, expression: str, package: str, timeout: float = TIMEOUT_S) -> Outcome:
        """Evaluate an expression with ``math`` and the package's public names in scope."""
        return outcome_of(self.ask(request_eval(expression, package), timeout))

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
    def ask(self, request: dict, timeout: float) -> dict:
        """Send ``request``; the worker's reply (``{"ok": False, "error": ...}`` if it died)."""
        if not self.alive():
            return {"ok": False, "error": self._death()}
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return {"ok": False, "error": self._death()}
        deadline = time.monotonic() + timeout
        try:
            reply = self._read_until(deadline)
        except KeyboardInterrupt:
            self.close()
            raise
        if reply is _GONE:
            return {"ok": False, "error": self._death()}
        if reply is None:
            # Time is up: interrupt the cell, so that it reports the line it was on.
            os.kill(self.proc.pid, signal.SIGINT)
            reply = self._read_until(time.monotonic() + GRACE_S)
            stopped = f"timed out after {timeout:g} s"
            self.close()  # what it was doing is unknown: the rest of the deck gets a fresh one
            if not isinstance(reply, dict):
                return {"ok": False, "error": stopped}
            reply["error"] = stopped
            reply["ok"] = False
        return reply

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
    _die_with(parent)  # its parent: the build, or the server (which dies with the build)
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


def _die_with(parent: int) -> None:  # pragma: no cover - runs in the server and workers
    """Be killed when ``parent`` dies (``PR_SET_PDEATHSIG``); exit now if it is gone already."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def _preload(package: str) -> None:  # pragma: no cover - runs in the server
    """Import what cells and answer keys use, once, for every worker forked afterwards."""
    import contextlib
    import ctypes  # noqa: F401 - the workers' prctl
    import importlib
    import io  # noqa: F401
    import math  # noqa: F401
    import resource  # noqa: F401
    import traceback  # noqa: F401

    from lecturedeck.sphinxext import cellrun  # noqa: F401

    with contextlib.suppress(Exception):  # a package that fails to import fails in the cell
        importlib.import_module(package)


def _fork_server(parent: int, fd: int) -> None:  # pragma: no cover - runs in the server
    """Fork a worker for each request from the build; reap them and report how they ended."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    _die_with(parent)
    sys.path[:] = json.loads(os.environ.get("LECTUREDECK_SYS_PATH", "[]")) or sys.path
    _preload(os.environ.get("LECTUREDECK_PACKAGE", "lecture_code"))
    sock = socket.socket(fileno=fd)
    me = os.getpid()
    children: set[int] = set()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 16, 2)
        except OSError:
            message, fds = b"", []
        if not message:  # the build closed its end, or died: so do the workers
            for pid in children:
                with _quiet():
                    os.kill(pid, signal.SIGKILL)
            os._exit(0)
        request = json.loads(message)
        if request["op"] == "fork":
            pid = os.fork()
            if pid == 0:
                try:
                    sock.close()
                    os.dup2(fds[0], 0)
                    os.dup2(fds[1], 1)
                    for extra in fds:
                        os.close(extra)
                    _serve(request["memory_mb"], me)
                finally:
                    os._exit(0)
            for extra in fds:
                os.close(extra)
            children.add(pid)
            sock.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "wait":
            status = _reap(request["pid"], request["timeout"])
            if status is not None:
                children.discard(request["pid"])
            sock.send(json.dumps({"status": status}).encode())


def _quiet():  # noqa: ANN202
    import contextlib

    return contextlib.suppress(OSError)


def _reap(pid: int, timeout: float) -> int | None:  # pragma: no cover - runs in the server
    """``pid``'s exit status (-N for signal N), waiting up to ``timeout`` s; None if it runs."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return -signal.SIGKILL  # not ours, or reaped already
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1] == "--server":
        _fork_server(int(sys.argv[2]), int(sys.argv[3]))
    else:
        _serve(int(sys.argv[1]), int(sys.argv[2]))
