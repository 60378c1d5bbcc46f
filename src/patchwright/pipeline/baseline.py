"""Reproduce: find the failing tests at base and record per-test coverage for them and a
bounded set of related passing tests, and learn the limits candidate runs get; validate:
the full suite on a chosen patch, failures outside the failing tests re-run at base to tell
regressions from failures that were there before.

Test ids come from collection (nothing run); coverage is recorded only for the failing
tests and at most ``reproduce.related_tests`` passing ones (their modules first, then a
fixed sample of the rest), never for the whole suite of a large repository."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from patchwright.core.config import RunConfig
from patchwright.core.domain import Patch, Task, TestResult, TestStatus
from patchwright.core.errors import BaseRunCrashed, NoTestsFound, RepairError
from patchwright.core.protocols import CoverageMap, RunLimits, TestBed

_OK = (TestStatus.PASS, TestStatus.SKIP)


@dataclass
class Baseline:
    result: TestResult
    """The coverage run: the failing tests and the related passing ones."""
    coverage: CoverageMap
    failing: list[str]
    passing: list[str]
    settings: dict[str, object] = field(default_factory=dict)
    """The runner's settings chosen here (kept for the rest of the run)."""
    collected: int = 0
    """How many tests the project has (by collection)."""


def _matches(test_id: str, selectors: Sequence[str]) -> bool:
    for sel in selectors:
        if test_id == sel or test_id.startswith(sel + "[") or test_id.startswith(sel + "::"):
            return True
        if "::" not in sel and test_id.split("::", 1)[0] == sel:
            return True
    return False


def _module(test_id: str) -> str:
    return test_id.split("::", 1)[0]


def related_tests(collected: Sequence[str], failing: Sequence[str], limit: int) -> list[str]:
    """Up to ``limit`` tests beside ``failing``: those of the failing tests' modules in
    collection order, then a sample of the others fixed by the ids (the same every run)."""
    chosen = set(failing)
    modules = {_module(t) for t in failing}
    same = [t for t in collected if t not in chosen and _module(t) in modules]
    if len(same) >= limit:
        return same[:limit]
    rest = [t for t in collected if t not in chosen and _module(t) not in modules]
    rng = random.Random(len(collected))
    picked = set(rng.sample(rest, min(limit - len(same), len(rest))))
    return same + [t for t in rest if t in picked]


def base_limits(config: RunConfig) -> RunLimits:
    sb = config.sandbox
    return RunLimits(
        per_test_timeout=sb.per_test_timeout,
        wall_timeout=sb.wall_timeout,
        memory_mb=sb.memory_mb,
        max_processes=sb.max_processes,
    )


def _crashed(result: TestResult) -> None:
    if result.compile_error:
        first = result.compile_error.strip().splitlines()[0][:200]
        raise BaseRunCrashed(f"the test command crashed at the base commit: {first}")
    if result.timed_out:
        raise RepairError("the test suite timed out at the base commit")
    raise NoTestsFound("no tests found in the project")


def reproduce(bed: TestBed, config: RunConfig, selectors: Sequence[str]) -> Baseline:
    """Collect the test ids; with ``selectors``, run those tests and the related ones with
    coverage; without, run the whole suite without coverage to find the failing tests
    first (a suite no bigger than the related set is simply run once with coverage)."""
    limits = base_limits(config)
    cap = max(config.reproduce.related_tests, 0)
    bed.reset()
    found = bed.collect(limits)
    ids = list(dict.fromkeys(found.tests))
    if not ids and found.errors and not selectors:
        first = found.errors[0].strip().splitlines()[0][:200] if found.errors[0].strip() else ""
        raise BaseRunCrashed(f"the test command crashed at the base commit: {first}")
    if selectors:
        chosen = [t for t in ids if _matches(t, selectors)]
        if ids and not chosen:
            raise RepairError(f"test not found: {', '.join(selectors)}")
        chosen = chosen or list(selectors)  # nothing collected: let the run say why
        run = chosen + related_tests(ids, chosen, cap)
    elif len(ids) <= cap:
        chosen, run = [], []  # small suite: one coverage run of all of it
    else:
        full = bed.run_tests([], limits)
        if not full.tests:
            _crashed(full)
        chosen = [t for t, o in full.tests.items() if o.status not in _OK]
        run = chosen + related_tests(ids or list(full.tests), chosen, cap)
    result, coverage = bed.calibrate(run, limits)
    if not result.tests:
        _crashed(result)
    statuses = {t: o.status for t, o in result.tests.items()}
    if selectors:
        picked = [t for t in statuses if _matches(t, selectors)]
        if not picked:
            raise RepairError(f"test not found: {', '.join(selectors)}")
        failing = [t for t in picked if statuses[t] not in _OK]
    elif run:
        failing = [t for t in chosen if statuses.get(t) not in _OK and t in statuses]
    else:
        failing = [t for t, s in statuses.items() if s not in _OK]
    passing = [t for t, s in statuses.items() if s == TestStatus.PASS and t not in failing]
    return Baseline(result=result, coverage=coverage, failing=failing, passing=passing,
                    settings=dict(bed.settings), collected=len(ids))  # fmt: skip


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


def validate(
    bed: TestBed, task: Task, patch: Patch, limits: RunLimits, wall_timeout: float = 0.0
) -> tuple[TestResult, Task]:
    """The whole suite (no fail-fast) on ``patch``, the failing tests included. Tests that
    fail here outside the task's failing tests are run again at base: those failing there
    too were broken before and are left out of the judgement; the others are regressions.
    A suite that does not even load at base (a broken module the task's tests do not need)
    is judged on the task's own tests, as before. Returns the result and the task to judge
    it by (its passing tests: every test that must pass)."""
    if not bed.apply(patch):
        return TestResult(applied=False, compile_error="patch does not apply"), task
    full = dataclasses.replace(limits, fail_fast=False, max_failures=0,
                               wall_timeout=max(limits.wall_timeout, wall_timeout))  # fmt: skip
    result = bed.run_tests([], full)
    if result.compile_error:  # broken before the patch too? then judge the known tests
        bed.reset()
        broken_before = bool(bed.run_tests([], full).compile_error)
        bed.apply(patch)
        if broken_before:
            known = task.failing_tests + task.passing_tests
            return bed.run_tests(known, full), task
    missing = [t for t in task.failing_tests + task.passing_tests if t not in result.tests]
    if missing and not result.compile_error:
        extra = bed.run_tests(missing, full)
        result = result.model_copy(update={
            "tests": {**result.tests, **extra.tests},
            "compile_error": extra.compile_error, "duration": result.duration + extra.duration,
        })  # fmt: skip
    failing = set(task.failing_tests)
    suspects = [t for t, o in result.tests.items() if o.status not in _OK and t not in failing]
    before: set[str] = set()
    if suspects and not result.compile_error:
        bed.reset()
        at_base = bed.run_tests(suspects, full)
        before = {t for t in suspects if at_base.tests.get(t) and not at_base.passed(t)}
        bed.apply(patch)
    keep = [t for t, o in result.tests.items() if t not in failing and t not in before
            and o.status != TestStatus.SKIP]  # fmt: skip
    passing = list(dict.fromkeys([*task.passing_tests, *keep]))
    return result, task.model_copy(update={"passing_tests": passing})
