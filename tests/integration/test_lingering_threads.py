"""A test that starts a server thread (or a process) and never stops it does not hold a
finished run open until its wall-clock limit: once pytest has written its report, the run
waits a bounded grace for such threads and at-exit handlers, then ends (luigi's scheduler
tests held every reproduce of BugsInPy luigi-1 past its --max-seconds). Real pytest runs,
warm (fork server) and cold (the coverage run)."""

from __future__ import annotations

import threading

from patchwright.core.domain import TestStatus
from patchwright.core.protocols import RunLimits
from patchwright.sandbox.inproc_pytest import wind_down
from patchwright.testing.testbed import local_bed

SERVER = """\
import multiprocessing
import threading
import time

from calc import double


def test_leaves_a_server_thread_running():
    threading.Thread(target=time.sleep, args=(600,)).start()
    assert double(2) == 4


def test_leaves_a_process_running():
    multiprocessing.Process(target=time.sleep, args=(600,)).start()
    assert double(3) == 6
"""
TESTS = ["tests/test_server.py::test_leaves_a_server_thread_running",
         "tests/test_server.py::test_leaves_a_process_running"]  # fmt: skip
LIMITS = RunLimits(per_test_timeout=30, wall_timeout=60)


def test_a_run_whose_tests_left_threads_running_ends_with_its_results(make_repo) -> None:
    proj = make_repo({"calc.py": "def double(x):\n    return 2 * x\n", "tests/test_server.py": SERVER})
    with local_bed(proj, plugins="none") as bed:
        result, coverage = bed.collect_coverage(TESTS, LIMITS)  # cold: python -m pytest
        assert not result.timed_out and all(result.status(t) == TestStatus.PASS for t in TESTS)
        assert coverage[TESTS[0]]["calc.py"] == {2}
        warm = bed.run_tests(TESTS, LIMITS)  # a forked child of the fork server
        assert not warm.timed_out and all(warm.status(t) == TestStatus.PASS for t in TESTS)


def test_wind_down_joins_what_ends_in_time_and_leaves_the_rest() -> None:
    done: list[str] = []

    class Handlers:  # an at-exit module: its handlers run once, bounded
        @staticmethod
        def _run_exitfuncs() -> None:
            done.append("atexit")

    quick = threading.Thread(target=lambda: done.append("thread"))
    quick.start()
    stuck = threading.Event()
    hung = threading.Thread(target=stuck.wait)
    hung.start()
    try:
        wind_down(threading, Handlers, grace=0.2)
        assert sorted(done) == ["atexit", "thread"] and hung.is_alive()
    finally:
        stuck.set()
        hung.join()


def test_wind_down_never_waits_on_the_thread_that_calls_it() -> None:
    # the calling thread is alive and not a daemon: joining it (from a helper thread, as
    # a first version did) waits out the grace on every run, 2 s on each warm evaluation
    joined: list[str] = []

    class Seen:
        def __init__(self, thread: threading.Thread) -> None:
            self.thread, self.daemon = thread, thread.daemon

        def is_alive(self) -> bool:
            return self.thread.is_alive()

        def join(self, timeout: float | None = None) -> None:
            joined.append(self.thread.name)

    seen: dict[threading.Thread, Seen] = {}

    class Threads:  # the real threads, their joins recorded
        Thread = threading.Thread

        @staticmethod
        def current_thread() -> Seen:
            return seen.setdefault(threading.current_thread(), Seen(threading.current_thread()))

        @staticmethod
        def enumerate() -> list[Seen]:
            return [seen.setdefault(t, Seen(t)) for t in threading.enumerate()]

    wind_down(Threads, object(), grace=0.1)
    assert threading.current_thread().name not in joined
