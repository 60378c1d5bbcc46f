"""Events -> view models: what the screens show, folded from the typed trajectory events
and the saved tree (no textual here; widgets only render these)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from patchwright.core.domain import Node, TestResult
from patchwright.core.events import (
    AnyEvent,
    BudgetEvent,
    CandidateEvent,
    ErrorEvent,
    Evaluation,
    Expansion,
    ModelCall,
    Note,
    Result,
    Resume,
    Rethink,
    Selection,
    Stage,
    TaskInfo,
    ToolCall,
    TrajectoryHeader,
)

LOG_LIMIT = 500
"""Log lines kept (older ones are dropped: the trajectory has them all)."""
CALL_LIMIT = 200


@dataclass
class NodeView:
    id: int
    parent: int | None = None
    depth: int = 0
    thought: str = ""
    template: str = ""
    reward: float | None = None
    visits: int = 0
    plausible: bool = False
    evaluated: bool = False
    cached: bool = False
    diff: str = ""
    tests: list[tuple[str, str, str]] = field(default_factory=list)
    """(test id, status, message) of the node's last evaluation."""
    compile_error: str = ""
    feedback: list[str] = field(default_factory=list)
    children: list[int] = field(default_factory=list)

    @property
    def status(self) -> str:
        """root, pending (being tested), plausible, partial (some reward), failed."""
        if self.parent is None:
            return "root"
        if not self.evaluated:
            return "pending"
        if self.plausible:
            return "plausible"
        return "partial" if (self.reward or 0.0) > 0.1 else "failed"


@dataclass
class CallView:
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    latency: float
    cached: bool


@dataclass
class Gauge:
    name: str
    used: float
    limit: float | None

    @property
    def fraction(self) -> float:
        if not self.limit:
            return 0.0
        return max(0.0, min(1.0, self.used / self.limit))


@dataclass
class Row:
    """One line of the flattened tree (depth-first order)."""

    node: NodeView
    depth: int
    has_children: bool
    collapsed: bool


def _tests(result: TestResult) -> list[tuple[str, str, str]]:
    """The tests of one evaluation, those that did not pass first."""
    rows = [(tid, str(o.status), o.message.splitlines()[0] if o.message else "")
            for tid, o in result.tests.items()]  # fmt: skip
    return sorted(rows, key=lambda r: r[1] in ("pass", "skip"))


