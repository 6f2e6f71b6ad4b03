"""The figure runner under runaway and hostile input: time limits, crashes, corrupt state, races.

Every failure is one ``file:line: message`` (or ``file: message`` where no line exists), the
other scripts still produce their figures, and no process outlives the run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from deckfixtures import default_signals
from figfixtures import gone, no_traceback, run_figs, tiny_project, wait_for_file, write_script

from lecturedeck.commands import figs

PATIENT = "TIMEOUT = 120"  # for the well-behaved scripts of a test that lowers the default


def figure_runner(root: Path, *extra: str) -> subprocess.Popen[str]:
    """``make figs`` started in its own session, so that Ctrl-C can be sent as a terminal does."""
    return subprocess.Popen(
        [sys.executable, "-m", "lecturedeck.commands.figs", "--root", str(root), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=default_signals,
    )


# -- Time limits ----------------------------------------------------------------------------------
def test_an_endless_script_fails_at_its_line_and_the_others_finish(tmp_path):
    root = tiny_project(tmp_path / "project", names=())
    for name in ("one", "two"):
        write_script(root, name, constants=PATIENT)
    endless = write_script(root, "endless", "while True: pass")
    # Its own TIMEOUT wins over --timeout, whether lower or higher.
    own = write_script(root, "own", "while True: pass", constants="TIMEOUT = 1.5")
    write_script(root, "patient", "import time; time.sleep(2)", constants=PATIENT)
    result = run_figs(root, "--timeout", "1", "--jobs", "2")
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert f"scripts/plot_endless.py:{endless}: timed out after 1 s" in errors, result.stderr
    assert f"scripts/plot_own.py:{own}: timed out after 1.5 s" in errors, result.stderr
    assert "figures: 2 script(s) failed; previous figures kept" in errors
    no_traceback(result.stderr)
    made = {p.name for p in (root / "figs" / "Tiny").iterdir()}
    assert made == {"one.png", "two.png", "patient.png"}
    stamps = json.loads((root / "figs" / ".stamps.json").read_text())
    assert set(stamps) == {"plot_one.py", "plot_two.py", "plot_patient.py"}


def test_a_script_that_catches_the_timeout_still_fails_at_its_line(tmp_path):
    root = tiny_project(tmp_path / "project", names=())
    line = write_script(
        root,
        "catcher",
        "try:\n    while True: pass\nexcept BaseException:\n    pass",
        constants="TIMEOUT = 1",
    )
    result = run_figs(root)
    assert result.returncode == 1
    assert f"scripts/plot_catcher.py:{line + 1}: timed out after 1 s" in result.stderr.splitlines()
    assert not (root / "figs" / "Tiny" / "catcher.png").exists()


DEAF = {
    # Python code that ignores the timer signal.
    "ignores-timer": (
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True: pass"
    ),
    # Stuck in C: pause() returns only for a signal to this thread, which blocks the timer's.
    "stuck-in-c": (
        "import ctypes, signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "ctypes.CDLL(None).pause()"
    ),
}


@pytest.mark.parametrize("body", DEAF.values(), ids=DEAF.keys())
def test_a_script_deaf_to_the_timer_is_killed_after_a_grace_period(tmp_path, body):
    root = tiny_project(tmp_path / "project", names=("one",))
    line = write_script(root, "deaf", body, constants="TIMEOUT = 1")
    result = run_figs(root)
    assert result.returncode == 1
    expected = (
        f"scripts/plot_deaf.py:{line + 2}: timed out after 1 s and did not stop; "
        f"killed {figs.grace(1):g} s later"
    )
    assert expected in result.stderr.splitlines(), result.stderr
    no_traceback(result.stderr)
    assert (root / "figs" / "Tiny" / "one.png").is_file()


def test_a_bad_timeout_is_one_line(tmp_path):
    root = tiny_project(tmp_path / "project", names=())
    write_script(root, "soon", constants='TIMEOUT = "soon"')
    line = (root / "scripts" / "plot_soon.py").read_text().splitlines().index('TIMEOUT = "soon"')
    result = run_figs(root)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"scripts/plot_soon.py:{line + 1}: TIMEOUT must be a positive number of seconds, "
        "e.g. TIMEOUT = 120, got 'soon'"
    ]
    result = run_figs(root, "--timeout", "0")
    assert result.returncode == 2 and "--timeout: must be a positive number" in result.stderr


# -- Crashes --------------------------------------------------------------------------------------
def test_crashing_scripts_fail_alone(tmp_path):
    root = tiny_project(tmp_path / "project", names=("one",))
    write_script(root, "exit", "import os; os._exit(3)")
    segv = write_script(root, "segv", "import ctypes; ctypes.string_at(0)")
    memory = write_script(root, "memory", "keep = [bytes(2**30) for _ in range(2**20)]")
    write_script(root, "killed", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    result = run_figs(root)
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert (
        "scripts/plot_exit.py: ended its process (exit status 3) before the script finished; "
        "os._exit()?"
    ) in errors
    assert f"scripts/plot_segv.py:{segv}: crashed: SIGSEGV (Segmentation fault)" in errors
    assert any(
        e.startswith(f"scripts/plot_memory.py:{memory}: MemoryError: out of memory") for e in errors
    ), result.stderr
    assert (
        "scripts/plot_killed.py: killed by SIGKILL (out of memory, or killed from outside)"
    ) in errors
    assert "figures: 4 script(s) failed; previous figures kept" in errors
    assert len(errors) == 5, result.stderr
    no_traceback(result.stderr)
    assert [p.name for p in (root / "figs" / "Tiny").iterdir()] == ["one.png"]


# -- No process outlives the run ------------------------------------------------------------------
SPAWNER = (
    "import subprocess, os\n"
    "child = subprocess.Popen(['sleep', '600'])\n"
    "open({pids!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
    "while True: pass"
)


@pytest.mark.parametrize("deaf", [False, True], ids=["timer", "deaf-to-timer"])
def test_nothing_a_timed_out_script_started_survives(tmp_path, deaf):
    root = tiny_project(tmp_path / "project", names=())
    pids = tmp_path / "pids"
    body = SPAWNER.format(pids=str(pids))
    if deaf:
        body = "import signal; signal.signal(signal.SIGALRM, signal.SIG_IGN)\n" + body
    write_script(root, "spawner", body, constants="TIMEOUT = 1")
    result = run_figs(root)
    assert result.returncode == 1 and "timed out after 1 s" in result.stderr
    worker, child = map(int, pids.read_text().split())
    assert gone(worker) and gone(child)


def test_ctrl_c_names_the_running_scripts_and_ends_them(tmp_path):
    root = tiny_project(tmp_path / "project", names=("one",))
    pid_file = tmp_path / "pid"
    write_script(
        root,
        "waiting",
        f"import os; open({str(pid_file)!r}, 'w').write(str(os.getpid()))\nwhile True: pass",
    )
    runner = figure_runner(root, "--jobs", "1")
    worker = int(wait_for_file(pid_file, runner))
    os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = runner.communicate(timeout=120)
    assert runner.returncode == 130
    assert stderr.splitlines() == [
        "figures: interrupted while running scripts/plot_waiting.py; "
        "their previous figures are kept"
    ]
    assert gone(worker)
    # What finished before is recorded; the interrupted script reruns next time.
    stale = {s.path.name for s in figs.stale(root, figs.discover(root))}
    assert stale == {"plot_waiting.py"}


def test_a_killed_runner_leaves_no_worker(tmp_path):
    root = tiny_project(tmp_path / "project", names=())
    pid_file = tmp_path / "pid"
    write_script(
        root,
        "waiting",
        f"import os; open({str(pid_file)!r}, 'w').write(str(os.getpid()))\nwhile True: pass",
    )
    runner = figure_runner(root)
    worker = int(wait_for_file(pid_file, runner))
    runner.kill()
    runner.communicate()
    assert gone(worker)


# -- Corrupt state --------------------------------------------------------------------------------
CORRUPT = {
    "list": b"[]",
    "number-entry": b'{"plot_one.py": 3}',
    "string": b'"stamps"',
    "null": b"null",
    "wrong-field-type": b'{"plot_one.py": {"inputs": 1, "figure": "x"}}',
    "missing-field": b'{"plot_one.py": {"inputs": "x"}}',
    "path-outside-figs": b'{"plot_one.py": {"inputs": "x", "figure": "y", "path": "../x.png"}}',
    "truncated": b'{"plot_one.py": {"inp',
    "not-utf8": b"\xff\xfe\x00\x01",
    "empty": b"",
}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A small project whose figures were made once."""
    root = tiny_project(tmp_path_factory.mktemp("made") / "project")
    result = run_figs(root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_stamps_are_recognised(made, tmp_path, content):
    """Each kind of damage, read by the runner's own reader (nothing runs)."""
    figs_dir = tmp_path / "figs"
    figs_dir.mkdir()
    shutil.copyfile(made / "figs" / ".stamps.json", figs_dir / ".stamps.json")
    good, damaged = figs.read_stamps(figs_dir)
    assert good and not damaged  # the good one is read
    (figs_dir / ".stamps.json").write_bytes(content)
    assert figs.read_stamps(figs_dir) == ({}, True)


@pytest.mark.parametrize("content", [CORRUPT["truncated"], CORRUPT["path-outside-figs"]])
def test_corrupt_stamps_are_discarded_in_one_line(made, tmp_path, content):
    root = tmp_path / "project"
    subprocess.run(["cp", "-a", str(made), str(root)], check=True)
    stamps = root / "figs" / ".stamps.json"
    stamps.write_bytes(content)
    listed = run_figs(root, "--list-stale")
    assert listed.returncode == 0 and listed.stderr == ""
    assert listed.stdout.split() == ["scripts/plot_one.py", "scripts/plot_two.py"]
    result = run_figs(root)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "figures: figs/.stamps.json is not valid; discarded, every figure reruns"
    ]
    assert figs.read_stamps(root / "figs") == (figs.read_stamps(made / "figs")[0], False)
    again = run_figs(root)
    assert again.stderr == "" and "2 up to date" in again.stdout


