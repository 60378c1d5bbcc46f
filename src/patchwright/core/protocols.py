"""Protocols between the stages. Adapters implement them; search and agent code depend only
on these, so a Docker sandbox, an LLM proposer or MCTS plug in without rewrites."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from patchwright.core.types import (
    Candidate,
    Location,
    Message,
    ModelResponse,
    Patch,
    Step,
    Task,
    TestResult,
)


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
"""test id -> source path (relative to the repo root) -> executed line numbers."""


@runtime_checkable
class Sandbox(Protocol):
    """A workspace at the base commit where candidate patches are applied and tested."""

    autoload_plugins: bool
    """Whether pytest loads the installed plugins in this sandbox's runs."""

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

    def run_tests(self, tests: Sequence[str], limits: RunLimits) -> TestResult:
        """Run ``tests`` (empty: discover all) in the current workspace state."""
        ...

    def collect_coverage(
        self, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        """Run ``tests`` recording per-test line coverage."""
        ...

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


@runtime_checkable
class Proposer(Protocol):
    name: str

    def propose(self, ctx: ProposalContext) -> Iterable[Candidate]:
        """Candidates, best first. Each patch is cumulative against the base commit."""
        ...


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
    ) -> ModelResponse:
        """One chat completion. Raises ``patchwright.model.errors.ModelError`` subclasses
        (budget exceeded, unavailable, bad response) rather than library exceptions."""
        ...


class StepSink(Protocol):
    """Where steps go (the trajectory file, a TUI, a test list)."""

    def record(self, step: Step) -> None: ...
