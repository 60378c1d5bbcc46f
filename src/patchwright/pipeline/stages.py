"""The stages of a run as plain functions of (state, deps) -> state update. No langgraph
here: :mod:`patchwright.agent.nodes` wraps each one as a graph node."""

from __future__ import annotations

import functools
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from patchwright.core.diff import changed_lines
from patchwright.core.domain import Location, Patch, RunResult, RunStatus, Task, TestResult
from patchwright.core.errors import RepairError
from patchwright.core.events import (
    TEST_LIST_LIMIT,
    BudgetEvent,
    Note,
    Result,
    Stage,
    TaskInfo,
    ToolCall,
)
from patchwright.core.protocols import BuildContext, RunLimits, TestBed
from patchwright.core.registry import resolve
from patchwright.pipeline.baseline import candidate_limits
from patchwright.pipeline.baseline import reproduce as run_baseline
from patchwright.pipeline.baseline import validate as run_full
from patchwright.pipeline.deadline import DeadlineExceeded, Interrupted
from patchwright.pipeline.honest import flaky_at_base, test_edits
from patchwright.pipeline.minimize import minimize as minimize_patch
from patchwright.pipeline.searching import llm_localize, load_evaluations, run_search
from patchwright.pipeline.state import RepairDeps, RepairState
from patchwright.repo.git import SNAPSHOT_FILE, SnapshotError, load_snapshot, read_files, snapshot
from patchwright.search.strategies import SearchOutcome
from patchwright.store.artifacts import RunDir, write_json

COVERAGE_FILE = "coverage.json"


StageFn = Callable[[RepairState, RepairDeps], dict[str, Any]]


