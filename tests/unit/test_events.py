"""Typed trajectory events: every kind through the writer and the reader, a torn last line,
version 1 files read (and resumed) through the upgrade, a newer version refused."""

import io
import json

import pytest
from rich.console import Console

from patchwright.console.inspect_view import inspect_run
from patchwright.console.progress import ProgressReporter
from patchwright.core.diff import make_patch
from patchwright.core.domain import Location, Message, Task, TestOutcome, TestResult, TestStatus
from patchwright.core.events import (
    EVENT_KINDS,
    TRAJECTORY_VERSION,
    AnyEvent,
    BudgetEvent,
    CandidateEvent,
    ErrorEvent,
    Evaluation,
    Expansion,
    ModelCall,
    Note,
    Result,
    Resume,
    Rethink,
    Selection,
    Stage,
    TaskInfo,
    ToolCall,
    TrajectoryFormatError,
    TrajectoryHeader,
)
from patchwright.model.replay import ReplayModel
from patchwright.pipeline.searching import load_evaluations
from patchwright.store.artifacts import TrajectoryWriter, read_events

PATCH = make_patch({"m.py": "x = 1\n"}, {"m.py": "x = 2\n"})
RESULT = TestResult(tests={"t::test_a[1-2]": TestOutcome(status=TestStatus.PASS, duration=0.1)})
MSGS = [Message(role="system", content="fix it"), Message(role="user", content="x = 1 +")]


def _header() -> TrajectoryHeader:
    return TrajectoryHeader(task=Task(id="t", repo="/w"), config={"search": {"max_evals": 5}})


def one_of_each() -> list[AnyEvent]:
    loc = Location(path="m.py", line=1, end_line=1, score=0.9)
    return [
        Stage(name="search", detail="strategy=mcts"),
        Stage(name="search", phase="end", seconds=1.5, status="plausible"),
        TaskInfo(task_id="t", base_commit="a" * 40, failing=1, failing_tests=["t::test_a[1-2]"]),
        Selection(node=0, visits=2, value=0.5, reward=0.25),
        Expansion(node=0, candidates=3, feedback=["t::test_a failed"]),
        CandidateEvent(node=1, parent=0, template="const.inc", patch_hash=PATCH.hash,
                       files=PATCH.files),
        Evaluation(node=1, parent=0, template="const.inc", thought="x = 2", patch_hash=PATCH.hash,
                   patch=PATCH, reward=1.0, plausible=True, result=RESULT, evaluation=1),
        Rethink(node=0, feedback="assert 1 == 2", thought="try the other branch"),
        ModelCall(model="gpt-4o", messages=MSGS, response="ok", prompt_tokens=12,
                  completion_tokens=3, cost=0.0001, latency=0.2, max_tokens=64, stop=["END"]),
        ToolCall(tool="sbfl", locations=[loc]),
        BudgetEvent(name="proposer retired", proposer="llm", reason="max_calls"),
        Resume(nodes=4, cached=3),
        Note(name="llm edit rejected", message="no edits"),
        ErrorEvent(source="model_call", error="BudgetExceeded", cap="max_dollars"),
        Result(status="plausible", evaluations=1, patch_hash=PATCH.hash, validated=True),
    ]  # fmt: skip


def test_every_kind_round_trips_through_the_writer_and_reader(tmp_path):
    events = one_of_each()
    assert {e.kind for e in events} == set(EVENT_KINDS)  # a new kind must join this test
    path = tmp_path / "trajectory.jsonl"
    with TrajectoryWriter(path, _header()) as writer:
        for event in events:
            writer.record(event)
    header, again = read_events(path)
    assert header == _header().model_copy(update={"t": header.t})
    assert header.version == TRAJECTORY_VERSION
    assert again == events
    assert [type(e) for e in again] == [type(e) for e in events]
    first = json.loads(path.read_text().splitlines()[0])
    assert (first["kind"], first["version"]) == ("header", TRAJECTORY_VERSION)


def test_a_torn_last_line_is_skipped_and_the_next_writer_starts_clean(tmp_path):
    path = tmp_path / "trajectory.jsonl"
    with TrajectoryWriter(path, _header()) as writer:
        writer.record(Stage(name="prepare"))
    whole = Note(name="cut", message="\u00e9t\u00e9 " * 10).model_dump_json().encode()
    with path.open("ab") as fh:
        fh.write(whole[: len(whole) - 7])  # a crash mid-write, inside a two-byte character
    _, events = read_events(path)
    assert events == [Stage(name="prepare", t=events[0].t)]
    with TrajectoryWriter(path, _header()) as writer:  # resume appends after the torn line
        writer.record(Resume(nodes=1, cached=0))
    header, events = read_events(path)
    assert header is not None and [type(e) for e in events] == [Stage, Resume]


