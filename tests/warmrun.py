"""The tests' builds, each forked from a parent that has already imported Sphinx.

A test that runs ``python -m lecturedeck.commands.slides`` pays half a second for a new
interpreter to import Sphinx, docutils and the extension before the build starts; the suite
runs a few hundred builds. Here one parent per test process imports them once (and never
``lecture_code``, which each build imports from its own path), and each build is a fork of it:
a process of its own, in the test's folder, with the test's environment, argv and exit status,
its output captured. The command's code runs as ``python -m`` runs it (``runpy``, as
``__main__``), so what a build does is what a user's ``make slides`` does. One difference: the
builds of one test process share the parent's hash seed (each test process has its own).

Tests that signal or race builds start them with :mod:`subprocess` (they need the process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# What every build imports before its first line of work (and nothing that reads a project).
WARM = (
    "sphinx.application",
    "sphinx.builders.html",
    "sphinx_revealjs",
    "docutils.parsers.rst",
    "lecturedeck.commands.slides",
    "lecturedeck.sphinxext.extension",
)


class Parent:
    """The forking parent: a subprocess reading one JSON request a line, answering with a line."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, __file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        return self.proc

    def run(
        self, module: str, args: list[str], env: dict[str, str], cwd: str, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        with self.lock, tempfile.TemporaryDirectory() as tmp:
            out, err = Path(tmp, "out"), Path(tmp, "err")
            request = {
                "module": module,
                "argv": [module, *args],
                "env": env,
                "cwd": cwd,
                "out": str(out),
                "err": str(err),
                "timeout": timeout,
            }
            proc = self._start()
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            answer = proc.stdout.readline()
            if not answer:
                raise RuntimeError(f"warmrun: the forking parent died ({proc.poll()})")
            status = json.loads(answer)
            if status == "timeout":
                raise subprocess.TimeoutExpired([module, *args], timeout)
            return subprocess.CompletedProcess(
                [sys.executable, "-m", module, *args],
                status,
                out.read_text(encoding="utf-8"),
                err.read_text(encoding="utf-8"),
            )


PARENT = Parent()


def run_module(
    module: str,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([python, "-m", module, *args], capture_output=True, text=True)``, warm."""
    env = dict(os.environ if env is None else env)
    return PARENT.run(module, list(args), env, str(cwd or os.getcwd()), timeout)


# -- the parent's side ------------------------------------------------------------------------


def _child(request: dict) -> None:
    """In the forked child: become ``python -m module`` with the request's environment."""
    import runpy
    import signal

    os.setpgid(0, 0)  # its own group, so that a timeout ends what it started too
    signal.signal(signal.SIGINT, signal.default_int_handler)
    env = request["env"]
    os.environ.clear()
    os.environ.update(env)
    # sys.path as a new interpreter would have it: the environment's PYTHONPATH first.
    inherited = [p for p in _startup_path if p not in _parent_pythonpath]
    wanted = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [os.getcwd()] + wanted + inherited
    for name in [m for m in sys.modules if m == "lecture_code" or m.startswith("lecture_code.")]:
        del sys.modules[name]
    sys.modules.pop(request["module"], None)  # ``-m`` runs it as __main__, not as an import
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    for fd, path in ((1, request["out"]), (2, request["err"])):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(handle, fd)
        os.close(handle)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the child's own, for its lifetime
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.argv = request["argv"]
    status = 0
    try:
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _serve() -> None:
    import signal
    import time

    for name in WARM:
        __import__(name)
    assert "lecture_code" not in sys.modules, "warmrun: the parent must not import lecture_code"
    requests, answers = sys.stdin, sys.stdout
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        deadline = time.monotonic() + request["timeout"]
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                status = None
                break
            time.sleep(0.005)
        answer = "timeout" if status is None else os.waitstatus_to_exitcode(status)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    _startup_path = list(sys.path[1:])  # without this file's folder
    _parent_pythonpath = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    _serve()