def test_an_unwritable_stamps_file_is_one_line(made, tmp_path):
    root = tmp_path / "project"
    subprocess.run(["cp", "-a", str(made), str(root)], check=True)
    stamps = root / "figs" / ".stamps.json"
    stamps.unlink()
    stamps.mkdir()
    result = run_figs(root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "figs/.stamps.json: cannot write it: Is a directory"
    no_traceback(result.stderr)


# -- Two runs at once -----------------------------------------------------------------------------
def test_two_runs_at_once_never_collide(tmp_path):
    """The second run waits for the first, whose script is held until the second is waiting."""
    root = tiny_project(tmp_path / "project", names=("one",))
    started, go = tmp_path / "started", tmp_path / "go"
    held = (
        "import time\n"
        f"open({str(started)!r}, 'w').write('yes')\n"
        f"while not __import__('os').path.exists({str(go)!r}): time.sleep(0.02)"
    )
    write_script(root, "held", held, constants="TIMEOUT = 60")
    first = figure_runner(root)
    wait_for_file(started, first)
    second = figure_runner(root, "--force")
    waiting = second.stderr.readline()
    go.write_text("go")
    assert waiting == "figures: another run is updating figs/; waiting for it\n", waiting
    for run in (first, second):
        stdout, stderr = run.communicate(timeout=300)
        assert (run.returncode, stderr) == (0, ""), stderr
        assert "figures: ran 2 script(s)" in stdout  # the second, forced, after the first
    stamps, invalid = figs.read_stamps(root / "figs")
    assert not invalid and set(stamps) == {"plot_one.py", "plot_held.py"}
    assert figs.stale(root, figs.discover(root)) == []
    leftovers = [p.name for p in (root / "figs").rglob("*") if p.name.endswith(".part")]
    assert leftovers == []
