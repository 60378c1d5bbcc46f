"""The repair pipeline as plain stage functions: prepare, reproduce, localize, search,
validate, finalize. The CLI and the benchmarks call :func:`repair`; the LangGraph agent
wraps the same stage functions."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from patchwright import __version__
from patchwright.core.artifacts import RunDir, TrajectoryWriter
from patchwright.core.config import RunConfig
from patchwright.core.diff import changed_lines
from patchwright.core.protocols import CoverageMap, Proposer, RunLimits, Sandbox
from patchwright.core.types import (
    Location,
    Patch,
    RunResult,
    Step,
    Task,
    TestResult,
    TestStatus,
    TrajectoryHeader,
)
from patchwright.repo.git import Snapshot, SnapshotError, read_files, snapshot
from patchwright.search.budget import Budget
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.reward import reward
from patchwright.search.strategies import SearchContext, SearchOutcome, make_strategy
from patchwright.search.tree import Tree
from patchwright.tools.localize.sbfl import SbflLocalizer


class RepairError(Exception):
    """Bad input or environment; the message is one line for the user (exit code 2)."""


@dataclass
class RepairRequest:
    source: Path
    run_dir: Path
    config: RunConfig = field(default_factory=RunConfig)
    tests: list[str] = field(default_factory=list)
    """Failing tests to fix (node ids or prefixes); empty: every failing test."""
    issue: str = ""
    task_id: str = ""


@dataclass
class Baseline:
    result: TestResult
    coverage: CoverageMap
    failing: list[str]
    passing: list[str]


def make_sandbox(config: RunConfig, root: Path) -> Sandbox:
    sb = config.sandbox
    if sb.kind != "local":
        raise RepairError(f"sandbox {sb.kind!r} is not available in this build; use --sandbox local")
    from patchwright.sandbox.local import LocalSandbox

    return LocalSandbox(
        root,
        python=sb.python or None,
        extra_args=tuple(sb.pytest_args),
        autoload_plugins=sb.autoload_plugins,
    )


def make_proposers(config: RunConfig) -> list[Proposer]:
    proposers: list[Proposer] = []
    for name in config.search.proposers:
        if name == "mutations":
            from patchwright.tools.propose.mutations import MutationProposer

            proposers.append(
                MutationProposer(
                    max_lines=config.search.max_lines, max_candidates=config.search.max_candidates
                )
            )
        else:
            raise RepairError(f"unknown proposer {name!r} (available: mutations)")
    return proposers


def _matches(test_id: str, selectors: Sequence[str]) -> bool:
    for sel in selectors:
        if test_id == sel or test_id.startswith(sel + "[") or test_id.startswith(sel + "::"):
            return True
        if "::" not in sel and test_id.split("::", 1)[0] == sel:
            return True
    return False


def reproduce(sandbox: Sandbox, config: RunConfig, selectors: Sequence[str]) -> Baseline:
    """Run the suite at base with per-test coverage; split tests into failing and passing."""
    sb = config.sandbox
    limits = RunLimits(
        per_test_timeout=sb.per_test_timeout,
        wall_timeout=sb.wall_timeout,
        memory_mb=sb.memory_mb,
        max_processes=sb.max_processes,
    )
    sandbox.reset()
    result, coverage = sandbox.collect_coverage([], limits)
    if not result.tests:
        if result.compile_error:
            first = result.compile_error.strip().splitlines()[0][:200]
            raise RepairError(f"the test command crashed at the base commit: {first}")
        if result.timed_out:
            raise RepairError("the test suite timed out at the base commit")
        raise RepairError("no tests found in the project")
    statuses = {t: o.status for t, o in result.tests.items()}
    if selectors:
        chosen = [t for t in statuses if _matches(t, selectors)]
        if not chosen:
            raise RepairError(f"test not found: {', '.join(selectors)}")
        failing = [t for t in chosen if statuses[t] not in (TestStatus.PASS, TestStatus.SKIP)]
    else:
        failing = [t for t, s in statuses.items() if s not in (TestStatus.PASS, TestStatus.SKIP)]
    passing = [t for t, s in statuses.items() if s == TestStatus.PASS]
    return Baseline(result=result, coverage=coverage, failing=failing, passing=passing)


def candidate_limits(config: RunConfig, baseline: Baseline) -> RunLimits:
    """Tighter per-test timeout for candidates, learned from the base run's durations."""
    sb = config.sandbox
    durations = [
        o.duration for o in baseline.result.tests.values() if o.status != TestStatus.TIMEOUT
    ]
    learned = 10.0 * max(durations, default=0.0) + 0.5
    per_test = min(sb.per_test_timeout, max(sb.min_test_timeout, learned))
    n = len(baseline.failing) + len(baseline.passing)
    wall = min(sb.wall_timeout, 30.0 + per_test * n)
    return RunLimits(
        per_test_timeout=per_test,
        wall_timeout=wall,
        memory_mb=sb.memory_mb,
        max_processes=sb.max_processes,
        fail_fast=True,
    )


def validate(sandbox: Sandbox, task: Task, patch: Patch, limits: RunLimits) -> TestResult:
    """Run every known test (no fail-fast) on ``patch``."""
    if not sandbox.apply(patch):
        return TestResult(applied=False, compile_error="patch does not apply")
    full = dataclasses.replace(limits, fail_fast=False)
    return sandbox.run_tests(task.failing_tests + task.passing_tests, full)


