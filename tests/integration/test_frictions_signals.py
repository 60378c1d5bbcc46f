"""Ctrl-C (SIGINT) and SIGTERM stop a real repair promptly at reproduce and at search:
exit 130 / 143, no test or fork-server process left, no temporary folder left, the
user's tree untouched, the run directory marked interrupted; ``--resume`` finishes it."""

import hashlib
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from patchwright.core.events import Stage
from patchwright.store.artifacts import read_events

CALC = "def inc(x):\n    return x + 2\n"
SLOW_AT_REPRODUCE = (
    "import time\nfrom calc import inc\n\n"
    "def test_inc():\n    assert inc(1) == 2\n\n"
    "def test_slow():\n    time.sleep(120)\n"
)
SLOW_AT_SEARCH = (  # no template fixes it: the search goes on, each run 2 s
    "import time\nfrom calc import inc\n\n"
    "def test_inc():\n    time.sleep(2)\n    assert inc(1) == 12345\n"
)
SLOW_AT_VALIDATE = (  # fixed at once (x + 1); the full run in RUN_DIR/validate hangs
    "import os, time\nfrom calc import inc\n\n"
    "def test_inc():\n    if os.path.basename(os.getcwd()) == 'validate':\n"
    "        time.sleep(120)\n    assert inc(1) == 2\n"
)
NO_TIMEOUTS = ("--set", "sandbox.per_test_timeout=600", "--set", "sandbox.min_test_timeout=300")
"""No per-test timeout ends a sleeping test before the signal comes."""
PROMPT = 15.0
"""Seconds from the signal to the exit (the machine may be loaded; typically ~1 s)."""


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}  # fmt: skip


def _processes_naming(text: str) -> list[str]:
    """Command lines (cut) of live processes, other than this one, that mention ``text``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
            with open(f"/proc/{entry}/stat") as fh:
                state = fh.read().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if text in cmd and state not in ("Z", "X"):
            found.append(f"{entry}: {cmd[-200:]}")
    return found


def _left_in(tmp: Path) -> list[str]:
    """What a run left in its TMPDIR, but the coverage package link every run shares
    (testing.coverage_data.fallback: a cache by design, made by finished runs too)."""
    return sorted(p.name for p in tmp.iterdir() if not p.name.startswith("patchwright-coverage-"))


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _started(run: Path, stage: str) -> bool:
    path = run / "trajectory.jsonl"
    return path.exists() and f'"name":"{stage}","phase":"start"' in path.read_text()


class Repair:
    """``patchwright repair`` in a subprocess with its own PATCHWRIGHT_HOME and TMPDIR."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        env = dict(os.environ, PATCHWRIGHT_HOME=str(tmp_path / "home"), TMPDIR=str(self.tmp))
        self.env = env
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "patchwright.cli", "repair", *args],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def stop(self, signum: int) -> tuple[int, float, str]:
        sent = time.monotonic()
        self.proc.send_signal(signum)
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        return self.proc.returncode, time.monotonic() - sent, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.mark.parametrize(
    ("signum", "code", "stage", "test_text"),
    [
        (signal.SIGINT, 130, "reproduce", SLOW_AT_REPRODUCE),
        (signal.SIGTERM, 143, "reproduce", SLOW_AT_REPRODUCE),
        (signal.SIGINT, 130, "search", SLOW_AT_SEARCH),
        (signal.SIGTERM, 143, "search", SLOW_AT_SEARCH),
        (signal.SIGINT, 130, "validate", SLOW_AT_VALIDATE),
    ],
    ids=[
        "sigint-reproduce",
        "sigterm-reproduce",
        "sigint-search",
        "sigterm-search",
        "sigint-validate",
    ],
)
def test_a_signal_stops_the_run_and_leaves_nothing(
    make_repo, tmp_path, signum, code, stage, test_text
):
    proj = make_repo({"calc.py": CALC, "test_calc.py": test_text})
    before = tree_digest(proj)
    run = tmp_path / "run"
    repair = Repair(tmp_path, str(proj), "--out", str(run), "--max-evals", "3", *NO_TIMEOUTS)
    try:
        _wait_for(lambda: _started(run, stage), 120, f"the {stage} stage")
        # a test process (reproduce: plain pytest; search: the fork server) is running
        _wait_for(lambda: _processes_naming(str(run)), 60, "a test process")
        time.sleep(0.5)
        rc, took, err = repair.stop(signum)
    finally:
        repair.kill()
    assert rc == code, err
    assert took < PROMPT, f"{took:.1f}s to stop"
    assert f"interrupted by {signal.Signals(signum).name} in {stage}" in err
    assert "Traceback" not in err
    time.sleep(0.3)
    assert _processes_naming(str(tmp_path)) == []
    assert _left_in(repair.tmp) == []
    assert not (run / "validate").exists()
    assert tree_digest(proj) == before
    marker = json.loads((run / "interrupted.json").read_text())
    assert marker["signal"] == signal.Signals(signum).name and marker["stage"] == stage
    assert not (run / "result.json").exists()
    _, events = read_events(run / "trajectory.jsonl")
    ends = [e for e in events if isinstance(e, Stage) and e.phase == "end"]
    assert ends[-1].name == stage and ends[-1].status == "interrupted"


