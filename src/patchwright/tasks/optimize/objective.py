"""Optimize's objective: the tests are a gate (every test that passed at base still
passes), the measured speed-up is the reward (log speed-up, 0 unless the A/B comparison
accepts it; 0 whenever a test breaks)."""

from __future__ import annotations

import math

from patchwright.core.domain import Task, TestResult, TestStatus
from patchwright.tasks.optimize.measure import Comparison, Verdict, judge

_OK = (TestStatus.PASS, TestStatus.SKIP)


def gate(task: Task, result: TestResult) -> bool:
    """The patch applied, nothing failed to compile, and every base-passing test passed."""
    if not result.applied or result.compile_error or result.timed_out:
        return False
    if task.passing_tests:
        return all(result.status(t) in _OK for t in task.passing_tests)
    return bool(result.tests) and all(o.status in _OK for o in result.tests.values())


class OptimizeObjective:
    """Scores a candidate from its test result and its A/B comparison with the base.

    ``floor`` is the A/A noise floor measured at the start of the run. The protocol's
    :meth:`reward`/:meth:`done` read the comparison recorded with :meth:`record` for that
    result (none recorded: the gate alone, no reward)."""

    name = "optimize"

    def __init__(self, floor: float = 1.0, min_speedup: float = 1.1, alpha: float = 0.05):
        self.floor = floor
        self.min_speedup = min_speedup
        self.alpha = alpha
        self._measured: dict[int, Comparison] = {}

    def verdict(self, comparison: Comparison) -> Verdict:
        return judge(comparison, self.floor, self.min_speedup, self.alpha)

    def score(self, task: Task, result: TestResult, comparison: Comparison | None) -> float:
        if comparison is None or not gate(task, result):
            return 0.0
        v = self.verdict(comparison)
        return math.log(v.speedup) if v.accepted else 0.0

    def record(self, result: TestResult, comparison: Comparison) -> None:
        self._measured[id(result)] = comparison

    def reward(self, task: Task, result: TestResult) -> float:
        return self.score(task, result, self._measured.get(id(result)))

    def done(self, task: Task, result: TestResult) -> bool:
        return self.reward(task, result) > 0.0


__all__ = ["OptimizeObjective", "gate"]
