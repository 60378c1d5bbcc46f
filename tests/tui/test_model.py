"""The TUI's plain parts (no textual): events -> view models, the follower that reads what a
run appends, the launcher's command lines and its approval answer over standard input."""

from __future__ import annotations

import sys
import threading

import pytest

from patchwright.core.events import Evaluation
from patchwright.store.artifacts import read_events
from patchwright.tui.follow import RunFollower
from patchwright.tui.launch import LaunchError, LaunchSpec, RunProcess, resume_argv
from patchwright.tui.model import RunView


def _view(run_dir) -> RunView:
    follower = RunFollower(run_dir)
    update = follower.poll()
    view = RunView(update.header)
    view.apply_all(update.events)
    if update.tree is not None:
        view.load_tree(update.tree)
    return view


def test_a_finished_run_folds_into_its_tree_gauges_and_log(recorded):
    view = _view(recorded["finished"])
    assert [r.node.id for r in view.rows()] == [0, 1, 2, 3]
    assert [n.id for n in view.plausible] == [3]
    assert view.nodes[3].status == "plausible" and view.nodes[1].status == "failed"
    assert view.best().id == 3
    assert view.nodes[3].diff == (recorded["finished"] / "patch.diff").read_text()
    assert ("tests/test_stats.py::test_mean", "pass", "") in view.nodes[3].tests
    assert view.nodes[0].visits == 3 and len(view.nodes[0].feedback) == 2
    assert view.approval == "approved" and view.result.status == "plausible"
    gauges = {g.name: (g.used, g.limit) for g in view.gauges()}
    assert gauges["evaluations"] == (3, 50) and gauges["tokens"] == (1528, 20000)
    assert gauges["dollars"][1] == 0.05 and round(gauges["dollars"][0], 4) == 0.0015
    assert len(view.calls) == 2
    assert "result: plausible" in view.log
    assert [r.node.id for r in view.rows({0})] == [0]


def test_waiting_and_killed_runs(recorded):
    waiting = _view(recorded["waiting"])
    assert waiting.awaiting_approval and waiting.status_line() == "waiting for approval"
    killed = _view(recorded["killed"])
    assert not killed.awaiting_approval and killed.result is None
    assert sorted(killed.nodes) == [0, 1, 2]


def test_the_follower_reads_only_complete_new_lines(recorded, tmp_path):
    lines = (recorded["finished"] / "trajectory.jsonl").read_bytes().splitlines(keepends=True)
    path = tmp_path / "trajectory.jsonl"
    cut = len(lines) // 2
    path.write_bytes(b"".join(lines[:cut]) + lines[cut][:15])  # a line being written
    follower = RunFollower(tmp_path, tree_interval=0.0)
    first = follower.poll()
    assert first.header is not None and len(first.events) == cut - 1
    assert first.tree is None and not first.finished
    with path.open("ab") as fh:
        fh.write(lines[cut][15:] + b"".join(lines[cut + 1:]))
    second = follower.poll()
    _, every = read_events(recorded["finished"] / "trajectory.jsonl")
    assert first.events + second.events == every
    assert not follower.poll()  # nothing new
    (tmp_path / "tree.json").write_bytes((recorded["finished"] / "tree.json").read_bytes())
    assert len(follower.poll().tree) == 4
    assert follower.poll().tree is None  # unchanged: not read again


def test_launch_command_lines(tmp_path):
    spec = LaunchSpec(path=tmp_path, run_dir=tmp_path.parent / "run", tests=["t::a"],
                      max_evals=5, model="scripted:x.json", sets=["search.max_depth=2"])  # fmt: skip
    argv = spec.argv()
    assert argv[:4] == [sys.executable, "-m", "patchwright.cli", "repair"]
    assert "--confirm" in argv and argv[argv.index("--test") + 1] == "t::a"
    assert argv[argv.index("--max-evals") + 1] == "5" and "search.max_depth=2" in argv
    migrate = LaunchSpec(path=tmp_path, run_dir=tmp_path / "r", kind="migrate", target="lib==2")
    assert migrate.argv()[3:5] == ["migrate", str(tmp_path)] and "--confirm" not in migrate.argv()
    optimize = LaunchSpec(path=tmp_path, run_dir=tmp_path / "r", kind="optimize", target="m:f")
    assert optimize.argv()[3:5] == ["optimize", str(tmp_path)]
    assert optimize.argv()[optimize.argv().index("--target") + 1] == "m:f"
    for bad in (LaunchSpec(path=tmp_path, run_dir=tmp_path, kind="migrate"),
                LaunchSpec(path=tmp_path, run_dir=tmp_path, kind="optimize", target="m"),
                LaunchSpec(path=tmp_path, run_dir=tmp_path, kind="optimise"),
                LaunchSpec(path=tmp_path / "missing", run_dir=tmp_path),
                LaunchSpec(path=tmp_path, run_dir=tmp_path, max_evals=0)):  # fmt: skip
        with pytest.raises(LaunchError):
            bad.argv()
    assert resume_argv(tmp_path)[3:] == ["repair", "--resume", str(tmp_path), "--confirm"]


def test_the_process_is_asked_and_answered_on_standard_input():
    script = ("import sys; sys.stderr.write('minimize\\ndiff --git a/x b/x\\n+new\\n'); "
              "sys.stderr.write('accept this patch? [y/N] '); sys.stderr.flush(); "
              "print('answer=' + input())")  # fmt: skip
    lines: list[str] = []
    ended = threading.Event()
    proc = RunProcess([sys.executable, "-c", script], lines.append, lambda rc: ended.set())
    assert proc.asked.wait(60)
    assert proc.asked_diff == "diff --git a/x b/x\n+new\n"
    proc.answer(True)
    assert proc.wait(60) == 0 and ended.wait(60)
    assert proc.stdout.strip() == "answer=y"
    assert lines[0] == "minimize"


def test_evaluation_events_of_a_resumed_run_are_not_counted_twice(recorded):
    view = _view(recorded["finished"])
    _, events = read_events(recorded["finished"] / "trajectory.jsonl")
    again = [e.model_copy(update={"cached": True}) for e in events if isinstance(e, Evaluation)]
    view.apply_all(again)
    assert view.evaluations == 3
