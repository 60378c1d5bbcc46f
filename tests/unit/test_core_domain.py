import json

from patchwright.core.diff import make_patch
from patchwright.core.domain import (
    FORMAT_VERSION,
    Location,
    Node,
    RunResult,
    Task,
    TestOutcome,
    TestResult,
    TestStatus,
)
from patchwright.core.events import TRAJECTORY_VERSION, Evaluation, TrajectoryHeader


def _task() -> Task:
    return Task(id="t", repo="/tmp/x", failing_tests=["a", "b"], passing_tests=["c"])


def test_json_round_trip_of_every_type():
    patch = make_patch({"m.py": "x = 1\n"}, {"m.py": "x = 2\n"})
    result = TestResult(
        tests={"a": TestOutcome(status=TestStatus.FAIL, duration=0.1, message="boom")}
    )
    objs = [
        _task(),
        Location(path="m.py", line=1, end_line=1, symbol="f", score=0.5),
        patch,
        result,
        Node(id=3, parent=0, thought="try", patch=patch, result=result, reward=0.2),
        Evaluation(node=3, parent=0, patch_hash=patch.hash, patch=patch, reward=0.2,
                   plausible=False, result=result, evaluation=1),
        TrajectoryHeader(task=_task()),
        RunResult(task_id="t", status="plausible"),
    ]
    for obj in objs:
        text = obj.model_dump_json()
        again = type(obj).model_validate_json(text)
        assert again == obj
    assert json.loads(TrajectoryHeader(task=_task()).model_dump_json())["version"] == TRAJECTORY_VERSION
    assert json.loads(RunResult(task_id="t", status="plausible").model_dump_json())["version"] == FORMAT_VERSION


def test_plausible_needs_all_failing_fixed_and_no_passing_broken():
    task = _task()
    ok = TestOutcome(status=TestStatus.PASS)
    bad = TestOutcome(status=TestStatus.FAIL)
    assert TestResult(tests={"a": ok, "b": ok, "c": ok}).plausible(task)
    assert not TestResult(tests={"a": ok, "b": bad, "c": ok}).plausible(task)
    assert not TestResult(tests={"a": ok, "b": ok, "c": bad}).plausible(task)
    # a passing test that did not run is not evidence of plausibility
    assert not TestResult(tests={"a": ok, "b": ok}).plausible(task)
    assert not TestResult(applied=False, tests={"a": ok, "b": ok, "c": ok}).plausible(task)
    partial = TestResult(tests={"a": ok, "b": bad, "c": bad})
    assert partial.fixed(task.failing_tests) == ["a"]
    assert partial.broken(task.passing_tests) == ["c"]
