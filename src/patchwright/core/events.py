"""The events of a run: one JSON line each in ``trajectory.jsonl``, written as they happen.

The first line is a :class:`TrajectoryHeader` carrying the format version
(``TRAJECTORY_VERSION``); every later line is one :data:`Event`, a union of small classes
told apart by ``kind``. Every event has ``t`` (seconds since the epoch). Readers (the TUI,
``inspect``, resume, the replay model, the benchmarks) use the typed fields, never raw dicts::

    header, events = read_events(path)            # patchwright.store.artifacts
    for ev in events:
        match ev:
            case Evaluation(plausible=True): ...
            case ModelCall(cost=cost): ...

Version 1 files (``Step(kind, name, data)`` lines) are read through
:func:`patchwright.core.events_v1.upgrade`; a file from a newer version is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from patchwright.core.domain import Location, Message, Patch, Task, TestResult
from patchwright.core.errors import PatchwrightError

TRAJECTORY_VERSION = 2
"""Version of the trajectory format. 1: untyped ``Step`` lines; 2: typed events."""

StageName = Literal[
    "prepare", "reproduce", "localize", "search", "validate", "minimize", "approve", "finalize"
]


class BaseEvent(BaseModel):
    """What every event has: its kind (the discriminator) and its time."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    t: float = Field(default_factory=time.time)


