"""The figure runner's worker side: one figure script, in a process of its own.

The runner (:mod:`lecturedeck.commands.figs`) starts a multiprocessing fork server that
imports this module once: matplotlib on the Agg backend, pyplot, and fonts loaded
by one small drawing. Every script then runs in a fresh process forked from that
server, so a script that hangs, crashes or eats the memory fails alone, and the
runner itself never imports matplotlib.

In the worker process:

* a timer signal raises :class:`TimedOut` in the script when its time limit is
  up, so the error names the line it was running; code stuck outside Python,
  where the signal cannot interrupt it, is ended by :mod:`faulthandler` a grace
  period later, after it wrote the stack to the trace file;
* :mod:`faulthandler` also writes the stack of a crash (segmentation fault, abort)
  to that file, for the runner to name the line;
* its address space is limited to half the machine's memory, so a runaway
  allocation is a ``MemoryError`` at its line, not the system killing some process;
* it ends itself, and whatever the script started, when the runner goes away.
"""

from __future__ import annotations

import faulthandler
import io
import os
import runpy
import signal
import sys
import threading
import traceback
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen

from lecturedeck.project import (  # noqa: E402
    FIG_OUT_ENV,  # noqa: E402
    PACKAGE,
    STYLE_MODULE,
)

MEMORY_SHARE = 0.5  # of the machine's memory, the most one script may address


class TimedOut(BaseException):
    """Raised in a script that ran past its time limit (not an Exception: not caught by those)."""


def _warm_up() -> None:
    """Draw and save one figure with what lecture figures use, so each worker starts warm.

    Fonts, mathtext, constrained layout, legends, colour bars and the PNG writer are then
    loaded once, in the server, instead of once per script.
    """
    plt.rcParams.update({"figure.constrained_layout.use": True, "axes.grid": True})
    fig, axes = plt.subplots(1, 2, figsize=(4, 2))
    axes[0].plot([0, 1], [0, 1], "o-", label=r"$\sigma(x)$")
    axes[0].bar([0, 1], [1, 2], label="bars")
    axes[0].set(title="warm-up", xlabel="x", ylabel=r"$\mathrm{softmax}$")
    axes[0].legend(title="legend")
    axes[0].annotate("note", (0.5, 0.5), (0.2, 0.8), arrowprops={"arrowstyle": "->"})
    axes[0].text(0.1, 0.1, "\N{MINUS SIGN}0.5", fontsize=14, fontweight="bold")
    image = axes[1].imshow([[0.0, 1.0], [0.5, 0.25]], cmap="cividis")
    fig.colorbar(image, ax=axes[1])
    fig.suptitle("warm-up")
    fig.savefig(io.BytesIO(), format="png", dpi=192, metadata={"Software": None})
    plt.close("all")
    matplotlib.rcdefaults()


_warm_up()


# -- Where ----------------------------------------------------------------------------------------
def where(frames: list[traceback.FrameSummary], script: str, root: str, verb: str) -> str:
    """``scripts/plot_x.py:12``, plus the place in other project code, if the frames end there."""
    rel = os.path.relpath(script, root)
    own = [f for f in frames if f.filename == script]
    place = f"{rel}:{own[-1].lineno if own else 1}"
    if frames and own and frames[-1] is not own[-1]:
        last = frames[-1]
        if last.filename.startswith(root + os.sep):
            place += f" ({verb} {os.path.relpath(last.filename, root)}:{last.lineno})"
    return place


def _exception_where(exc: BaseException, script: str, root: str) -> str:
    if isinstance(exc, SyntaxError) and exc.filename == script:
        return f"{os.path.relpath(script, root)}:{exc.lineno or 1}"
    return where(traceback.extract_tb(exc.__traceback__), script, root, "raised at")


# -- The time limit -------------------------------------------------------------------------------
class _Timer:
    """SIGALRM after ``limit`` seconds, then every second, until disarmed."""

    def __init__(self) -> None:
        self.armed = False
        self.fired: list[traceback.FrameSummary] | None = None

    def _on_alarm(self, signum, frame) -> None:
        if not self.armed:
            return
        if self.fired is None:
            self.fired = traceback.extract_stack(frame)
        raise TimedOut

    def arm(self, limit: float) -> None:
        signal.signal(signal.SIGALRM, self._on_alarm)
        self.armed = True
        # Again every second: a script that catches the first one is stopped by the next.
        signal.setitimer(signal.ITIMER_REAL, limit, 1.0)

    def disarm(self) -> None:
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)


