"""Reproduce measures a failing test again with every thread when its own thread ran no
project code: a test client that serves the app from a thread of its own (starlette's
websocket session, BugsInPy fastapi) otherwise leaves "the failing tests execute no
project code". Real pytest runs on a project the test writes."""

from __future__ import annotations

import pytest

from patchwright.core.config import RunConfig
from patchwright.pipeline.baseline import reproduce
from patchwright.pipeline.deadline import Deadline
from patchwright.testing.testbed import local_bed

CALC = "def clamp(x, lo, hi):\n    if x > hi:\n        return lo\n    return x\n"
SERVED = """\
import threading

from calc import clamp


def test_served_from_a_thread():
    out = []
    t = threading.Thread(target=lambda: out.append(clamp(9, 0, 5)))
    t.start()
    t.join()
    assert out == [5]


def test_in_the_tests_thread():
    assert clamp(1, 0, 5) == 1
"""


@pytest.mark.parametrize("seconds", [None, 300.0], ids=["unbounded", "max-seconds"])
def test_a_failing_test_whose_code_runs_in_another_thread_gets_that_threads_lines(
    make_repo, seconds: float | None
) -> None:
    # with --max-seconds the bed is wrapped by the deadline (every CLI and bench run):
    # the extra run must still reach the runner's settings
    proj = make_repo({"calc.py": CALC, "tests/test_served.py": SERVED})
    config = RunConfig()
    with local_bed(proj, plugins="none") as bed:
        bounded = Deadline.after(seconds).bound(bed)
        base = reproduce(bounded, config, ["tests/test_served.py::test_served_from_a_thread"])
        assert bed.runner.config.other_threads is False  # set back after the extra run
    failing = "tests/test_served.py::test_served_from_a_thread"
    assert base.failing == [failing]
    assert {2, 3} <= base.coverage[failing]["calc.py"]
    passing = "tests/test_served.py::test_in_the_tests_thread"
    assert passing in base.passing and base.coverage[passing]["calc.py"] == {2, 4}
