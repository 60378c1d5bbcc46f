"""Condense a failed candidate's test output into short verbal feedback."""

from __future__ import annotations

from patchwright.core.domain import Task, TestResult, TestStatus


def summarize(task: Task, result: TestResult, limit: int = 3) -> str:
    if not result.applied:
        return "the patch did not apply"
    if result.compile_error:
        return f"the code did not compile or import: {result.compile_error.strip()[:300]}"
    parts = []
    for test_id in task.failing_tests + task.passing_tests:
        outcome = result.tests.get(test_id)
        if outcome is None or outcome.status in (TestStatus.PASS, TestStatus.SKIP):
            continue
        was = "still fails" if test_id in task.failing_tests else "now breaks"
        detail = outcome.message.strip().splitlines()[0][:200] if outcome.message.strip() else ""
        if outcome.status == TestStatus.TIMEOUT:
            detail = "timed out (infinite loop?)"
        parts.append(f"{test_id} {was}: {detail}".rstrip(": "))
        if len(parts) >= limit:
            break
    if result.timed_out and not parts:
        parts.append("the test run timed out")
    return "; ".join(parts) or "tests did not pass"