# -- Isolation ------------------------------------------------------------------------------------
def _end_everything() -> None:
    """Kill this process and what it started (its own process group, if it leads one)."""
    if os.getpgid(0) == os.getpid():
        os.killpg(0, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def _watch(conn) -> None:
    """End this process when the runner closes its end of ``conn`` or dies."""

    def watch() -> None:
        try:
            conn.poll(None)  # the runner never writes: this returns on end of file
        except (OSError, EOFError):
            pass
        _end_everything()

    threading.Thread(target=watch, name="runner-watch", daemon=True).start()


def _limit_memory() -> int | None:
    """Cap this process's address space at a share of the machine's memory; return the cap."""
    try:
        import resource

        cap = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * MEMORY_SHARE)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        else:
            cap = soft
    except (ImportError, ValueError, OSError):
        return None
    try:  # if the system runs out of memory anyway, it should pick this process
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass
    return cap


def _use_project(root: str, script: str) -> None:
    """Import the project's own lecture_code and figstyle, whatever else is installed."""
    for folder, top in ((Path(root) / "src", PACKAGE), (Path(script).parent, STYLE_MODULE)):
        if not (folder / top).exists() and not (folder / f"{top}.py").exists():
            continue
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
        for name, module in list(sys.modules.items()):
            if name == top or name.startswith(top + "."):
                if not str(getattr(module, "__file__", "")).startswith(str(folder) + os.sep):
                    del sys.modules[name]


# -- One script -----------------------------------------------------------------------------------
def run_script(root: str, script: str, figure: str, out: str, limit: float, cap: int | None):
    """Run one script in this process. Return an error line, or None."""
    os.environ[FIG_OUT_ENV] = out
    _use_project(root, script)
    plt.close("all")
    matplotlib.rcdefaults()
    timer = _Timer()
    error = None
    timer.arm(limit)
    try:
        runpy.run_path(script, run_name="__main__")
    except BaseException as exc:  # noqa: BLE001 - any failure of a user script is reported
        timer.disarm()
        if timer.fired is None:
            error = f"{_exception_where(exc, script, root)}: {_describe(exc, cap)}"
    else:
        timer.disarm()
    finally:
        timer.disarm()
        plt.close("all")
    if timer.fired is not None:  # even if the script caught it and went on
        return f"{where(timer.fired, script, root, 'in')}: timed out after {limit:g} s"
    if error:
        return error
    if not (Path(out) / figure).is_file():
        rel = os.path.relpath(script, root)
        return f"{rel}:1: wrote no file: expected {figure} (call figstyle.save(fig, FIGURE))"
    return None


def _describe(exc: BaseException, cap: int | None) -> str:
    """``Type: first line of the message``."""
    detail = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, MemoryError) and not detail and cap:
        detail = f"out of memory (a script may use up to {cap / 2**30:.1f} GB)"
    return f"{type(exc).__name__}: {detail}".rstrip(": ")[:2000]


def main(root: str, script: str, figure: str, out: str, limit: float, grace: float, conn, trace):
    """The worker process: run ``script``, send its error line (or None) on ``conn``, exit."""
    try:
        os.setpgid(0, 0)  # its own group: killed together with whatever the script starts
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    _watch(conn)
    cap = _limit_memory()
    with open(trace, "w") as trace_file:
        faulthandler.enable(trace_file)
        # Stuck outside Python past the grace period: write the stack and exit(1).
        faulthandler.dump_traceback_later(limit + grace, exit=True, file=trace_file)
        error = run_script(root, script, figure, out, limit, cap)
        faulthandler.cancel_dump_traceback_later()
        faulthandler.disable()
    sys.stdout.flush()  # before reporting: once the runner has the report, it may end this
    sys.stderr.flush()
    conn.send(("done", error))
    os._exit(0)  # not the interpreter's shutdown: it would wait for threads a script left running