def staged(detail: Callable[[RepairDeps], str] | None = None) -> Callable[[StageFn], StageFn]:
    """Record a :class:`Stage` event when the stage starts and one when it ends (with its
    seconds and, when it ends the run, its status). A stage that runs out of the run's
    time (--max-seconds) ends the run as ``budget_exhausted``; one interrupted (Ctrl-C,
    SIGTERM) is recorded as ``interrupted`` and the interrupt goes on up."""

    def wrap(fn: StageFn) -> StageFn:
        @functools.wraps(fn)
        def run(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
            started = time.time()
            name = fn.__name__

            def ended(status: str, text: str) -> None:
                deps.record(Stage(name=name, phase="end", seconds=round(time.time() - started, 3),  # type: ignore[arg-type]
                                  status=status, detail=text[:300]))  # fmt: skip

            deps.record(Stage(name=name, detail=detail(deps) if detail else "", t=started))  # type: ignore[arg-type]
            try:
                update = fn(state, deps)
            except DeadlineExceeded as exc:
                message = deps.deadline.describe(name)
                deps.record(BudgetEvent(name="max_seconds", reason=message))
                ended("budget_exhausted", message)
                return {"status": "budget_exhausted", "message": message, "patch": None,
                        "stage": name, **exc.update}  # fmt: skip
            except KeyboardInterrupt as exc:
                if isinstance(exc, Interrupted) and not exc.stage:
                    exc.stage = name
                ended("interrupted", str(exc) or "SIGINT")
                raise
            except Exception as exc:  # the stage crashed: say so, then let it propagate
                ended("crashed", f"{type(exc).__name__}: {exc}")
                raise
            ended(str(update.get("status") or ""),
                  str(update.get("error") or update.get("message") or ""))  # fmt: skip
            return update

        return run

    return wrap


def _sandbox(state: RepairState, deps: RepairDeps) -> TestBed:
    """The run's test bed, with the runner settings chosen at reproduce (kept on resume)."""
    bed = deps.sandbox(state["task"]["repo"])
    if "runner_settings" in state:
        bed.settings = dict(state["runner_settings"])
    return bed


def _task(state: RepairState) -> Task:
    return Task.model_validate(state["task"])


@staged()
def prepare(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
    run = RunDir(Path(state["run_dir"]))
    workspace = run.path / "workspace"
    try:
        if (workspace / ".git" / SNAPSHOT_FILE).exists():
            snap = load_snapshot(workspace)
        else:
            try:
                snap = snapshot(Path(state["source"]), workspace)
            except BaseException:  # interrupted half-way: --resume starts it afresh
                shutil.rmtree(workspace, ignore_errors=True)
                raise
    except SnapshotError as exc:
        return {"status": "error", "error": str(exc)}
    except OSError as exc:  # a full disk: the half-made workspace is gone already
        return {"status": "error", "error": f"cannot make the workspace {workspace}: "
                                            f"{exc.strerror or exc}"}  # fmt: skip
    task = Task(
        id=state.get("task_id") or Path(state["source"]).resolve().name,
        repo=str(workspace),
        base_commit=snap.base_commit,
        description=state.get("issue", ""),
        spec=state.get("spec") or {"kind": "repair", "selectors": state.get("selectors", []),
                                   "issue": state.get("issue", "")},
    )
    # the trajectory header is written before the snapshot exists: this step completes it
    deps.record(TaskInfo(task_id=task.id, base_commit=task.base_commit, repo=task.repo))
    return {"task": task.model_dump(), "stage": "prepare"}


@staged()
def reproduce(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
    task = _task(state)
    sandbox = _sandbox(state, deps)
    notes: list[str] = []
    try:
        baseline = run_baseline(sandbox, deps.config, state.get("selectors", []), notes)
    except RepairError as exc:
        return {"status": "error", "error": str(exc), "error_kind": type(exc).__name__}
    finally:
        for note in notes:  # collection errors set aside, in pytest's words
            deps.record(Note(name="reproduce", message=note))
    task.failing_tests, task.passing_tests = baseline.failing, baseline.passing
    task.failure_messages = {
        t: o.message[:300] for t, o in baseline.result.tests.items() if t in set(baseline.failing)
    }
    coverage = {
        t: {p: sorted(ls) for p, ls in files.items()} for t, files in baseline.coverage.items()
    }
    # the failing tests' outcomes too: with the spectra, all that localization reads
    failures = {t: baseline.result.tests[t].model_dump(mode="json", include={"status", "message", "output"})
                for t in baseline.failing if t in baseline.result.tests}  # fmt: skip
    write_json(Path(state["run_dir"]) / COVERAGE_FILE,
               {"version": 1, "coverage": coverage, "failures": failures})  # fmt: skip
    deps.record(
        TaskInfo(
            task_id=task.id,
            base_commit=task.base_commit,
            repo=task.repo,
            failing=len(task.failing_tests),
            passing=len(task.passing_tests),
            failing_tests=task.failing_tests[:TEST_LIST_LIMIT],
            passing_tests=task.passing_tests[:TEST_LIST_LIMIT],
        )
    )
    update: dict[str, Any] = {"task": task.model_dump(), "stage": "reproduce"}
    if not task.failing_tests:
        update.update(
            status="error",
            error="all selected tests already pass at the base commit; nothing to repair",
        )
    else:
        update["limits"] = vars(candidate_limits(deps.config, baseline))
        update["runner_settings"] = baseline.settings
        update["baseline"] = baseline.result.model_dump(mode="json")
    return update


def load_coverage(run_dir: str) -> dict[str, dict[str, set[int]]]:
    data = json.loads((Path(run_dir) / COVERAGE_FILE).read_text())
    return {t: {p: set(ls) for p, ls in files.items()} for t, files in data["coverage"].items()}


@staged()
def localize(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
    task = _task(state)
    ctx = BuildContext(config=deps.config, task=task, model=deps.model, record=deps.record)
    localizer = resolve("localizer", deps.config.localize.method).build(ctx)
    baseline = TestResult.model_validate(state.get("baseline") or {})
    locations = localizer.localize(task, load_coverage(state["run_dir"]), baseline)
    if deps.model is not None and locations and deps.config.llm.rank:
        locations = llm_localize(task, locations, deps.model, deps.record)
    deps.record(ToolCall(tool="sbfl", locations=locations[:10]))
    update: dict[str, Any] = {
        "locations": [loc.model_dump() for loc in locations],
        "stage": "localize",
    }
    if not locations:
        update.update(
            status="not_found",
            message="no suspicious lines: the failing tests execute no project code",
        )
    return update


def _search(state: RepairState, deps: RepairDeps, task: Task) -> SearchOutcome:
    return run_search(
        task=task,
        sandbox=_sandbox(state, deps),
        config=deps.config,
        proposers=deps.make_proposers(task),
        locations=[Location.model_validate(loc) for loc in state["locations"]],
        limits=RunLimits(**state["limits"]),
        baseline=TestResult.model_validate(state["baseline"]),
        coverage=load_coverage(state["run_dir"]),
        run_dir=Path(state["run_dir"]),
        record=deps.record,
        model=deps.model,
        objective=deps.objective,
        seconds=deps.deadline.remaining(),
    )


@staged(detail=lambda deps: f"strategy={deps.config.search.strategy}")
def search(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
    task = _task(state)
    try:
        outcome = _search(state, deps, task)
    except DeadlineExceeded as exc:  # cut in an evaluation: count what was evaluated
        done = load_evaluations(RunDir(Path(state["run_dir"])).trajectory)
        exc.update["evaluations"] = len(done)
        raise
    update: dict[str, Any] = {
        "evaluations": outcome.evaluations,
        "evaluations_to_plausible": outcome.evaluations_to_plausible,
        "stage": "search",
    }
    if outcome.plausible and outcome.plausible[0].patch is not None:
        update.update(
            status="plausible",
            patch=outcome.plausible[0].patch.model_dump(),
            edits=outcome.plausible[0].depth,
        )
    elif outcome.stopped_by.startswith("max_seconds"):
        message = deps.deadline.describe("search")
        update.update(status="budget_exhausted", message=message, patch=None)
    elif outcome.stopped_by.startswith(("max_evals", "model budget")):
        update.update(
            status="budget_exhausted", message=f"stopped by {outcome.stopped_by}", patch=None
        )
    else:
        update.update(
            status="not_found", message="no candidate made the failing tests pass", patch=None
        )
    return update


@staged()
def validate(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
    task = _task(state)
    patch = Patch.model_validate(state["patch"])
    edits = test_edits(patch, task.failing_tests + task.passing_tests)
    if edits and not deps.config.allow_test_edits:
        return {"validated": False, "stage": "validate", "status": "not_found", "patch": None,
                "message": f"refused: the patch edits test files or test configuration "
                           f"({', '.join(edits[:3])}); --set allow_test_edits=true allows it"}  # fmt: skip
    # A fresh sandbox: nothing the search's runs left behind can make the patch look good.
    fresh = Path(state["run_dir"]) / "validate"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        shutil.copytree(task.repo, fresh, symlinks=True)
    except OSError as exc:  # a full disk (shutil.Error lists every file: the first says why)
        shutil.rmtree(fresh, ignore_errors=True)
        errors = exc.args[0] if isinstance(exc, shutil.Error) and exc.args else None
        why = str(errors[0][2]) if isinstance(errors, list) and errors else str(exc)
        return {"status": "error", "patch": None,
                "error": f"cannot copy the workspace for validation: {why[:200]}"}  # fmt: skip
    sandbox = deps.open_bed(fresh)
    try:
        # the runner's own defaults (pytest: plugins as installed), not the lean settings
        # chosen at reproduce on a few tests: the whole suite must run as the project runs it
        full, judged = run_full(sandbox, task, patch, RunLimits(**state["limits"]),
                                deps.config.sandbox.wall_timeout)  # fmt: skip
        ok = deps.objective.done(judged, full)
        # fixed, or flaky? the failing tests again at base, in a run like this one
        flaky = flaky_at_base(sandbox, task, RunLimits(**state["limits"])) if ok else []
    finally:
        sandbox.close()
        shutil.rmtree(fresh, ignore_errors=True)
    deps.record(
        ToolCall(
            tool="validate", ok=ok, failed=full.failed_ids()[:5], seconds=round(full.duration, 3)
        )
    )
    update: dict[str, Any] = {"validated": ok and not flaky, "stage": "validate"}
    if flaky:
        update.update(status="flaky", patch=None,
                      message=f"flaky: {len(flaky)} failing test(s) pass at the base commit on "
                              f"a re-run ({', '.join(flaky[:3])}); not repaired")  # fmt: skip
    elif not ok:
        update.update(
            status="not_found",
            patch=None,
            message="the patch passed the fail-fast run but not the full suite",
        )
    return update


def _judged(
    bed: TestBed, task: Task, patch: Patch, limits: RunLimits, deps: RepairDeps
) -> tuple[Task, TestResult]:
    result, judged = run_full(bed, task, patch, limits, deps.config.sandbox.wall_timeout)
    return judged, result


@staged()
def minimize(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
    """Drop the hunks the tests do not need; out of time, the checks left are skipped and
    the validated patch is kept as far as it got."""
    task = _task(state)
    patch = Patch.model_validate(state["patch"])
    sandbox = _sandbox(state, deps)
    limits = RunLimits(**state["limits"])
    base = read_files(Path(task.repo), patch.files)

    def still_plausible(p: Patch) -> bool:
        try:
            return deps.objective.done(*_judged(sandbox, task, p, limits, deps))
        except DeadlineExceeded:
            return False

    smaller, checks = minimize_patch(base, patch, still_plausible)
    if smaller.hash != patch.hash:
        deps.record(
            ToolCall(
                tool="minimize",
                lines_before=changed_lines(patch.diff),
                lines_after=changed_lines(smaller.diff),
            )
        )
    update = {"patch": smaller.model_dump(), "minimize_checks": checks, "stage": "minimize"}
    if deps.deadline.expired():
        update["message"] = f"minimize cut short: {deps.deadline.describe('minimize')}"
    return update


def approved(state: RepairState, deps: RepairDeps, decision: object) -> dict[str, Any]:
    """The human's answer at the approval step (asked by the agent's interrupt)."""
    ok = bool(decision)
    deps.record(Stage(name="approve", phase="end", status="approved" if ok else "rejected"))
    update: dict[str, Any] = {"approved": ok, "stage": "approve"}
    if not ok:
        update.update(status="rejected", message="the patch was rejected at the approval step")
    return update


@staged()
def finalize(state: RepairState, deps: RepairDeps) -> dict[str, Any]:
    run = RunDir(Path(state["run_dir"]))
    task = Task.model_validate(state["task"]) if state.get("task") else None
    status = state.get("status") or "not_found"
    result = RunResult(
        seconds=round(time.time() - deps.started, 3) if deps.started else 0.0,
        task_id=task.id if task else state.get("task_id", ""),
        status=status
        if status in get_args(RunStatus)
        else "error",
        message=state.get("error") or state.get("message", ""),
        evaluations=state.get("evaluations", 0),
        evaluations_to_plausible=state.get("evaluations_to_plausible"),
        failing_tests=task.failing_tests if task else [],
        passing_tests=task.passing_tests if task else [],
        validated=state.get("validated"),
        edits=state.get("edits", 0) if status == "plausible" else 0,
    )
    model = deps.model
    if model is not None:
        result.model_calls = getattr(model, "calls", 0)
        result.tokens = getattr(model, "tokens", 0)
        result.cost = round(getattr(model, "cost", 0.0) or 0.0, 6)
    patch = state.get("patch")
    if status == "plausible" and patch:
        p = Patch.model_validate(patch)
        run.write_patch(p.diff)
        result.patch_hash = p.hash
        result.changed_lines = changed_lines(p.diff)
    if task is not None and task.repo and Path(task.repo).exists():
        _sandbox(state, deps).reset()
    deps.record(
        Result(
            **result.model_dump(
                include={"status", "message", "seconds", "evaluations", "patch_hash",
                         "changed_lines", "model_calls", "tokens", "cost", "validated"}
            )
        )
    )  # fmt: skip
    run.write_result(result)
    return {"stage": "finalize", "status": result.status}