V1_LINES = [
    {"version": 1, "kind": "header", "started": 100.0, "patchwright": "0.1.0", "config": {},
     "task": {"id": "old", "kind": "repair", "repo": "/w", "base_commit": "", "description": "",
              "failing_tests": [], "passing_tests": [], "test_command": [],
              "spec": {"failure_messages": {"t::test_a": "assert 1 == 2"}}}},
    {"kind": "stage", "t": 101.0, "name": "prepare", "data": {}},
    {"kind": "stage", "t": 101.5, "name": "prepared",
     "data": {"task_id": "old", "base_commit": "b" * 40, "repo": "/w"}},
    {"kind": "stage", "t": 102.0, "name": "reproduced",
     "data": {"failing": 1, "passing": 2, "seconds": 0.4, "failing_tests": ["t::test_a"],
              "passing_tests": ["t::test_b", "t::test_c"]}},
    {"kind": "tool_call", "t": 103.0, "name": "sbfl",
     "data": {"locations": [{"path": "m.py", "line": 1, "end_line": 1, "symbol": "",
                             "score": 1.0, "source": "sbfl"}]}},
    {"kind": "stage", "t": 104.0, "name": "search", "data": {"strategy": "mcts"}},
    {"kind": "selection", "t": 104.1, "name": "",
     "data": {"node": 0, "visits": 0, "value": 0.0, "reward": 0.0}},
    {"kind": "expansion", "t": 104.2, "name": "", "data": {"node": 0, "candidates": 2,
                                                          "feedback": []}},
    {"kind": "model_call", "t": 104.3, "name": "gpt-4o",
     "data": {"model": "gpt-4o", "messages": [m.model_dump() for m in MSGS], "response": "ok",
              "prompt_tokens": 10, "completion_tokens": 2, "cost": None, "latency": 0.1,
              "cached": False, "finish_reason": "stop", "max_tokens": 64, "temperature": 0.0,
              "stop": []}},
    {"kind": "evaluation", "t": 105.0, "name": "const.inc",
     "data": {"node": 1, "parent": 0, "thought": "x = 2", "patch_hash": PATCH.hash,
              "patch": PATCH.model_dump(), "reward": 1.0, "plausible": True,
              "result": RESULT.model_dump(mode="json"), "evaluation": 1}},
    {"kind": "note", "t": 105.5, "name": "cached evaluation",
     "data": {"node": 2, "parent": 0, "thought": "x = 2", "patch_hash": "other",
              "patch": PATCH.model_dump(), "reward": 0.0, "plausible": False,
              "result": TestResult().model_dump(mode="json"), "evaluation": 1}},
    {"kind": "rethink", "t": 106.0, "name": "", "data": {"node": 0, "feedback": "f",
                                                        "thought": "t"}},
    {"kind": "note", "t": 106.5, "name": "proposer retired",
     "data": {"proposer": "llm", "reason": "max_calls"}},
    {"kind": "note", "t": 106.6, "name": "resume", "data": {"nodes": 3, "cached": 1}},
    {"kind": "error", "t": 107.0, "name": "model_call",
     "data": {"model": "gpt-4o", "error": "BudgetExceeded", "message": "spent",
              "prompt_chars": 40, "cap": "max_dollars", "scope": "run", "max_tokens": 64}},
    {"kind": "tool_call", "t": 108.0, "name": "validate",
     "data": {"plausible": True, "failed": [], "seconds": 0.9}},
    {"kind": "tool_call", "t": 108.5, "name": "minimize", "data": {"before": 4, "after": 2}},
    {"kind": "stage", "t": 109.0, "name": "approve", "data": {"approved": True}},
    {"kind": "stage", "t": 110.0, "name": "finalize",
     "data": {"status": "plausible", "evaluations": 1}},
    {"kind": "candidate", "t": 111.0, "name": "odd", "data": {"x": 1}},
]  # fmt: skip


def _v1_file(tmp_path):
    path = tmp_path / "trajectory.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in V1_LINES))
    return path


def test_a_version_1_file_is_read_through_the_upgrade(tmp_path):
    path = _v1_file(tmp_path)
    header, events = read_events(path)
    assert header.version == TRAJECTORY_VERSION and header.started == 100.0
    assert header.task.id == "old" and header.task.kind == "repair"
    assert header.task.failure_messages == {"t::test_a": "assert 1 == 2"}
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "Stage", "TaskInfo", "TaskInfo", "ToolCall", "Stage", "Selection", "Expansion",
        "ModelCall", "Evaluation", "Evaluation", "Rethink", "BudgetEvent", "Resume",
        "ErrorEvent", "ToolCall", "ToolCall", "Stage", "Stage", "Result", "Note",
    ]  # fmt: skip
    by_type = {type(e): e for e in events}
    assert by_type[ToolCall].lines_before == 4 and by_type[ToolCall].lines_after == 2
    info = [e for e in events if isinstance(e, TaskInfo)]
    assert info[0].base_commit == "b" * 40 and info[1].passing_tests == ["t::test_b", "t::test_c"]
    evals = [e for e in events if isinstance(e, Evaluation)]
    assert (evals[0].template, evals[0].cached, evals[1].cached) == ("const.inc", False, True)
    assert evals[0].result == RESULT and evals[0].patch == PATCH
    assert by_type[ErrorEvent].cap == "max_dollars" and by_type[Result].status == "plausible"
    assert events[0].t == 101.0 and by_type[Note].name == "candidate odd"
    stages = [e for e in events if isinstance(e, Stage)]
    assert [(s.name, s.phase, s.status) for s in stages] == [
        ("prepare", "start", ""), ("search", "start", ""), ("approve", "end", "approved"),
        ("finalize", "start", "")]  # fmt: skip
    assert stages[1].detail == "strategy=mcts"


