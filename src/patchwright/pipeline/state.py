"""Run state handed from stage to stage (plain JSON-able values, so a checkpointer can store
it) and the run-scoped dependencies, which live beside the state, never in it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from patchwright.core.config import RunConfig
from patchwright.core.domain import Task
from patchwright.core.events import Record
from patchwright.core.protocols import Model, Objective, Proposer, TestBed
from patchwright.pipeline.deadline import Deadline
from patchwright.search.reward import TestObjective


class RepairInput(TypedDict, total=False):
    """What a caller gives the graph."""

    source: str
    run_dir: str
    selectors: list[str]
    issue: str
    task_id: str
    spec: dict[str, Any]
    """The task spec (core.domain.TaskSpec) as JSON; absent: repair with ``selectors``."""


class RepairState(RepairInput, total=False):
    """What the stages hand on to each other."""

    stage: str
    task: dict[str, Any]
    limits: dict[str, Any]
    baseline: dict[str, Any]
    runner_settings: dict[str, Any]
    """The test runner's settings chosen at reproduce (pytest: whether plugins load)."""
    locations: list[dict[str, Any]]
    patch: dict[str, Any] | None
    status: str
    message: str
    error: str
    error_kind: str
    """Class name of the typed error (core.errors) that stopped the run."""
    evaluations: int
    evaluations_to_plausible: int | None
    validated: bool | None
    approved: bool | None
    minimize_checks: int
    edits: int


@dataclass
class RepairDeps:
    """Run-scoped dependencies: built by the caller, handed to the graph as runtime context."""

    config: RunConfig
    make_sandbox: Callable[[Path], TestBed]
    """A test bed (sandbox + test runner) on a workspace."""
    make_proposers: Callable[[Task], list[Proposer]]
    objective: Objective = field(default_factory=TestObjective)
    """The task kind's rule for scoring candidates and accepting one."""
    record: Record = lambda event: None
    confirm: bool = False
    """Pause for human approval before finalize (LangGraph interrupt)."""
    model: Model | None = None
    """The run's model (budget, cache and recording included), or None: LLM-free."""
    started: float = 0.0
    """Wall-clock start of the run (time.time()), for the seconds reported."""
    deadline: Deadline = field(default_factory=Deadline)
    """The run's wall-time bound: ``search.max_seconds`` from when the deps are made,
    unless one is given."""
    _sandboxes: dict[str, TestBed] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if math.isinf(self.deadline.seconds):
            self.deadline = Deadline.after(self.config.search.max_seconds)

    def open_bed(self, workspace: Path) -> TestBed:
        """A new test bed on ``workspace`` whose test commands end by the deadline."""
        return self.deadline.bound(self.make_sandbox(workspace))

    def sandbox(self, workspace: str) -> TestBed:
        """One test bed per workspace for the whole run, opened on first use."""
        if workspace not in self._sandboxes:
            self._sandboxes[workspace] = self.open_bed(Path(workspace))
        return self._sandboxes[workspace]

    def close(self) -> None:
        for sb in self._sandboxes.values():
            sb.close()
        self._sandboxes.clear()
