"""Evaluate a patch in a sandbox: originally failing tests first, fail fast, cache by hash."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from patchwright.core.protocols import RunLimits, Sandbox
from patchwright.core.types import Patch, Task, TestResult, TestStatus


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


class Evaluator:
    """Runs candidates against the task's tests; never runs the same patch twice."""

    def __init__(
        self,
        sandbox: Sandbox,
        task: Task,
        limits: RunLimits,
        on_result: Callable[[Patch, TestResult], None] | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.task = task
        self.limits = dataclasses.replace(limits, fail_fast=True)
        self.cache: dict[str, TestResult] = {}
        self.evaluations = 0
        self.on_result = on_result

    def seen(self, patch: Patch) -> bool:
        return patch.hash in self.cache

    def evaluate(self, patch: Patch, order: list[str] | None = None) -> TestResult:
        """Test ``patch``: failing tests first; the passing ones only if all of those pass."""
        cached = self.cache.get(patch.hash)
        if cached is not None:
            return cached
        self.evaluations += 1
        if not self.sandbox.apply(patch):
            result = TestResult(applied=False, compile_error="patch does not apply")
        else:
            result = self.sandbox.run_tests(order or self.task.failing_tests, self.limits)
            ok = not result.compile_error and all(
                result.status(t) == TestStatus.PASS for t in self.task.failing_tests
            )
            if ok and self.task.passing_tests:
                rest = self.sandbox.run_tests(self.task.passing_tests, self.limits)
                result = merge_results(result, rest)
        self.cache[patch.hash] = result
        if self.on_result is not None:
            self.on_result(patch, result)
        return result
