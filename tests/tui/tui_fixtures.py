"""Run directories and helpers for the TUI tests, written by the real code: the trajectory by
TrajectoryWriter from today's event classes, patches by core.diff, the tree by store's
write_tree, the result by RunDir (fixed times and hashes, so the screens are the same on
every machine). The live tests run real repairs of examples/demo instead."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from patchwright.core.diff import make_patch
from patchwright.core.domain import (
    Location,
    Node,
    RepairSpec,
    RunResult,
    Task,
    TestOutcome,
    TestResult,
    TestStatus,
)
from patchwright.core.events import (
    CandidateEvent,
    Evaluation,
    Expansion,
    ModelCall,
    Result,
    Rethink,
    Selection,
    Stage,
    TaskInfo,
    ToolCall,
    TrajectoryHeader,
)
from patchwright.store.artifacts import RunDir, TrajectoryWriter, write_json
from patchwright.store.tree_file import write_tree

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
T0 = 1_764_000_000.0
SIZE = (160, 45)

BASE = (DEMO / "stats.py").read_text()
FAILING = ["tests/test_stats.py::test_moving_average_pairs",
           "tests/test_stats.py::test_moving_average_whole_window"]  # fmt: skip
PASSING = ["tests/test_stats.py::test_mean", "tests/test_stats.py::test_mean_empty",
           "tests/test_stats.py::test_moving_average_window_too_large",
           "tests/test_stats.py::test_clamp"]  # fmt: skip
CANDIDATES = [  # (template, thought, old, new, fixes)
    ("op.compare", "stats.py:12 in moving_average: replace '<=' with '<' in 'window <= 0'",
     "if window <= 0:", "if window < 0:", False),
    ("op.binop", "stats.py:15 in moving_average: replace '-' with '+' in 'len(values) - window'",
     "range(len(values) - window)", "range(len(values) + window)", False),
    ("off1.range", "stats.py:15 in moving_average: replace 'len(values) - window' with "
     "'len(values) - window + 1'", "range(len(values) - window)",
     "range(len(values) - window + 1)", True),
]  # fmt: skip


def _result(fixes: bool) -> TestResult:
    tests = {t: TestOutcome(status=TestStatus.PASS, duration=0.01) for t in PASSING}
    for t in FAILING:
        tests[t] = (TestOutcome(status=TestStatus.PASS, duration=0.01) if fixes else
                    TestOutcome(status=TestStatus.FAIL, message="assert [1.5, 2.5] == [1.5, 2.5, 3.5]"))  # fmt: skip
    return TestResult(tests=tests, duration=0.4)


def write_run(run_dir: Path, upto: str = "finished") -> Path:
    """A recorded LLM-free run of examples/demo: ``finished`` (plausible, approved),
    ``waiting`` (minimized, the approval question pending), ``killed`` (SIGINT in search
    after two evaluations)."""
    run = RunDir(run_dir)
    task = Task(id="demo", repo=str(run.path / "workspace"), spec=RepairSpec())
    header = TrajectoryHeader(task=task, t=T0, patchwright="0.1.0",
                              config={"search": {"max_evals": 50, "max_seconds": 120.0},
                                      "budget": {"max_tokens": 20000, "max_dollars": 0.05}})  # fmt: skip
    clock = iter(T0 + 0.5 * i for i in range(1, 1000))
    nodes = [Node(id=0, thought="base commit", visits=0, expanded=True)]
    with TrajectoryWriter(run.trajectory, header) as w:
        def rec(ev):
            ev.t = next(clock)
            w.record(ev)

        rec(Stage(name="prepare"))
        rec(Stage(name="prepare", phase="end", seconds=0.1))
        rec(TaskInfo(task_id="demo", base_commit="0123456789abcdef0123456789abcdef01234567"))
        rec(Stage(name="reproduce"))
        rec(TaskInfo(task_id="demo", failing=2, passing=4, failing_tests=FAILING,
                     passing_tests=PASSING))  # fmt: skip
        rec(Stage(name="reproduce", phase="end", seconds=2.0))
        rec(Stage(name="localize"))
        rec(ToolCall(tool="sbfl", locations=[Location(path="stats.py", line=15, end_line=15,
                                                      symbol="moving_average", score=0.71)]))  # fmt: skip
        rec(Stage(name="localize", phase="end", seconds=0.1))
        rec(Stage(name="search", detail="strategy=mcts"))
        rec(Selection(node=0, visits=0, reward=0.1))
        rec(Expansion(node=0, candidates=3))
        rec(ModelCall(model="scripted", messages=[], response="(thought)", prompt_tokens=812,
                      completion_tokens=64, cost=0.0009, latency=0.3))  # fmt: skip
        for i, (template, thought, old, new, fixes) in enumerate(CANDIDATES, 1):
            if upto == "killed" and i == 3:
                break
            patch = make_patch({"stats.py": BASE}, {"stats.py": BASE.replace(old, new)})
            result = _result(fixes)
            rec(CandidateEvent(node=i, parent=0, template=template, thought=thought,
                               patch_hash=patch.hash, files=patch.files))  # fmt: skip
            reward = 1.0 if fixes else 0.1
            rec(Evaluation(node=i, parent=0, template=template, thought=thought,
                           patch_hash=patch.hash, patch=patch, reward=reward, plausible=fixes,
                           result=result, evaluation=i))  # fmt: skip
            nodes[0].visits += 1
            nodes.append(Node(id=i, parent=0, depth=1, thought=thought, patch=patch,
                              template=template, result=result, reward=reward, visits=1,
                              plausible=fixes, terminal=fixes))  # fmt: skip
            if not fixes:
                fb = f"{FAILING[0]} still fails: assert [1.5, 2.5] == [1.5, 2.5, 3.5]"
                nodes[0].feedback.append(fb)
                nodes[0].thought = f"base commit\nLessons:\n- {thought}: {fb}"
                rec(Rethink(node=0, feedback=fb, thought=nodes[0].thought))
        write_tree(run.tree_path, nodes)
        if upto == "killed":
            rec(Stage(name="search", phase="end", status="interrupted", detail="SIGINT"))
            write_json(run.path / "interrupted.json",
                       {"version": 1, "signal": "SIGINT", "stage": "search", "t": T0 + 9})  # fmt: skip
            return run.path
        rec(ModelCall(model="scripted", messages=[], response="(value)", prompt_tokens=640,
                      completion_tokens=12, cost=0.0006, latency=0.2))  # fmt: skip
        rec(Stage(name="search", phase="end", seconds=1.5, status="plausible"))
        rec(Stage(name="validate"))
        rec(ToolCall(tool="validate", ok=True, seconds=1.2))
        rec(Stage(name="validate", phase="end", seconds=1.3))
        rec(Stage(name="minimize"))
        rec(Stage(name="minimize", phase="end", seconds=0.0))
        if upto == "waiting":
            return run.path
        rec(Stage(name="approve", phase="end", status="approved"))
        rec(Stage(name="finalize"))
        patch = nodes[-1].patch
        assert patch is not None
        run.write_patch(patch.diff)
        rec(Result(status="plausible", seconds=14.5, evaluations=3, patch_hash=patch.hash,
                   changed_lines=2, model_calls=2, tokens=1528, cost=0.0015, validated=True))  # fmt: skip
        rec(Stage(name="finalize", phase="end", seconds=0.1, status="plausible"))
    run.write_result(RunResult(task_id="demo", status="plausible", evaluations=3,
                               evaluations_to_plausible=3, seconds=14.5, patch_hash=patch.hash))  # fmt: skip
    return run.path


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t",
                           "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout  # fmt: skip


async def wait_for(pilot, check, timeout: float, what: str) -> None:
    """Let the app run until ``check()`` is true (real runs on a loaded machine: generous)."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await pilot.pause(0.25)


def cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "patchwright.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # fmt: skip


def json_lines(path: Path) -> list[dict]:
    """The complete JSON lines of a file being written (a torn last line is left out)."""
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return out
