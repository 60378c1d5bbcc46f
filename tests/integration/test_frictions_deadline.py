"""``--max-seconds S`` bounds the whole run, reproduce included: a test that sleeps far
longer is cut at the deadline, the run ends ``budget_exhausted`` (exit 1) saying where,
and the trajectory records it. Real git, real pytest runs."""

import json
import os
import time

import pytest

from patchwright.core.events import BudgetEvent, Evaluation, Result, Stage
from patchwright.pipeline.deadline import Deadline, DeadlineExceeded
from patchwright.store.artifacts import read_events
from patchwright.testing.testbed import local_bed

CALC = "def inc(x):\n    return x + 2\n"
SLEEPS = "import time\nfrom calc import inc\n\ndef test_slow():\n    time.sleep(300)\n"
DEC = "\n\ndef dec(x):\n    return x - 1\n"
HANGS_IF_FIXED = (  # no template makes dec(5) 12345; a changed inc hangs the test
    "import time\nfrom calc import dec, inc\n\n"
    "def test_f():\n    if inc(1) != 3:\n        time.sleep(300)\n    assert dec(5) == 12345\n"
)
SLACK = 4.0
"""Seconds a run may end after its deadline (the last command's interrupt grace, finalize)."""


def _live_naming(text: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if text.encode() in fh.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def test_max_seconds_cuts_a_sleeping_test_at_reproduce(cli, make_repo, tmp_path):
    proj = make_repo({"calc.py": CALC, "test_calc.py": SLEEPS})
    run = tmp_path / "run"
    started = time.monotonic()
    res = cli("repair", str(proj), "--out", str(run), "--max-seconds", "6",
              "--set", "sandbox.per_test_timeout=600", timeout=120)  # fmt: skip
    took = time.monotonic() - started
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert "no plausible patch (budget_exhausted): timed out in reproduce" in res.stderr
    assert "--max-seconds 6" in res.stderr
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "budget_exhausted"
    assert result["seconds"] <= 6 + SLACK, result
    assert took < 6 + SLACK + 20  # + the interpreter's start-up on a loaded machine
    _, events = read_events(run / "trajectory.jsonl")
    ends = {e.name: e for e in events if isinstance(e, Stage) and e.phase == "end"}
    assert ends["reproduce"].status == "budget_exhausted"
    assert "search" not in ends
    assert any(isinstance(e, BudgetEvent) and e.name == "max_seconds" for e in events)
    assert [e.status for e in events if isinstance(e, Result)] == ["budget_exhausted"]
    assert _live_naming(str(run)) == []


def test_max_seconds_cuts_a_candidate_that_hangs_in_search(cli, make_repo, tmp_path):
    """The base fails at once; a candidate that changes ``inc`` makes the test hang: the
    search is cut inside that evaluation, at the deadline, and says how many it made."""
    proj = make_repo({"calc.py": CALC + DEC, "test_calc.py": HANGS_IF_FIXED})
    run = tmp_path / "run"
    res = cli("repair", str(proj), "--out", str(run), "--max-seconds", "25",
              "--set", "runners.pytest.plugins=none", "--set", "sandbox.per_test_timeout=600",
              timeout=120)  # fmt: skip
    assert res.returncode == 1, res.stderr
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "budget_exhausted", result
    assert "timed out in search" in result["message"], result
    assert result["seconds"] <= 25 + SLACK, result
    _, events = read_events(run / "trajectory.jsonl")
    made = [e for e in events if isinstance(e, Evaluation) and not e.cached]
    assert result["evaluations"] == len(made)
    assert _live_naming(str(run)) == []


def test_max_seconds_cuts_validate(cli, make_repo, tmp_path):
    """The search fixes it at once; the full suite in the fresh validate copy hangs: cut at
    the deadline, no unvalidated patch printed, the copy removed."""
    test = ("import os, time\nfrom calc import inc\n\ndef test_inc():\n"
            "    if os.path.basename(os.getcwd()) == 'validate':\n        time.sleep(300)\n"
            "    assert inc(1) == 2\n")  # fmt: skip
    proj = make_repo({"calc.py": CALC, "test_calc.py": test})
    run = tmp_path / "run"
    res = cli("repair", str(proj), "--out", str(run), "--max-seconds", "40",
              "--set", "runners.pytest.plugins=none", "--set", "sandbox.per_test_timeout=600",
              "--set", "sandbox.min_test_timeout=600", timeout=150)  # fmt: skip
    assert res.returncode == 1, res.stderr
    assert res.stdout == ""
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "budget_exhausted" and "timed out in validate" in result["message"]
    assert result["seconds"] <= 40 + SLACK, result
    assert not (run / "validate").exists() and not (run / "patch.diff").exists()
    assert _live_naming(str(run)) == []


def test_each_test_command_gets_no_more_than_the_time_left(make_repo):
    proj = make_repo({"calc.py": CALC, "test_calc.py": SLEEPS})
    deadline = Deadline.after(3)
    # a plain pytest process per run (a fork server's one-time start-up, 1-2 s, comes on
    # top of the first run's wall limit)
    with local_bed(proj, cgroups=False, fork_server=False) as plain:
        bed = deadline.bound(plain)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match=r"--max-seconds 3"):
            bed.run_tests(["test_calc.py::test_slow"], _limits(wall=600, per_test=600))
        assert time.monotonic() - started < 3 + SLACK
        with pytest.raises(DeadlineExceeded):  # none left: not even started
            bed.collect(_limits(wall=600, per_test=600))
    cut = Deadline.after(5).limits(_limits(wall=600, per_test=600))
    assert cut.wall_timeout <= 5 and cut.per_test_timeout <= 5
    assert Deadline.after(None).bound(plain) is plain  # no bound: the bed itself


def _limits(wall: float, per_test: float):
    from patchwright.core.protocols import RunLimits

    return RunLimits(per_test_timeout=per_test, wall_timeout=wall)


@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf", "ten"])
def test_a_bad_max_seconds_is_one_line_and_exit_2(cli, make_repo, value):
    proj = make_repo({"calc.py": CALC, "test_calc.py": SLEEPS})
    res = cli("repair", str(proj), f"--max-seconds={value}", timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"patchwright: error: argument --max-seconds: not a positive number of seconds: '{value}'"
    ]
    assert Deadline.after(-5).expired() and not Deadline.after(float("nan")).expired()