def test_an_interrupted_run_resumes_to_its_end(make_repo, tmp_path):
    proj = make_repo({"calc.py": CALC, "test_calc.py": SLOW_AT_SEARCH})
    run = tmp_path / "run"
    repair = Repair(tmp_path, str(proj), "--out", str(run), "--max-evals", "2")
    try:
        _wait_for(lambda: _started(run, "search"), 120, "the search stage")
        rc, _, err = repair.stop(signal.SIGINT)
    finally:
        repair.kill()
    assert rc == 130, err
    assert f"--resume {run}" in err
    shown = subprocess.run([sys.executable, "-m", "patchwright.cli", "inspect", str(run)],
                           env=repair.env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "status: interrupted by SIGINT in search" in shown.stdout, shown.stdout
    done = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "repair", "--resume", str(run), "-q"],
        cwd=tmp_path, env=repair.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "budget_exhausted" and "max_evals" in result["message"]
    assert not (run / "interrupted.json").exists()
    _, events = read_events(run / "trajectory.jsonl")
    starts = [e.name for e in events if isinstance(e, Stage) and e.phase == "start"]
    assert starts.count("reproduce") == 1  # finished before the signal: not run again
    assert _processes_naming(str(tmp_path)) == []


def test_the_handlers_are_the_runs_only(tmp_path):
    """In-process: inside stoppable() SIGTERM raises Interrupted (exit 143) and marks the
    run directory; outside, the handlers are the ones there were before."""
    from patchwright.app.signals import exit_code, stoppable
    from patchwright.pipeline.deadline import Interrupted

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    (tmp_path / "interrupted.json").write_text("{}")  # an earlier stop: cleared on entry
    with pytest.raises(Interrupted) as stopped, stoppable(tmp_path):
        assert not (tmp_path / "interrupted.json").exists()
        assert signal.getsignal(signal.SIGTERM) not in before
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # never reached: the handler raises at once
    assert exit_code(stopped.value) == 143 and stopped.value.signame == "SIGTERM"
    again = pickle.loads(pickle.dumps(stopped.value))  # a batch worker sends it back
    assert (again.signame, again.run_dir, again.exit_code) == ("SIGTERM", str(tmp_path), 143)
    assert json.loads((tmp_path / "interrupted.json").read_text())["signal"] == "SIGTERM"
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    with stoppable(tmp_path):
        pass
    assert not (tmp_path / "interrupted.json").exists()


def test_resume_takes_a_new_time_budget(make_repo, tmp_path):
    """Stopped at reproduce on a test that sleeps 120 s, resumed with --max-seconds 4: the
    rest of the run is bounded by the new budget and ends budget_exhausted."""
    proj = make_repo({"calc.py": CALC, "test_calc.py": SLOW_AT_REPRODUCE})
    run = tmp_path / "run"
    repair = Repair(tmp_path, str(proj), "--out", str(run), "--set", "sandbox.per_test_timeout=600")
    try:
        _wait_for(lambda: _started(run, "reproduce"), 120, "the reproduce stage")
        rc, _, err = repair.stop(signal.SIGINT)
    finally:
        repair.kill()
    assert rc == 130, err
    args = ["repair", "--resume", str(run), "--max-seconds", "4", "-q"]
    done = subprocess.run([sys.executable, "-m", "patchwright.cli", *args], cwd=tmp_path,
                          env=repair.env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1, done.stderr
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "budget_exhausted", result
    assert "timed out in reproduce" in result["message"] and "--max-seconds 4" in result["message"]
    assert _processes_naming(str(tmp_path)) == []
