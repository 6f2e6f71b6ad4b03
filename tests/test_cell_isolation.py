"""Build-time cells and quiz keys run isolated, with limits: each test is the trial that found
the hole (a cell that hangs, reads input, exits, patches lecture_code, prints or allocates
without end, or a build stopped with Ctrl-C)."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from deckfixtures import build_cmd, default_signals, run_build

from lecture_code import sigmoid
from lecturedeck.sphinxext import cellworker

pytestmark = pytest.mark.build

HEAD = "Deck\n====\n\nSlide\n-----\n\n"  # a cell's directive is on line 7


def cell(code: str, options: str = "") -> str:
    body = "\n".join("   " + line for line in code.splitlines())
    return f".. live-code::\n{options}\n{body}\n"


def tagged_env() -> tuple[dict[str, str], str]:
    """An environment whose processes (the build and its workers) can be found afterwards."""
    tag = uuid.uuid4().hex
    return {**os.environ, "LECTUREDECK_TEST_TAG": tag}, tag


def processes_with(tag: str) -> list[int]:
    """The processes whose environment carries ``tag``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"LECTUREDECK_TEST_TAG={tag}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def errors(result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ": error: " in ln]


def test_a_hanging_cell_times_out_at_the_line_it_was_running(project):
    code = "x = 1\nwhile True: x += 1"
    (project / "slides" / "deck.rst").write_text(HEAD + cell(code, "   :timeout: 1\n"))
    env, tag = tagged_env()
    result = run_build(project, env=env)
    assert result.returncode == 1
    assert errors(result) == ["slides/deck.rst:11: error: live-code: timed out after 1 s"]
    assert processes_with(tag) == []


def test_the_time_limit_comes_from_conf_py_by_default(project):
    with open(project / "conf.py", "a") as conf:
        conf.write("\nlecturedeck_cell_timeout = 1\n")
    (project / "slides" / "deck.rst").write_text(HEAD + cell("import time\ntime.sleep(30)"))
    result = run_build(project)
    assert errors(result) == ["slides/deck.rst:10: error: live-code: timed out after 1 s"]


def test_input_fails_at_once_even_with_a_terminal_attached(project):
    (project / "slides" / "deck.rst").write_text(HEAD + cell("name = input('Your name? ')"))
    main, child = pty.openpty()  # the build's standard input is a terminal, as under `make`
    try:
        result = subprocess.run(
            build_cmd(project),
            stdin=child,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.close(main)
        os.close(child)
    assert result.returncode == 1
    assert errors(result) == [
        "slides/deck.rst:9: error: live-code: EOFError: EOF when reading a line"
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import os\nos._exit(0)", "live-code: ended the worker process (exit status 0)"),
        ("import os\nos.abort()", "live-code: crashed the worker process (SIGABRT)"),
        ("import sys\nsys.exit(3)", "live-code: SystemExit: 3"),
    ],
    ids=["os._exit", "abort", "sys.exit"],
)
def test_a_cell_that_ends_its_process_fails_the_build_with_what_happened(project, code, message):
    (project / "slides" / "deck.rst").write_text(HEAD + cell(code) + "\n" + cell("print('after')"))
    result = run_build(project)
    assert result.returncode == 1
    assert any(message in ln for ln in errors(result)), result.stderr
    assert "build FAILED" in result.stderr
    # The next cell gets a fresh worker and runs.
    assert len(errors(result)) == 1


def test_a_cell_cannot_change_another_decks_quiz_key(project):
    patch = cell("import lecture_code\nlecture_code.sigmoid = lambda x: 1\nlecture_code.sigmoid(0)")
    quiz = ".. quiz:: sigma(0) is\n   :answer: sigmoid(0.0)\n\n   * 0\n   * 0.5\n   * 1\n"
    # Decks are read in name order: the patching deck before and after the quiz.
    (project / "slides" / "a_patch.rst").write_text(HEAD + patch)
    (project / "slides" / "b_quiz.rst").write_text(HEAD + quiz)
    (project / "slides" / "c_patch.rst").write_text(HEAD + patch)
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    page = project / "_build" / "slides" / "b_quiz.html"
    options = BeautifulSoup(page.read_text(), "html.parser").select(".quiz-option")
    right = [o.get_text() for o in options if o["data-correct"] == "1"]
    assert right == [str(sigmoid(0.0))]
    patched = (project / "_build" / "slides" / "a_patch.html").read_text()
    assert ">1</pre>" in patched  # the patch did take effect inside its own deck


