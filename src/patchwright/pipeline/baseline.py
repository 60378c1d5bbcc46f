"""Reproduce: run the tests at base, split them into failing and passing, and learn the
limits candidate runs get; validate: the full run of a chosen patch."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from patchwright.core.config import RunConfig
from patchwright.core.errors import BaseRunCrashed, NoTestsFound, RepairError
from patchwright.core.protocols import CoverageMap, RunLimits, Sandbox
from patchwright.core.types import Patch, Task, TestResult, TestStatus


@dataclass
class Baseline:
    result: TestResult
    coverage: CoverageMap
    autoload_plugins: bool
    failing: list[str]
    passing: list[str]


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
    result, coverage = _baseline_run(sandbox, sb.plugins, limits)
    if not result.tests:
        if result.compile_error:
            first = result.compile_error.strip().splitlines()[0][:200]
            raise BaseRunCrashed(f"the test command crashed at the base commit: {first}")
        if result.timed_out:
            raise RepairError("the test suite timed out at the base commit")
        raise NoTestsFound("no tests found in the project")
    statuses = {t: o.status for t, o in result.tests.items()}
    if selectors:
        chosen = [t for t in statuses if _matches(t, selectors)]
        if not chosen:
            raise RepairError(f"test not found: {', '.join(selectors)}")
        failing = [t for t in chosen if statuses[t] not in (TestStatus.PASS, TestStatus.SKIP)]
    else:
        failing = [t for t, s in statuses.items() if s not in (TestStatus.PASS, TestStatus.SKIP)]
    passing = [t for t, s in statuses.items() if s == TestStatus.PASS]
    return Baseline(
        result=result,
        coverage=coverage,
        failing=failing,
        passing=passing,
        autoload_plugins=sandbox.autoload_plugins,
    )


def _statuses(result: TestResult) -> dict[str, TestStatus]:
    return {t: o.status for t, o in result.tests.items()}


def _baseline_run(
    sandbox: Sandbox, plugins: str, limits: RunLimits
) -> tuple[TestResult, CoverageMap]:
    """The coverage run at base. In "auto" plugin mode, installed pytest plugins are kept
    off for the whole run when the suite gives the same outcomes without them."""
    if plugins != "auto":
        sandbox.autoload_plugins = plugins == "all"
        return sandbox.collect_coverage([], limits)
    sandbox.autoload_plugins = False
    result, coverage = sandbox.collect_coverage([], limits)
    sandbox.autoload_plugins = True
    reference = sandbox.run_tests([], limits)
    if result.tests and _statuses(reference) == _statuses(result):
        sandbox.autoload_plugins = False
        return result, coverage
    return sandbox.collect_coverage([], limits)


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