def search(
    task: Task,
    sandbox: Sandbox,
    config: RunConfig,
    locations: list[Location],
    limits: RunLimits,
    baseline: Baseline,
    record: Callable[[Step], None],
    tree_path: Path | None,
) -> SearchOutcome:
    paths = sorted({loc.path for loc in locations})
    base_files = read_files(Path(task.repo), paths)
    expander = Expander(
        task, base_files, locations, make_proposers(config), limit=config.search.max_candidates
    )
    evaluator = Evaluator(sandbox, task, limits)
    tree = Tree()
    tree.root.result = baseline.result
    tree.root.reward = reward(task, baseline.result)
    tree.root.visits = 1
    ctx = SearchContext(
        task=task,
        tree=tree,
        evaluator=evaluator,
        expander=expander,
        budget=Budget(config.search.max_evals, config.search.max_seconds),
        record=record,
        tree_path=tree_path,
    )
    return make_strategy(config.search.strategy).run(ctx)


class Recorder:
    """Fans steps out to the trajectory file and an optional observer (progress display)."""

    def __init__(self, writer: TrajectoryWriter, observer: Callable[[Step], None] | None) -> None:
        self.writer = writer
        self.observer = observer

    def __call__(self, step: Step) -> None:
        self.writer.record(step)
        if self.observer is not None:
            self.observer(step)

    def stage(self, name: str, **data: object) -> None:
        self(Step(kind="stage", name=name, data=dict(data)))


def repair(
    request: RepairRequest, observer: Callable[[Step], None] | None = None
) -> tuple[RunResult, Patch | None, Snapshot]:
    """Run the whole pipeline; raises :class:`RepairError` on bad input."""
    started = time.monotonic()
    config = request.config
    run = RunDir(request.run_dir)
    workspace = run.path / "workspace"
    source = Path(request.source)
    if not source.exists():
        raise RepairError(f"path does not exist: {source}")
    if not source.is_dir():
        raise RepairError(f"not a directory: {source}")
    try:
        make_strategy(config.search.strategy)
    except ValueError as exc:
        raise RepairError(str(exc)) from None
    make_proposers(config)
    try:
        snap = snapshot(source, workspace)
    except SnapshotError as exc:
        raise RepairError(str(exc)) from None
    task = Task(
        id=request.task_id or source.resolve().name,
        repo=str(workspace),
        base_commit=snap.base_commit,
        description=request.issue,
    )
    header = TrajectoryHeader(task=task, config=config.model_dump(), patchwright=__version__)
    with TrajectoryWriter(run.trajectory, header) as writer:
        rec = Recorder(writer, observer)
        sandbox = make_sandbox(config, workspace)
        try:
            result, patch = _run_stages(request, task, sandbox, rec, run, started)
            return result, patch, snap
        finally:
            sandbox.close()


def _run_stages(
    request: RepairRequest,
    task: Task,
    sandbox: Sandbox,
    rec: Recorder,
    run: RunDir,
    started: float,
) -> tuple[RunResult, Patch | None]:
    config = request.config
    rec.stage("reproduce")
    baseline = reproduce(sandbox, config, request.tests)
    task.failing_tests = baseline.failing
    task.passing_tests = baseline.passing
    rec.stage(
        "reproduced",
        failing=len(baseline.failing),
        passing=len(baseline.passing),
        seconds=round(baseline.result.duration, 3),
    )
    if not baseline.failing:
        raise RepairError("all selected tests already pass at the base commit; nothing to repair")
    rec.stage("localize")
    localizer = SbflLocalizer(Path(task.repo), config.localize.formula, config.localize.top)
    locations = localizer.localize(task, baseline.coverage, baseline.result)
    rec(
        Step(
            kind="tool_call",
            name="sbfl",
            data={"locations": [loc.model_dump() for loc in locations[:10]]},
        )
    )
    result = RunResult(
        task_id=task.id,
        status="not_found",
        failing_tests=task.failing_tests,
        passing_tests=task.passing_tests,
    )
    patch: Patch | None = None
    if not locations:
        result.message = "no suspicious lines: the failing tests execute no project code"
    else:
        rec.stage("search", strategy=config.search.strategy)
        limits = candidate_limits(config, baseline)
        outcome = search(task, sandbox, config, locations, limits, baseline, rec, run.tree_path)
        result.evaluations = outcome.evaluations
        result.evaluations_to_plausible = outcome.evaluations_to_plausible
        if outcome.plausible and outcome.plausible[0].patch is not None:
            patch = outcome.plausible[0].patch
            result.status = "plausible"
            if config.validate_full:
                rec.stage("validate")
                full = validate(sandbox, task, patch, limits)
                result.validated = full.plausible(task)
                if not result.validated:
                    result.status = "not_found"
                    result.message = "the patch passed the fail-fast run but not the full suite"
                    patch = None
        elif outcome.stopped_by in ("max_evals", "max_seconds"):
            result.status = "budget_exhausted"
            result.message = f"stopped by {outcome.stopped_by}"
        else:
            result.message = "no candidate made the failing tests pass"
    sandbox.reset()
    if patch is not None:
        run.write_patch(patch.diff)
        result.patch_hash = patch.hash
        result.changed_lines = changed_lines(patch.diff)
    result.seconds = round(time.monotonic() - started, 3)
    rec.stage("finalize", status=result.status, evaluations=result.evaluations)
    run.write_result(result)
    return result, patch
