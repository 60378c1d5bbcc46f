"""Evaluate a patch on a test bed (sandbox + test runner): originally failing tests first, then the passing tests
that cover the changed lines, then the rest, stopping at the first broken one. Results are
cached by patch hash, so no patch is ever tested twice (a resumed run preloads the cache)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from patchwright.core.diff import parse
from patchwright.core.domain import Patch, Task, TestResult, TestStatus
from patchwright.core.protocols import CoverageMap, RunLimits, TestBed


def merge_results(first: TestResult, second: TestResult) -> TestResult:
    tests = dict(first.tests)
    tests.update(second.tests)
    return TestResult(
        applied=first.applied and second.applied,
        compile_error=first.compile_error or second.compile_error,
        tests=tests,
        duration=first.duration + second.duration,
        timed_out=first.timed_out or second.timed_out,
        output_tail=second.output_tail or first.output_tail,
        stopped_early=first.stopped_early or second.stopped_early,
    )


def changed_base_lines(diff: str) -> dict[str, set[int]]:
    """Base-file line numbers a diff removes or inserts next to, per path."""
    out: dict[str, set[int]] = {}
    for fh in parse(diff):
        lines = out.setdefault(fh.path, set())
        for start, body in fh.hunks:
            pos, prev = start, " "
            for line in body:
                tag = line[:1] or " "
                if tag == "-":
                    lines.add(pos)
                    pos += 1
                elif tag == "+" and prev not in ("-", "+"):
                    lines.update((max(pos - 1, 1), pos))  # pure insertion: its neighbours
                elif tag == " ":
                    pos += 1
                prev = tag
    return out


def order_passing(passing: list[str], coverage: CoverageMap, diff: str) -> list[str]:
    """Passing tests that execute a changed line first (most likely to break), then the rest."""
    changed = changed_base_lines(diff)

    def touches(test: str) -> bool:
        files = coverage.get(test, {})
        return any(files.get(path, set()) & lines for path, lines in changed.items())

    near = [t for t in passing if touches(t)]
    near_set = set(near)
    return near + [t for t in passing if t not in near_set]


class Evaluator:
    """Runs candidates against the task's tests; never runs the same patch twice."""

    def __init__(
        self,
        sandbox: TestBed,
        task: Task,
        limits: RunLimits,
        coverage: CoverageMap | None = None,
        max_failing_failures: int = 3,
    ) -> None:
        self.sandbox = sandbox
        self.task = task
        # Failing tests: run past the first failure (up to a few) so partial fixes show;
        # passing tests: stop at the first one that breaks.
        self.failing_limits = dataclasses.replace(
            limits, fail_fast=False, max_failures=max_failing_failures
        )
        self.passing_limits = dataclasses.replace(limits, fail_fast=True, max_failures=1)
        self.coverage = coverage or {}
        self.cache: dict[str, TestResult] = {}
        self.evaluations = 0

    def preload(self, results: Mapping[str, TestResult]) -> None:
        """Results from an earlier process: they count against the budget, never rerun."""
        for key, result in results.items():
            if key not in self.cache:
                self.cache[key] = result
                self.evaluations += 1

    def seen(self, patch: Patch) -> bool:
        return patch.hash in self.cache

    def evaluate(self, patch: Patch) -> tuple[TestResult, bool]:
        """(result, fresh): fresh is False when the result came from the cache."""
        cached = self.cache.get(patch.hash)
        if cached is not None:
            return cached, False
        self.evaluations += 1
        if not self.sandbox.apply(patch):
            result = TestResult(applied=False, compile_error="patch does not apply")
        else:
            result = self.sandbox.run_tests(self.task.failing_tests, self.failing_limits)
            ok = not result.compile_error and all(
                result.status(t) == TestStatus.PASS for t in self.task.failing_tests
            )
            if ok and self.task.passing_tests:
                order = order_passing(self.task.passing_tests, self.coverage, patch.diff)
                result = merge_results(result, self.sandbox.run_tests(order, self.passing_limits))
        self.cache[patch.hash] = result
        return result, True
