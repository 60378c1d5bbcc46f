"""Reading version 1 trajectories: ``Step(kind, name, data)`` lines (and the headerless
``{"time", "event", ...}`` lines GitChameleon wrote) upgraded to today's typed events, so
``inspect`` and resume keep working on old run directories.

The upgrade never fails on a line it does not understand: that line becomes a :class:`Note`
naming its old kind, with its data as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from patchwright.core.domain import Task
from patchwright.core.events import (
    TRAJECTORY_VERSION,
    AnyEvent,
    BudgetEvent,
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

_STAGES = ("prepare", "reproduce", "localize", "search", "validate", "minimize", "finalize")
_Upgrade = Callable[[str, dict[str, Any], float], list[AnyEvent]]


def upgrade_task(old: dict[str, Any]) -> Task:
    """A version 1 task: ``kind`` beside a free-form ``spec`` dict that held the failure
    messages; today the kind is the spec's and the messages are the task's."""
    fields = {k: v for k, v in old.items() if k in Task.model_fields}
    spec = dict(old.get("spec") or {})
    if "failure_messages" in Task.model_fields:
        messages = spec.pop("failure_messages", None)
        if isinstance(messages, dict):
            fields.setdefault("failure_messages", messages)
    spec.setdefault("kind", old.get("kind") or "repair")
    for attempt in ({**fields, "spec": spec}, {k: v for k, v in fields.items() if k != "spec"}):
        try:
            return Task.model_validate(attempt)
        except ValidationError:  # a spec today's kinds cannot read: keep the task, not the spec
            continue
    return Task(id=str(old.get("id", "")), repo=str(old.get("repo", "")))


def upgrade_header(obj: dict[str, Any]) -> TrajectoryHeader:
    """A version 1 header (``started`` for the time) as today's header."""
    return TrajectoryHeader(
        task=upgrade_task(obj["task"]),
        config=obj.get("config") or {},
        patchwright=obj.get("patchwright", ""),
        t=float(obj.get("started") or obj.get("t") or 0.0),
        version=TRAJECTORY_VERSION,
    )


def _stage(name: str, data: dict[str, Any], t: float) -> list[AnyEvent]:
    if name in _STAGES:
        out: list[AnyEvent] = [Stage(name=name, t=t, detail=_detail(data, ("status",)))]
        if name == "finalize" and "status" in data:
            out.append(Result(status=data["status"], evaluations=data.get("evaluations", 0), t=t))
        return out
    if name == "approve":
        status = "approved" if data.get("approved") else "rejected"
        return [Stage(name="approve", phase="end", status=status, t=t)]
    if name in ("prepared", "reproduced"):
        return [TaskInfo(t=t, **{k: v for k, v in data.items() if k in TaskInfo.model_fields})]
    return [_note("stage", name, data, t)]


