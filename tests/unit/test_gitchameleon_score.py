"""Scoring answers with real pytest and python runs in the interpreter running the tests
(an :class:`Env` without a venv): verdicts, counts from the JUnit report, timeouts."""

import os
import platform
import sys
import time
from pathlib import Path

from patchwright.benchmarks.gitchameleon_data import Problem
from patchwright.benchmarks.gitchameleon_score import run_hidden, run_visible
from patchwright.envs import Env

HOST = Env(Path(sys.executable), "host", Path(sys.prefix), platform.python_version())

HIDDEN = """import sample_42
import pytest


def test_add():
    assert sample_42.add(2, 3) == 5


@pytest.mark.parametrize("a", [0, 1])
def test_identity(a):
    assert sample_42.add(a, 0) == a
"""


def _problem() -> Problem:
    return Problem(
        id="42",
        library="stdlib",
        version="0",
        python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
        problem="add two numbers",
        starting_code="def add(a, b):\n",
        test="assert add(1, 1) == 2\n",
        answer="def add(a, b):\n    return a + b\n",
        hidden_test=HIDDEN,
    )


def test_reference_answer_passes():
    p = _problem()
    score = run_hidden(HOST, p, p.answer, timeout=120)
    assert score.passed and (score.tests_passed, score.tests_failed) == (3, 0)
    assert score.returncode == 0 and not score.error
    visible = run_visible(HOST, p, p.answer, timeout=60)
    assert visible.passed and visible.tests_passed == 1


def test_wrong_answer_fails_with_counts():
    p = _problem()
    score = run_hidden(HOST, p, "def add(a, b):\n    return a - b\n", timeout=120)
    assert not score.passed
    assert (score.tests_passed, score.tests_failed) == (2, 1)
    assert score.failing == ("test_sample_42.py::test_add",)
    visible = run_visible(HOST, p, p.starting_code + "    pass\n", timeout=60)
    assert not visible.passed and visible.error == "AssertionError"


def test_import_error_counts_as_failed():
    p = _problem()
    score = run_hidden(HOST, p, "def add(a, b)\n    return a + b\n", timeout=120)
    assert not score.passed and score.tests_passed == 0 and score.tests_failed == 1
    assert "SyntaxError" in score.error
    missing = run_hidden(HOST, p, "import no_such_module_here\n", timeout=120)
    assert not missing.passed and "no_such_module_here" in missing.error


def test_timeout_kills_the_whole_process_group(tmp_path):
    p = _problem()
    pid_file = tmp_path / "child.pid"
    answer = (
        "import subprocess, time\n"
        f"child = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(300)\n"
        "def add(a, b):\n    return a + b\n"
    )
    started = time.monotonic()
    # long enough for pytest to start and import the answer on a loaded CI machine
    score = run_hidden(HOST, p, answer, timeout=20)
    assert time.monotonic() - started < 90
    assert score.timed_out and not score.passed and score.returncode is None
    child = int(pid_file.read_text())
    assert not _alive(child)
    visible = run_visible(HOST, p, "while True:\n    pass\n", timeout=2)
    assert visible.timed_out and not visible.passed and visible.error == "timed out"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_outer_pytest_settings_do_not_leak(monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", "--no-such-option")
    p = _problem()
    assert run_hidden(HOST, p, p.answer, timeout=120).passed
    assert os.environ["PYTEST_ADDOPTS"] == "--no-such-option"
