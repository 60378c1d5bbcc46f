"""The per-test timeout candidates run under, learned from the base run's durations."""

from __future__ import annotations

from patchwright.core.config import RunConfig
from patchwright.core.domain import TestOutcome, TestResult, TestStatus
from patchwright.pipeline.baseline import Baseline, candidate_limits


def baseline(durations: dict[str, tuple[TestStatus, float]], failing: list[str]) -> Baseline:
    tests = {t: TestOutcome(status=s, duration=d) for t, (s, d) in durations.items()}
    passing = [t for t, (s, _) in durations.items() if s == TestStatus.PASS]
    return Baseline(result=TestResult(tests=tests), coverage={}, failing=failing, passing=passing)


CONFIG = RunConfig.model_validate({"sandbox": {"per_test_timeout": 60}})


def test_a_failing_test_that_waited_for_its_own_timeout_does_not_set_ten_times_it() -> None:
    # the failing test spent 5 s waiting for a reply (a client's timeout); the passing
    # ones take a tenth of a second: a candidate that hangs is cut after 16 s, not 50
    base = baseline({"t.py::test_reply": (TestStatus.FAIL, 5.0),
                     "t.py::test_a": (TestStatus.PASS, 0.1),
                     "t.py::test_b": (TestStatus.PASS, 0.05)}, ["t.py::test_reply"])  # fmt: skip
    assert candidate_limits(CONFIG, base).per_test_timeout == 16.0


def test_the_slowest_passing_test_still_gets_ten_times_its_time() -> None:
    base = baseline({"t.py::test_fast_fail": (TestStatus.FAIL, 0.2),
                     "t.py::test_slow": (TestStatus.PASS, 2.0)}, ["t.py::test_fast_fail"])  # fmt: skip
    assert candidate_limits(CONFIG, base).per_test_timeout == 20.5
    hung = baseline({"t.py::test_loops": (TestStatus.TIMEOUT, 60.0),
                     "t.py::test_quick": (TestStatus.PASS, 0.01)}, ["t.py::test_loops"])  # fmt: skip
    assert candidate_limits(CONFIG, hung).per_test_timeout == 1.0  # the floor (min_test_timeout)
    assert candidate_limits(CONFIG, baseline({}, [])).per_test_timeout == 1.0
