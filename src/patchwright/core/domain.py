"""Central value types. Pure: no I/O, no third-party imports but pydantic.

Every type that goes to disk round-trips through JSON and carries ``FORMAT_VERSION``
in the containers that are written (result files, tree files); the trajectory's events and
its versioned header live in :mod:`patchwright.core.events`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1

TaskKind = Literal["repair", "migrate", "optimize"]
LocationSource = Literal["sbfl", "bm25", "llm", "traceback", "manual", "profile"]


class Model(BaseModel):
    """Base for all value types: strict fields, JSON round trip."""

    model_config = ConfigDict(extra="forbid", frozen=False)


class RepairSpec(Model):
    """Repair: make the failing tests pass without breaking the passing ones."""

    kind: Literal["repair"] = "repair"
    selectors: list[str] = Field(default_factory=list)
    """Failing tests the user named (node ids or prefixes); empty: every failing test."""
    issue: str = ""
    """Issue text, when the goal came as one (localization reads it)."""


class MigrateSpec(Model):
    """Migrate: move the project to ``library==version`` (tests run in the target env)."""

    kind: Literal["migrate"] = "migrate"
    library: str
    version: str
    from_version: str = ""
    rules_file: str = ""
    """The API-change rules (a rules JSON file) the migration proposers apply."""
    python: str = ""
    """Interpreter of the target environment (the library's docs are read from it)."""


class OptimizeSpec(Model):
    """Optimize: make a workload faster while every test that passed still passes."""

    kind: Literal["optimize"] = "optimize"
    workload: str = ""
    """A shell command whose run time is measured."""
    target: str = ""
    """``module:function`` to time instead of a workload."""
    min_speedup: float = 1.1
    repeats: int = 5


TaskSpec = Annotated[RepairSpec | MigrateSpec | OptimizeSpec, Field(discriminator="kind")]


class Task(Model):
    """What to do, on which repository, judged by which tests."""

    id: str
    repo: str
    """Path of the isolated workspace (the snapshot), not of the user's tree."""
    base_commit: str = ""
    description: str = ""
    failing_tests: list[str] = Field(default_factory=list)
    """Tests that fail at base and must pass after the patch."""
    passing_tests: list[str] = Field(default_factory=list)
    """Tests that pass at base and must keep passing."""
    test_command: list[str] = Field(default_factory=list)
    """Extra arguments selecting the tests (pytest paths or node ids); empty = discover."""
    failure_messages: dict[str, str] = Field(default_factory=dict)
    """Short failure text of each failing test at base (what proposers are told)."""
    spec: TaskSpec = Field(default_factory=RepairSpec)

    @property
    def kind(self) -> TaskKind:
        return self.spec.kind


class Location(Model):
    """A suspicious place in the code."""

    path: str
    line: int
    end_line: int
    symbol: str = ""
    score: float = 0.0
    source: LocationSource = "sbfl"


class Patch(Model):
    """A unified diff relative to the task's base commit.

    Build with :func:`patchwright.core.diff.make_patch` so that ``hash`` is the hash of the
    normalized diff and two equal changes always compare equal.
    """

    diff: str
    files: list[str] = Field(default_factory=list)
    hash: str = ""

    @property
    def empty(self) -> bool:
        return not self.diff.strip()


class TestStatus(StrEnum):
    __test__ = False  # not a pytest test class
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    TIMEOUT = "timeout"
    SKIP = "skip"


class TestOutcome(Model):
    __test__ = False
    status: TestStatus
    duration: float = 0.0
    message: str = ""
    """Short failure text: assertion message or exception line."""
    output: str = ""
    """Tail of the failure details (traceback), bounded in size."""


class TestResult(Model):
    """Outcome of one test run on one candidate."""

    __test__ = False

    applied: bool = True
    """False when the patch did not apply; no test ran."""
    compile_error: str = ""
    """Syntax or collection error that stopped tests from running."""
    tests: dict[str, TestOutcome] = Field(default_factory=dict)
    duration: float = 0.0
    timed_out: bool = False
    """The whole run hit its wall-clock limit and was killed."""
    output_tail: str = ""
    stopped_early: bool = False
    """The run stopped at the first failure (fail-fast); some requested tests did not run."""

    def status(self, test_id: str) -> TestStatus | None:
        outcome = self.tests.get(test_id)
        return outcome.status if outcome else None

    def passed(self, test_id: str) -> bool:
        return self.status(test_id) == TestStatus.PASS

    def failed_ids(self) -> list[str]:
        return [
            t for t, o in self.tests.items() if o.status not in (TestStatus.PASS, TestStatus.SKIP)
        ]

    def fixed(self, failing: list[str]) -> list[str]:
        return [t for t in failing if self.passed(t)]

    def broken(self, passing: list[str]) -> list[str]:
        """Originally passing tests that ran and did not pass."""
        return [t for t in passing if t in self.tests and not self.passed(t)]

    def plausible(self, task: Task) -> bool:
        """All failing tests pass and every originally passing test ran and passed."""
        if not self.applied or self.compile_error:
            return False
        return all(self.passed(t) for t in task.failing_tests) and all(
            self.passed(t) for t in task.passing_tests
        )


class Candidate(Model):
    """A proposed change: a thought and the patch it leads to (cumulative, against base)."""

    thought: str
    patch: Patch
    template: str = ""
    prior: float = 0.0
    """Ranking score given by the proposer (higher first)."""
    location: Location | None = None


class Node(Model):
    """A node of the search tree. The tree is a flat list with parent ids."""

    id: int
    parent: int | None = None
    depth: int = 0
    thought: str = ""
    patch: Patch | None = None
    template: str = ""
    prior: float = 0.0
    result: TestResult | None = None
    reward: float | None = None
    visits: int = 0
    value: float = 0.0
    feedback: list[str] = Field(default_factory=list)
    terminal: bool = False
    plausible: bool = False
    expanded: bool = False


class Message(Model):
    """One chat message sent to or received from a model."""

    role: Literal["system", "user", "assistant"]
    content: str


class ModelResponse(Model):
    """A model's reply with its accounting."""

    text: str
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    """Dollars; None when the model's price is unknown (tokens only)."""
    latency: float = 0.0
    cached: bool = False
    finish_reason: str = ""


RunStatus = Literal["plausible", "not_found", "budget_exhausted", "error", "rejected", "flaky"]
"""flaky: the found patch "fixed" tests that pass at the base commit on a re-run (issue 12)."""


class RunResult(Model):
    """Content of ``result.json``; its presence marks a finished run."""

    version: int = FORMAT_VERSION
    task_id: str
    status: RunStatus
    message: str = ""
    evaluations: int = 0
    evaluations_to_plausible: int | None = None
    seconds: float = 0.0
    model_calls: int = 0
    tokens: int = 0
    cost: float = 0.0
    patch_hash: str = ""
    changed_lines: int = 0
    edits: int = 0
    """Depth of the plausible node: how many proposer edits the patch stacks."""
    failing_tests: list[str] = Field(default_factory=list)
    passing_tests: list[str] = Field(default_factory=list)
    validated: bool | None = None
    """Full suite re-run in a fresh workspace passed (None: not checked)."""