def test_resume_reads_and_then_upgrades_a_version_1_run(tmp_path):
    path = _v1_file(tmp_path)
    assert load_evaluations(path) == {PATCH.hash: RESULT}  # cached ones are not new results
    replay = ReplayModel(path)
    assert replay.name == "gpt-4o" and replay.complete(MSGS, max_tokens=64).text == "ok"
    _, before = read_events(path)
    with TrajectoryWriter(path, _header()) as writer:
        writer.record(Resume(nodes=3, cached=1))
    first = json.loads(path.read_text().splitlines()[0])
    assert first["version"] == TRAJECTORY_VERSION and first["task"]["id"] == "old"
    header, after = read_events(path)
    assert header.started == 100.0 and after[:-1] == before and isinstance(after[-1], Resume)
    assert all("data" not in json.loads(line) for line in path.read_text().splitlines())


def test_an_old_gitchameleon_log_is_upgraded(tmp_path):
    path = tmp_path / "trajectory.jsonl"
    lines = [
        {"time": 1.0, "event": "docs", "entries": ["lib.f"]},
        {"time": 2.0, "event": "visible", "attempt": 1, "passed": False, "tests_passed": 0,
         "tests_failed": 1, "failing": ["test_x"], "error": "NameError", "seconds": 0.5},
        {"time": 3.0, "event": "model_error", "error": "Timeout: slow"},
        {"time": 4.0, "event": "fake_solve", "docs": True},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    header, events = read_events(path)
    assert header is None
    assert [type(e) for e in events] == [ToolCall, ToolCall, ErrorEvent, Note]
    assert events[1].ok is False and events[1].failed == ["test_x"] and events[1].seconds == 0.5
    assert events[2].source == "model" and events[3].name == "fake_solve"


def test_a_newer_version_is_refused_with_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    path = run / "trajectory.jsonl"
    future = _header().model_dump(mode="json") | {"version": TRAJECTORY_VERSION + 1}
    path.write_text(json.dumps(future) + "\n" + json.dumps({"kind": "warp", "t": 1}) + "\n")
    with pytest.raises(TrajectoryFormatError) as err:
        read_events(path)
    message = str(err.value)
    assert "\n" not in message and f"version {TRAJECTORY_VERSION + 1}" in message
    assert "upgrade patchwright" in message
    with pytest.raises(TrajectoryFormatError):
        TrajectoryWriter(path, _header())
    assert inspect_run(run) == 2
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert len(err_lines) == 1 and "newer than this patchwright" in err_lines[0]


def test_a_line_that_is_no_event_names_its_line(tmp_path):
    path = tmp_path / "trajectory.jsonl"
    with TrajectoryWriter(path, _header()) as writer:
        writer.record(Stage(name="prepare"))
    with path.open("a") as fh:
        fh.write(json.dumps({"kind": "selection", "t": 1.0}) + "\n")
    with pytest.raises(TrajectoryFormatError, match=r"trajectory.jsonl:3: .*node"):
        read_events(path)


def test_progress_prints_test_ids_with_brackets_as_text():
    out = io.StringIO()
    reporter = ProgressReporter(Console(file=out, width=200, force_terminal=False))
    ids = ["tests/test_x.py::test_a[/bold]", "tests/test_x.py::test_b[a-[b]]"]
    for event in [
        Stage(name="reproduce", detail="[/]"),
        TaskInfo(task_id="t", failing=2, failing_tests=ids),
        Stage(name="reproduce", phase="end", status="error", detail="unknown test [x]"),
        Evaluation(node=1, parent=0, thought="fix [/red] here", patch_hash=PATCH.hash,
                   patch=PATCH, reward=1.0, plausible=True, result=RESULT, evaluation=1),
        Result(status="plausible", message="found [1/2]"),
    ]:  # fmt: skip
        reporter(event)
    text = out.getvalue()
    assert ids[0] in text and ids[1] in text and "[/]" in text
    assert "unknown test [x]" in text and "fix [/red] here" in text and "found [1/2]" in text
    assert reporter.evals == 1 and reporter.best == 1.0