class TrajectoryHeader(BaseModel):
    """First line of ``trajectory.jsonl``: the format version, the task and the config."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["header"] = "header"
    version: int = TRAJECTORY_VERSION
    t: float = Field(default_factory=time.time)
    task: Task
    config: dict[str, Any] = Field(default_factory=dict)
    patchwright: str = ""

    @property
    def started(self) -> float:
        return self.t


class Stage(BaseEvent):
    """A stage of the pipeline started (``phase="start"``) or ended (``"end"``, with how long
    it took and how it ended: ``status`` empty when it went on, else the run's status)."""

    kind: Literal["stage"] = "stage"
    name: StageName
    phase: Literal["start", "end"] = "start"
    seconds: float | None = None
    status: str = ""
    detail: str = ""
    """One line for people (``strategy=mcts``, ``failing=1 passing=40``)."""


class TaskInfo(BaseEvent):
    """What the header could not know yet: the snapshot's base commit (after prepare) and
    the failing and passing tests (after reproduce, the first ``TEST_LIST_LIMIT`` of each)."""

    kind: Literal["task"] = "task"
    task_id: str = ""
    base_commit: str = ""
    repo: str = ""
    failing: int = 0
    passing: int = 0
    failing_tests: list[str] = Field(default_factory=list)
    passing_tests: list[str] = Field(default_factory=list)


TEST_LIST_LIMIT = 200


class Selection(BaseEvent):
    """The strategy picked a node to expand."""

    kind: Literal["selection"] = "selection"
    node: int
    visits: int = 0
    value: float = 0.0
    reward: float | None = None


class Expansion(BaseEvent):
    """The proposers were asked for ``node``'s candidates (again, when feedback changed)."""

    kind: Literal["expansion"] = "expansion"
    node: int
    candidates: int
    feedback: list[str] = Field(default_factory=list)


class CandidateEvent(BaseEvent):
    """A candidate is about to be tested as child ``node`` of ``parent``."""

    kind: Literal["candidate"] = "candidate"
    node: int
    parent: int
    template: str = ""
    thought: str = ""
    prior: float = 0.0
    patch_hash: str = ""
    files: list[str] = Field(default_factory=list)


class Evaluation(BaseEvent):
    """A candidate's test result and reward; ``cached``: a result from an earlier run."""

    kind: Literal["evaluation"] = "evaluation"
    node: int
    parent: int
    template: str = ""
    thought: str = ""
    patch_hash: str
    patch: Patch
    reward: float
    plausible: bool
    result: TestResult
    evaluation: int
    """How many candidates were tested so far (this one included)."""
    cached: bool = False


class Rethink(BaseEvent):
    """A failed child's feedback revised ``node``'s thought."""

    kind: Literal["rethink"] = "rethink"
    node: int
    feedback: str
    thought: str


class ModelCall(BaseEvent):
    """One model request and its reply, with its accounting (replayable)."""

    kind: Literal["model_call"] = "model_call"
    model: str
    messages: list[Message]
    response: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    """Dollars; None when the price is unknown."""
    latency: float = 0.0
    cached: bool = False
    finish_reason: str = ""
    max_tokens: int = 0
    temperature: float = 0.0
    stop: list[str] = Field(default_factory=list)


class ToolCall(BaseEvent):
    """A tool ran: ``sbfl`` (locations), ``validate`` / ``visible`` / ``hidden`` (tests:
    ``ok``, ``failed``), ``minimize`` (changed lines before and after), ``docs`` (entries)."""

    kind: Literal["tool_call"] = "tool_call"
    tool: str
    ok: bool | None = None
    seconds: float | None = None
    summary: str = ""
    locations: list[Location] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    passed_count: int | None = None
    failed_count: int | None = None
    lines_before: int | None = None
    lines_after: int | None = None
    entries: list[str] = Field(default_factory=list)
    attempt: int | None = None
    """Which try this was, for tools run once per attempt (GitChameleon's visible test)."""


class BudgetEvent(BaseEvent):
    """A budget stopped something: a proposer retired, a cap reached."""

    kind: Literal["budget"] = "budget"
    name: str
    """What happened: ``proposer retired``."""
    proposer: str = ""
    reason: str = ""


class Resume(BaseEvent):
    """The run resumed from its saved tree and earlier evaluations."""

    kind: Literal["resume"] = "resume"
    nodes: int
    cached: int


class Note(BaseEvent):
    """Something worth knowing that changes nothing (``llm edit rejected``)."""

    kind: Literal["note"] = "note"
    name: str
    message: str = ""


class ErrorEvent(BaseEvent):
    """A failure the run survived: ``source`` says where (``model_call``, ``llm_rank``)."""

    kind: Literal["error"] = "error"
    source: str
    error: str = ""
    """The exception's type name (and message, cut)."""
    message: str = ""
    model: str = ""
    cap: str = ""
    """A model budget's cap that refused the call (``max_dollars``)."""
    scope: str = ""


class Result(BaseEvent):
    """How the run (or a benchmark problem) ended."""

    kind: Literal["result"] = "result"
    status: str
    message: str = ""
    seconds: float = 0.0
    evaluations: int = 0
    patch_hash: str = ""
    changed_lines: int = 0
    model_calls: int = 0
    tokens: int = 0
    cost: float = 0.0
    validated: bool | None = None


AnyEvent = (
    Stage
    | TaskInfo
    | Selection
    | Expansion
    | CandidateEvent
    | Evaluation
    | Rethink
    | ModelCall
    | ToolCall
    | BudgetEvent
    | Resume
    | Note
    | ErrorEvent
    | Result
)
Event = Annotated[AnyEvent, Field(discriminator="kind")]
EVENT_KINDS: tuple[str, ...] = tuple(
    c.model_fields["kind"].default for c in AnyEvent.__args__
)
Record = Callable[[AnyEvent], None]
"""Where events go: the trajectory writer, a progress display, a test's list.append."""

_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(Event)


class TrajectoryFormatError(PatchwrightError, ValueError):
    """A trajectory file this version cannot read (newer format, a malformed line)."""


def parse_event(obj: dict[str, Any]) -> AnyEvent:
    """One decoded JSON line of the current version as its event class."""
    return _EVENT.validate_python(obj)


def check_version(version: object, where: str) -> int:
    """``version`` as an int, or a one-line :class:`TrajectoryFormatError`."""
    if not isinstance(version, int) or version < 1:
        raise TrajectoryFormatError(f"{where}: bad trajectory format version {version!r}")
    if version > TRAJECTORY_VERSION:
        raise TrajectoryFormatError(
            f"{where}: trajectory format version {version} is newer than this patchwright "
            f"reads (up to {TRAJECTORY_VERSION}); upgrade patchwright"
        )
    return version
