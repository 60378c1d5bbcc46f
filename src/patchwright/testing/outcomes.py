"""The result of a runner's test command from the outcomes it reported: a requested test
with none of its own is an error (or a timeout when the run hit its wall-clock limit),
unless the run stopped early on purpose (fail-fast). Shared by the JUnit and unittest
runners."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from patchwright.core.domain import TestOutcome, TestResult, TestStatus
from patchwright.core.protocols import Completed

TAIL = 4000


def finish(
    done: Completed, tests: Sequence[str], outcomes: Mapping[str, TestOutcome],
    compile_error: str, stopped: bool, covers: Callable[[str], bool], tail: int = TAIL,
) -> TestResult:  # fmt: skip
    """``covers(t)``: some reported outcome stands for requested id ``t``."""
    tests_out = dict(outcomes)
    for t in tests:
        if t in tests_out or covers(t) or (stopped and not done.timed_out):
            continue
        status = TestStatus.TIMEOUT if done.timed_out else TestStatus.ERROR
        message = compile_error or ("run hit its wall-clock limit" if done.timed_out
                                    else "no result reported")  # fmt: skip
        tests_out[t] = TestOutcome(status=status, message=message[:500])
    return TestResult(compile_error=compile_error, tests=tests_out, duration=done.duration,
                      timed_out=done.timed_out, output_tail=done.output[-tail:],
                      stopped_early=stopped)  # fmt: skip
