"""Protocols between the stages. Adapters implement them; search and agent code depend only
on these, so a Docker sandbox, an LLM proposer or MCTS plug in without rewrites."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

from patchwright.core.config import RunConfig
from patchwright.core.domain import (
    Candidate,
    Location,
    Message,
    ModelResponse,
    Patch,
    Task,
    TestResult,
)
from patchwright.core.events import AnyEvent, Record


@dataclass(frozen=True)
class RunLimits:
    """Limits for one test run."""

    per_test_timeout: float = 10.0
    wall_timeout: float = 300.0
    memory_mb: int = 2048
    max_processes: int = 256
    fail_fast: bool = False
    max_failures: int = 0
    """Stop after this many failing tests (0: no limit; fail_fast means 1)."""


CoverageMap = dict[str, dict[str, set[int]]]
"""test id -> source path (relative to the repo root) -> executed line numbers. A runner may
add ``collect:MODULE`` keys, what a test module's import ran (reproduce reads and drops
them)."""


PYTHON = "{python}"
"""In a :class:`Command`: the sandbox's Python interpreter."""
SCRATCH = "{scratch}"
"""In a :class:`Command`: the run's private scratch folder (outside the workspace)."""
WORKDIR = "{workdir}"
"""In a :class:`Command`: the workspace as the command sees it."""


@dataclass(frozen=True)
class Command:
    """One process for a sandbox to run in its workspace. ``argv`` and ``env`` values may
    hold :data:`PYTHON`, :data:`SCRATCH` and :data:`WORKDIR`, which the sandbox expands."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    """Added to the sandbox's clean environment."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Written into the scratch folder before the run (name -> text)."""
    fetch: tuple[str, ...] = ()
    """Scratch files brought back after the run (missing ones are left out)."""
    output_limit: int = 4000
    """Characters of the combined stdout and stderr kept (the tail)."""
    warm: WarmStart | None = None
    """A warm process that may run this command instead of a fresh one (see WarmStart)."""


@dataclass
class Completed:
    """What running a :class:`Command` gave."""

    returncode: int | None
    """None when it was killed or its status is unknown."""
    timed_out: bool = False
    output: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    duration: float = 0.0
    error: str = ""
    """Why the sandbox could not run it at all ('' when it ran)."""


@runtime_checkable
class WarmStart(Protocol):
    """A long-lived, preloaded process of a test runner that a sandbox may use to run a
    command of that runner faster (pytest's fork server). ``name`` says which runner's
    commands it takes (a container sandbox may hold its own warm process of that name);
    :meth:`run` returns None when it cannot run this one (the sandbox runs it plainly)."""

    name: str

    def run(
        self, argv: Sequence[str], env: dict[str, str], out_path: str, containment: object,
        limits: RunLimits, grace: float,
    ) -> tuple[int | None, bool] | None:
        """Run the whole command line ``argv`` (exit code or None, timed out), its output
        in ``out_path``, contained by the sandbox's ``containment``."""
        ...


@runtime_checkable
class Sandbox(Protocol):
    """A workspace at the base commit where processes run contained. It knows processes,
    files and limits, not test frameworks (a :class:`TestRunner` does)."""

    python: str
    """The interpreter commands get for :data:`PYTHON`."""
    workdir: str
    """The workspace as commands see it (:data:`WORKDIR`): paths in their output and
    coverage data are under it."""

    @property
    def root(self) -> str:
        """Path of the workspace on the host (for reading base sources)."""
        ...

    def reset(self) -> None:
        """Return the workspace to the base commit, removing every untracked file."""
        ...

    def apply(self, patch: Patch) -> bool:
        """Reset, then apply ``patch``; False when it does not apply."""
        ...

    def execute(self, command: Command, limits: RunLimits) -> Completed:
        """Run ``command`` in the current workspace state within ``limits``."""
        ...

    def close(self) -> None: ...


@dataclass
class Collected:
    """The test ids a runner found, in its order, and what kept some from loading."""

    tests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@runtime_checkable