class RunView:
    """The state of one run as the screens show it, updated one event at a time."""

    def __init__(self, header: TrajectoryHeader | None = None) -> None:
        self.nodes: dict[int, NodeView] = {0: NodeView(id=0, thought="base commit")}
        self.task_id = ""
        self.kind = "repair"
        self.base_commit = ""
        self.failing: list[str] = []
        self.passing = 0
        self.stage = ""
        self.stages_done: list[str] = []
        self.log: list[str] = []
        self.calls: list[CallView] = []
        self.tokens = 0
        self.cost = 0.0
        self.evaluations = 0
        self.started = 0.0
        self.last_t = 0.0
        self.result: Result | None = None
        self.approval: str = ""
        """"" none asked, "waiting", "approved", "rejected"."""
        self.minimized = False
        self.limits: dict[str, float | None] = {}
        self.version = 0
        """Bumped on every change (widgets repaint when it moved)."""
        self.structure = 0
        """Bumped when nodes are added (the flattened rows must be rebuilt)."""
        if header is not None:
            self.set_header(header)

    def set_header(self, header: TrajectoryHeader) -> None:
        self.task_id = header.task.id
        self.kind = header.task.spec.kind
        self.started = header.t
        self.last_t = max(self.last_t, header.t)
        cfg: dict[str, Any] = header.config or {}
        search, budget = cfg.get("search", {}), cfg.get("budget", {})
        self.limits = {
            "evaluations": search.get("max_evals"),
            "seconds": search.get("max_seconds"),
            "tokens": budget.get("max_tokens"),
            "dollars": budget.get("max_dollars"),
        }
        self.version += 1

    # -- events ---------------------------------------------------------------------------
    def apply_all(self, events: list[AnyEvent]) -> None:
        for ev in events:
            self.apply(ev)

    def apply(self, ev: AnyEvent) -> None:
        self.version += 1
        self.last_t = max(self.last_t, ev.t)
        match ev:
            case Stage(phase="start"):
                self.stage = ev.name
                self._log(f"{ev.name} {ev.detail}".rstrip())
            case Stage(name="approve"):
                self.approval = ev.status or "approved"
                self._log(f"approve: {self.approval}")
            case Stage(phase="end"):
                self.stages_done.append(ev.name)
                if ev.name == "minimize" and not ev.status:
                    self.minimized = True
                took = f" ({ev.seconds:.1f}s)" if ev.seconds is not None else ""
                self._log(f"{ev.name}: {ev.status or 'done'}{took} {ev.detail}".rstrip())
            case TaskInfo():
                self.task_id = ev.task_id or self.task_id
                self.base_commit = ev.base_commit or self.base_commit
                if ev.failing or ev.passing:
                    self.failing, self.passing = list(ev.failing_tests), ev.passing
                    self._log(f"failing={ev.failing} passing={ev.passing}")
            case Selection():
                node = self._node(ev.node)
                node.visits = max(node.visits, ev.visits)
            case Expansion():
                self._log(f"expand #{ev.node}: {ev.candidates} candidates")
            case CandidateEvent():
                self._child(ev.node, ev.parent, ev.thought, ev.template)
            case Evaluation():
                self._evaluated(ev)
            case Rethink():
                node = self._node(ev.node)
                node.feedback.append(ev.feedback)
                node.thought = ev.thought
            case ModelCall():
                self.tokens += ev.prompt_tokens + ev.completion_tokens
                self.cost += ev.cost or 0.0
                self.calls.append(CallView(ev.model, ev.prompt_tokens, ev.completion_tokens,
                                           ev.cost, ev.latency, ev.cached))  # fmt: skip
                del self.calls[:-CALL_LIMIT]
            case ToolCall():
                self._log(f"{ev.tool}: {ev.summary or _tool_line(ev)}".rstrip())
            case BudgetEvent():
                self._log(f"budget: {ev.name} {ev.proposer} {ev.reason}".rstrip())
            case Resume():
                self._log(f"resumed: {ev.nodes} nodes, {ev.cached} evaluations cached")
            case Note():
                self._log(f"{ev.name}: {ev.message}")
            case ErrorEvent():
                self._log(f"error in {ev.source}: {ev.message or ev.error}")
            case Result():
                self.result = ev
                self._log(f"result: {ev.status} {ev.message}".rstrip())

    def _log(self, line: str) -> None:
        self.log.append(line)
        del self.log[:-LOG_LIMIT]

    def _node(self, nid: int) -> NodeView:
        node = self.nodes.get(nid)
        if node is None:  # an event about a node whose creation was not seen (a torn line)
            node = self._child(nid, 0 if nid else None, "", "")
        return node

    def _child(self, nid: int, parent: int | None, thought: str, template: str) -> NodeView:
        node = self.nodes.get(nid)
        if node is None:
            node = self.nodes[nid] = NodeView(id=nid, parent=parent)
            self.structure += 1
            if parent is not None:
                up = self._node(parent)
                up.children.append(nid)
                node.depth = up.depth + 1
        node.thought = thought or node.thought
        node.template = template or node.template
        return node

    def _evaluated(self, ev: Evaluation) -> None:
        node = self._child(ev.node, ev.parent, ev.thought, ev.template)
        node.evaluated, node.cached = True, ev.cached
        node.reward, node.plausible = ev.reward, ev.plausible
        node.diff = ev.patch.diff
        node.tests = _tests(ev.result)
        node.compile_error = ev.result.compile_error
        if not ev.cached:
            self.evaluations = max(self.evaluations + 1, ev.evaluation)

    # -- the saved tree -------------------------------------------------------------------
    def load_tree(self, nodes: list[Node]) -> None:
        """Merge ``tree.json`` (visits, feedback, nodes of a killed run's events)."""
        for n in sorted(nodes, key=lambda n: n.id):
            view = self._child(n.id, n.parent, n.thought, n.template) if n.id else self.nodes[0]
            view.visits = n.visits
            view.feedback = list(n.feedback) or view.feedback
            if n.id == 0:
                view.thought = n.thought or view.thought
            if n.result is not None and not view.evaluated:
                view.evaluated, view.reward, view.plausible = True, n.reward, n.plausible
                view.tests = _tests(n.result)
                view.compile_error = n.result.compile_error
            if n.patch is not None and not view.diff:
                view.diff = n.patch.diff
        self.version += 1

    # -- what the screens ask -------------------------------------------------------------
    def rows(self, collapsed: frozenset[int] | set[int] = frozenset()) -> list[Row]:
        """The tree flattened depth first (children in creation order)."""
        out: list[Row] = []
        stack = [0]
        while stack:
            node = self.nodes[stack.pop()]
            shut = node.id in collapsed
            out.append(Row(node, node.depth, bool(node.children), shut))
            if not shut:
                stack.extend(reversed(node.children))
        return out

    def best(self) -> NodeView | None:
        done = [n for n in self.nodes.values() if n.evaluated]
        if not done:
            return None
        return max(done, key=lambda n: (n.plausible, n.reward or 0.0, -n.id))

    @property
    def plausible(self) -> list[NodeView]:
        return [n for n in self.nodes.values() if n.plausible]

    @property
    def awaiting_approval(self) -> bool:
        """Minimized, asked for approval and not answered yet (the interrupt is pending)."""
        return self.minimized and not self.approval and self.result is None

    def seconds(self, now: float | None = None) -> float:
        if not self.started:
            return 0.0
        end = self.last_t if self.result is not None or now is None else now
        return max(0.0, end - self.started)

    def gauges(self, now: float | None = None) -> list[Gauge]:
        lim = self.limits
        return [
            Gauge("evaluations", self.evaluations, lim.get("evaluations")),
            Gauge("seconds", self.seconds(now), lim.get("seconds")),
            Gauge("tokens", self.tokens, lim.get("tokens")),
            Gauge("dollars", self.cost, lim.get("dollars")),
        ]

    def status_line(self) -> str:
        if self.result is not None:
            return f"{self.result.status}: {self.result.message}".rstrip(": ")
        if self.awaiting_approval:
            return "waiting for approval"
        return f"{self.stage or 'starting'}..."


def _tool_line(ev: ToolCall) -> str:
    if ev.tool == "sbfl":
        top = ev.locations[:3]
        return ", ".join(f"{loc.path}:{loc.line}" for loc in top)
    if ev.ok is not None:
        return "ok" if ev.ok else f"failed {', '.join(ev.failed[:3])}"
    if ev.lines_before is not None:
        return f"{ev.lines_before} -> {ev.lines_after} changed lines"
    return ""


def now() -> float:
    return time.time()
