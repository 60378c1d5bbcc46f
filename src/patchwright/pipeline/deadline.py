"""How a run stops before its end: its time is spent, or a signal stops it.

The run's wall-time bound (``search.max_seconds``, ``--max-seconds``) holds over every
stage. A :class:`Deadline` is made when the run's dependencies are; every test command of
the run goes through a :class:`BoundedBed`, which gives it no more than the time left (its
wall and per-test limits cut down) and raises :class:`DeadlineExceeded` once the time is
spent, so that the stage running it ends the run as ``budget_exhausted``.

:class:`Interrupted` is what a SIGINT or SIGTERM raises while a run goes on (the handlers
are the app's, installed for the run only): the stage it lands in notes its name, every
sandbox and test process is closed on the way up, and the run can be resumed."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from patchwright.core.domain import Patch, TestResult
from patchwright.core.protocols import Collected, CoverageMap, RunLimits, TestBed

T = TypeVar("T")
MIN_RUN_SECONDS = 0.05
"""The shortest wall limit a test command is given (one with less left is not started)."""


class DeadlineExceeded(Exception):
    """The run's time is spent; the stage that sees it ends the run (not an input error).
    ``update``: what the stage still has to say in the run's state (evaluations made)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.update: dict[str, object] = {}


class Interrupted(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM) stopped the run; ``stage``: where it landed."""

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(name)
        self.signum = signum
        self.signame = name
        self.stage = ""
        self.run_dir = ""

    def __reduce__(self) -> tuple[Any, ...]:  # picklable (a batch worker sends it back)
        return (type(self), (self.signum, self.signame), self.__dict__)

    @property
    def exit_code(self) -> int:
        """The shell's code for a death by this signal: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


@dataclass
class Deadline:
    seconds: float = math.inf
    """The whole run's budget (inf: none)."""
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        """``seconds`` from now (None or NaN: no bound; 0 or less: spent already)."""
        return cls(math.inf if seconds is None or math.isnan(seconds) else seconds)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def check(self) -> None:
        if self.remaining() < MIN_RUN_SECONDS:
            raise DeadlineExceeded(self.describe())

    def describe(self, stage: str = "") -> str:
        where = f" in {stage}" if stage else ""
        return f"timed out{where} after {self.elapsed():.1f}s (--max-seconds {self.seconds:g})"

    def limits(self, limits: RunLimits) -> RunLimits:
        """``limits`` with no more wall (and per-test) time than is left."""
        left = max(self.remaining(), MIN_RUN_SECONDS)
        if left >= limits.wall_timeout and left >= limits.per_test_timeout:
            return limits
        return dataclasses.replace(
            limits,
            wall_timeout=min(limits.wall_timeout, left),
            per_test_timeout=min(limits.per_test_timeout, left),
        )

    def bound(self, bed: TestBed) -> TestBed:
        return bed if math.isinf(self.seconds) else BoundedBed(bed, self)


class BoundedBed:
    """A :class:`~patchwright.core.protocols.TestBed` whose test commands end by the
    deadline: each one gets at most the time left, and :class:`DeadlineExceeded` is raised
    before a command when none is left and after one that ran into it (its result is cut
    short: never recorded as the candidate's or the base's outcome)."""

    __test__: ClassVar[bool] = False

    def __init__(self, bed: TestBed, deadline: Deadline) -> None:
        self.bed = bed
        self.deadline = deadline

    @property
    def root(self) -> str:
        return self.bed.root

    @property
    def runner(self) -> Any:
        """The bed's test runner (its settings: reproduce's all-threads run sets one)."""
        return getattr(self.bed, "runner", None)

    @property
    def settings(self) -> dict[str, object]:
        return self.bed.settings

    @settings.setter
    def settings(self, value: dict[str, object]) -> None:
        self.bed.settings = value

    def reset(self) -> None:
        self.bed.reset()

    def apply(self, patch: Patch) -> bool:
        return self.bed.apply(patch)

    def _bounded(self, run: Callable[[RunLimits], T], limits: RunLimits) -> T:
        self.deadline.check()
        out = run(self.deadline.limits(limits))
        if self.deadline.expired():
            raise DeadlineExceeded(self.deadline.describe())
        return out

    def collect(self, limits: RunLimits) -> Collected:
        return self._bounded(self.bed.collect, limits)

    def run_tests(self, tests: Sequence[str], limits: RunLimits) -> TestResult:
        return self._bounded(lambda lim: self.bed.run_tests(tests, lim), limits)

    def collect_coverage(
        self, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        return self._bounded(lambda lim: self.bed.collect_coverage(tests, lim), limits)

    def calibrate(self, tests: Sequence[str], limits: RunLimits) -> tuple[TestResult, CoverageMap]:
        """The runner's calibration with this bed, so that each of its runs is bounded."""
        runner = self.runner
        if runner is not None and hasattr(runner, "calibrate"):
            out: tuple[TestResult, CoverageMap] = runner.calibrate(self, tests, limits)
            return out
        return self._bounded(lambda lim: self.bed.calibrate(tests, lim), limits)

    def close(self) -> None:
        self.bed.close()


class BoundedModel:
    """A :class:`~patchwright.core.protocols.Model` whose calls end by the deadline: none
    starts once the time is spent, and each gets at most the time left (``timeout``). A
    call the deadline cut short raises :class:`DeadlineExceeded`, so the stage ends the run
    as ``budget_exhausted`` (a slow local model's rerank once took 305 s of a 240 s run)."""

    def __init__(self, inner: Any, deadline: Deadline) -> None:
        self.inner = inner
        self.deadline = deadline
        self.name = inner.name

    def __getattr__(self, attr: str) -> Any:  # calls, tokens, cost, price, close, ...
        return getattr(self.inner, attr)

    def complete(self, messages: Sequence[Any], **options: Any) -> Any:
        from patchwright.model.errors import ModelError

        self.deadline.check()
        if math.isinf(self.deadline.seconds):
            return self.inner.complete(messages, **options)
        left = self.deadline.remaining()
        given = options.get("timeout")
        options["timeout"] = left if given is None else min(given, left)
        try:
            return self.inner.complete(messages, **options)
        except ModelError:
            if self.deadline.remaining() < MIN_RUN_SECONDS:
                raise DeadlineExceeded(self.deadline.describe()) from None
            raise