class TestRunner(Protocol):
    """A test framework: the commands that collect and run chosen tests (optionally with
    per-test coverage) and the reading of their results. Runs go through a Sandbox."""

    __test__: ClassVar[bool] = False

    name: str

    def collect_command(self, sandbox: Sandbox) -> Command: ...

    def parse_collect(self, done: Completed, sandbox: Sandbox) -> Collected: ...

    def run_command(
        self, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits, coverage: bool
    ) -> Command: ...

    def parse_run(
        self, done: Completed, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits
    ) -> TestResult: ...

    def read_coverage(self, done: Completed, sandbox: Sandbox) -> CoverageMap: ...

    def calibrate(
        self, bed: TestBed, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        """The coverage run of ``tests`` at base, during which the runner settles its
        settings (pytest: plugins "auto"); a runner with nothing to settle just runs it."""
        ...

    settings: dict[str, object]
    """JSON-able choices made at reproduce (pytest: whether plugins load), kept on resume."""

    def close(self) -> None: ...


@runtime_checkable
class TestBed(Protocol):
    """What the pipeline and the search use: a sandbox and the task's test runner."""

    __test__: ClassVar[bool] = False

    @property
    def root(self) -> str: ...

    def reset(self) -> None: ...

    def apply(self, patch: Patch) -> bool: ...

    def collect(self, limits: RunLimits) -> Collected:
        """Every test id of the project, by collection (nothing run)."""
        ...

    def run_tests(self, tests: Sequence[str], limits: RunLimits) -> TestResult:
        """Run ``tests`` (empty: all) in the current workspace state."""
        ...

    def collect_coverage(
        self, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        """Run ``tests`` recording per-test line coverage."""
        ...

    def calibrate(
        self, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        """The runner's :meth:`TestRunner.calibrate` on this bed."""
        ...

    settings: dict[str, object]

    def close(self) -> None: ...


@dataclass
class ProposalContext:
    """What a proposer sees when it expands a node."""

    task: Task
    base_files: Mapping[str, str]
    """Base-commit contents of the source files that may be edited."""
    files: Mapping[str, str]
    """Contents of those files with the parent node's patch applied."""
    locations: Sequence[Location]
    parent_patch: Patch | None = None
    thought: str = ""
    feedback: Sequence[str] = field(default_factory=list)
    limit: int = 0
    """Maximum number of candidates wanted (0: the proposer's own default)."""


class ProposerStop(Exception):
    """A proposer cannot go on because a budget it spends (a model's) is used up. Alone, it
    stops the search cleanly (best patch so far kept, ``reason`` reported); beside other
    proposers, it is retired and the search goes on with the rest."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class BuildContext:
    """What a component's ``build`` classmethod may use: the run's configuration, the
    task (None before prepare), the run's model (None: LLM-free) and the event recorder."""

    config: RunConfig
    task: Task | None = None
    model: Model | None = None
    record: Record | None = None


@runtime_checkable
class Proposer(Protocol):
    name: str

    def propose(self, ctx: ProposalContext) -> Iterable[Candidate]:
        """Candidates, best first. Each patch is cumulative against the base commit."""
        ...


@runtime_checkable
class Objective(Protocol):
    """One per task kind: turns a candidate's test result into a reward in [0, 1] and says
    when a candidate is done (repair: the failing tests pass and nothing breaks)."""

    name: str

    def reward(self, task: Task, result: TestResult) -> float: ...

    def done(self, task: Task, result: TestResult) -> bool: ...


@runtime_checkable
class Localizer(Protocol):
    name: str

    def localize(self, task: Task, coverage: CoverageMap, result: TestResult) -> list[Location]:
        """Ranked suspicious locations, most suspicious first."""
        ...


@runtime_checkable
class Model(Protocol):
    """A chat model. Adapters: OpenAI-compatible HTTP, scripted, replay."""

    name: str

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> ModelResponse:
        """One chat completion. Raises ``patchwright.model.errors.ModelError`` subclasses
        (budget exceeded, unavailable, bad response) rather than library exceptions.
        ``timeout``: seconds the call may take at most, retries included (the run's time
        left); None: the adapter's own limit."""
        ...


class EventSink(Protocol):
    """Where events go (the trajectory file, a TUI, a test list)."""

    def record(self, event: AnyEvent) -> None: ...