def test_long_output_is_truncated_in_the_deck_with_a_warning(project):
    lines = cellworker_display_lines() + 50
    (project / "slides" / "deck.rst").write_text(
        HEAD + cell(f"for i in range({lines}):\n    print(i)")
    )
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    warned = [ln for ln in result.stderr.splitlines() if ": warning: " in ln]
    assert warned == [
        "slides/deck.rst:7: warning: live-code: output truncated in the deck: 50 line(s) not "
        "shown (limit 200 lines or 20000 characters)"
    ]
    shown = BeautifulSoup((project / "_build/slides/deck.html").read_text(), "html.parser")
    text = shown.select_one(".live-output").get_text()
    assert text.splitlines()[0] == "0" and "199" in text and "\n200\n" not in text
    assert "output truncated: 50 more line(s) not shown" in text


def cellworker_display_lines() -> int:
    from lecturedeck.sphinxext import livecode

    return livecode.DISPLAY_LINES


def test_output_past_the_cap_stops_the_cell(project):
    (project / "slides" / "deck.rst").write_text(HEAD + cell("while True:\n    print('x' * 1000)"))
    result = run_build(project)
    assert result.returncode == 1
    assert errors(result) == [
        f"slides/deck.rst:7: error: live-code: printed more than {cellworker.OUTPUT_CAP:,} "
        "characters; stopped"
    ]


def test_a_memory_bomb_fails_at_its_line(project):
    # The limit from conf.py, and lower than the default: every block a bomb allocates is
    # zeroed page by page, and on a loaded machine touching the default 1 GiB took longer than
    # the cell's time limit.
    with open(project / "conf.py", "a") as conf:
        conf.write("\nlecturedeck_cell_memory_mb = 256\n")
    code = "blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))"
    (project / "slides" / "deck.rst").write_text(HEAD + cell(code))
    result = run_build(project)
    assert result.returncode == 1
    assert errors(result) == [
        "slides/deck.rst:11: error: live-code: MemoryError: the cell ran out of memory"
    ]


def build_with_a_running_cell(project) -> tuple[subprocess.Popen, str]:
    """Start a build whose one cell sleeps for a minute; return once the cell is running."""
    (project / "slides" / "deck.rst").write_text(
        HEAD + cell("import time\ntime.sleep(60)", "   :timeout: 120\n")
    )
    env, tag = tagged_env()
    build = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lecturedeck.commands.slides",
            "--root",
            str(project),
            "--no-figures",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + 60
    while len(processes_with(tag)) < 3 and time.monotonic() < deadline:  # build, server, worker
        time.sleep(0.1)
    time.sleep(0.5)  # the cell is running
    return build, tag


def test_ctrl_c_says_which_cell_was_running_and_leaves_no_worker(project):
    build, tag = build_with_a_running_cell(project)
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode != 0
    assert f"interrupted while running the cell at {project}/slides/deck.rst:7" in stderr
    time.sleep(0.2)
    assert processes_with(tag) == []


def test_workers_do_not_outlive_a_killed_build(project):
    build, tag = build_with_a_running_cell(project)
    assert len(processes_with(tag)) >= 2
    build.kill()
    build.communicate()
    build.wait()
    deadline = time.monotonic() + 10
    while processes_with(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(tag) == []


def test_the_worker_runs_cells_as_the_browser_does():
    worker = cellworker.Worker()
    try:
        outcome = worker.run("from lecture_code import softmax\nprint('hi')\nsoftmax([0.0, 0.0])")
        assert (outcome.ok, outcome.output) == (True, "hi\n[0.5, 0.5]\n")
        value = worker.evaluate("sigmoid(0.0) + 1", "lecture_code")
        assert (value.ok, value.value) == (True, sigmoid(0.0) + 1)
        failed = worker.run("x = 1\n1 / 0")
        assert (failed.ok, failed.error, failed.line) == (
            False,
            "ZeroDivisionError: division by zero",
            2,
        )
    finally:
        worker.close()
    assert worker.proc.poll() is not None