def _detail(data: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    return " ".join(f"{k}={v}" for k, v in data.items() if k not in skip)


def _tool(name: str, data: dict[str, Any], t: float) -> list[AnyEvent]:
    if name == "sbfl":
        return [ToolCall(tool="sbfl", locations=data.get("locations", []), t=t)]
    if name == "validate":
        return [ToolCall(tool="validate", ok=data.get("plausible"), failed=data.get("failed", []),
                         seconds=data.get("seconds"), t=t)]  # fmt: skip
    if name == "minimize":
        return [ToolCall(tool="minimize", lines_before=data.get("before"),
                         lines_after=data.get("after"), t=t)]  # fmt: skip
    if "entries" in data:
        return [ToolCall(tool="docs", entries=data["entries"], summary=name, t=t)]
    return [ToolCall(tool=name, summary=_detail(data)[:500], t=t)]


def _evaluation(name: str, data: dict[str, Any], t: float, cached: bool = False) -> AnyEvent:
    fields = {k: v for k, v in data.items() if k in Evaluation.model_fields}
    template = "" if cached else name
    return Evaluation(t=t, template=template, cached=cached, **fields)


def _note_kind(name: str, data: dict[str, Any], t: float) -> list[AnyEvent]:
    if name == "cached evaluation":
        return [_evaluation(name, data, t, cached=True)]
    if name == "proposer retired":
        return [BudgetEvent(name=name, proposer=data.get("proposer", ""),
                            reason=data.get("reason", ""), t=t)]  # fmt: skip
    if name == "resume":
        return [Resume(nodes=data.get("nodes", 0), cached=data.get("cached", 0), t=t)]
    return [_note("note", name, data, t, prefix=False)]


def _error(name: str, data: dict[str, Any], t: float) -> list[AnyEvent]:
    return [ErrorEvent(
        source=name, error=str(data.get("error", "")), message=str(data.get("message", "")),
        model=str(data.get("model", "")), cap=str(data.get("cap", "")),
        scope=str(data.get("scope", "")), t=t,
    )]  # fmt: skip


def _model_call(name: str, data: dict[str, Any], t: float) -> list[AnyEvent]:
    fields = {k: v for k, v in data.items() if k in ModelCall.model_fields and v is not None}
    fields.setdefault("model", name)
    fields["cost"] = data.get("cost")
    return [ModelCall(t=t, **fields)]


def _direct(cls: type[Selection] | type[Expansion] | type[Rethink]) -> _Upgrade:
    def up(name: str, data: dict[str, Any], t: float) -> list[AnyEvent]:
        return [cls(t=t, **{k: v for k, v in data.items() if k in cls.model_fields})]

    return up


_BY_KIND: dict[str, _Upgrade] = {
    "stage": _stage,
    "tool_call": _tool,
    "evaluation": lambda name, data, t: [_evaluation(name, data, t)],
    "note": _note_kind,
    "error": _error,
    "model_call": _model_call,
    "selection": _direct(Selection),
    "expansion": _direct(Expansion),
    "rethink": _direct(Rethink),
}


def _note(kind: str, name: str, data: dict[str, Any], t: float, prefix: bool = True) -> Note:
    if set(data) == {"feedback"} or set(data) == {"reply"}:
        message = str(next(iter(data.values())))
    else:
        message = json.dumps(data, default=str, sort_keys=True)[:2000] if data else ""
    return Note(name=f"{kind} {name}".strip() if prefix else name, message=message, t=t)


def _gitchameleon(obj: dict[str, Any]) -> list[AnyEvent]:
    """A line of GitChameleon's own version 1 log: ``{"time", "event", ...data}``."""
    data = {k: v for k, v in obj.items() if k not in ("time", "event")}
    event, t = str(obj["event"]), float(obj.get("time") or 0.0)
    if event in ("visible", "hidden"):
        return [ToolCall(
            tool=event, ok=data.get("passed"), failed=data.get("failing", []),
            passed_count=data.get("tests_passed"), failed_count=data.get("tests_failed"),
            seconds=data.get("seconds"), summary=str(data.get("error", "")), t=t,
        )]  # fmt: skip
    if event == "docs":
        return [ToolCall(tool="docs", entries=data.get("entries", []), t=t)]
    if event.endswith("error"):
        return _error(event.removesuffix("_error") if event != "error" else data.pop("name", ""),
                      data, t)  # fmt: skip
    if event == "model_call":
        return _model_call(str(data.pop("name", "")), data, t)
    return [_note("", event, data, t)]


def upgrade(obj: dict[str, Any]) -> list[AnyEvent]:
    """One version 1 line as today's events (usually one; an old ``finalize`` makes two)."""
    if "event" in obj and "kind" not in obj:
        convert: Callable[[], list[AnyEvent]] = lambda: _gitchameleon(obj)  # noqa: E731
    else:
        kind, name = str(obj.get("kind", "")), str(obj.get("name", ""))
        raw = obj.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        t = float(obj.get("t") or 0.0)
        up = _BY_KIND.get(kind)
        convert = (lambda: up(name, data, t)) if up else (lambda: [_note(kind, name, data, t)])
    try:
        return convert()
    except (ValidationError, KeyError, TypeError, ValueError):
        kind = str(obj.get("kind") or obj.get("event") or "")
        rest = {k: v for k, v in obj.items() if k not in ("kind", "t", "time")}
        return [_note(kind, "(unreadable v1 line)", rest, float(obj.get("t") or 0.0))]
