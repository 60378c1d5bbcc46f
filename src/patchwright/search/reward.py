"""Reward shaped from test outcomes, in [0, 1], and the objective built on it (what repair
and migrate score by; a task kind with another rule brings its own Objective)."""

from __future__ import annotations

from patchwright.core.domain import Task, TestResult, TestStatus


def reward(task: Task, result: TestResult) -> float:
    """1.0 plausible; partial credit for fixed failing tests; broken tests, errors and
    timeouts pull the score down; a patch that does not apply or compile scores 0."""
    if not result.applied or result.compile_error:
        return 0.0
    if result.plausible(task):
        return 1.0
    n_fail = max(len(task.failing_tests), 1)
    fixed = len(result.fixed(task.failing_tests)) / n_fail
    broken = result.broken(task.passing_tests)
    n_pass = max(len(task.passing_tests), 1)
    statuses = [o.status for o in result.tests.values()]
    penalty = 0.0
    if TestStatus.TIMEOUT in statuses or result.timed_out:
        penalty += 0.1
    elif TestStatus.ERROR in statuses:
        penalty += 0.05
    score = 0.1 + 0.8 * fixed * (1.0 - len(broken) / n_pass) - 0.3 * bool(broken) - penalty
    return max(0.01, min(score, 0.95))


class TestObjective:
    """Done when the failing tests pass and every passing test still passes; the reward
    gives partial credit (see :func:`reward`)."""

    __test__ = False
    name = "tests"

    def reward(self, task: Task, result: TestResult) -> float:
        return reward(task, result)

    def done(self, task: Task, result: TestResult) -> bool:
        return result.plausible(task)
