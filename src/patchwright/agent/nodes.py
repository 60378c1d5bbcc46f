"""The pipeline's stages as graph nodes: each reads its deps from the runtime context and
calls the plain stage function; approval is the one node that pauses (an interrupt)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from patchwright.pipeline import stages
from patchwright.pipeline.state import RepairDeps, RepairState

Node = Callable[[RepairState, Runtime[RepairDeps]], dict[str, Any]]


def node(stage: Callable[[RepairState, RepairDeps], dict[str, Any]]) -> Node:
    def run(state: RepairState, runtime: Runtime[RepairDeps]) -> dict[str, Any]:
        return stage(state, runtime.context)

    run.__name__ = stage.__name__
    return run


prepare = node(stages.prepare)
reproduce = node(stages.reproduce)
localize = node(stages.localize)
search = node(stages.search)
validate = node(stages.validate)
minimize = node(stages.minimize)
finalize = node(stages.finalize)


def approve(state: RepairState, runtime: Runtime[RepairDeps]) -> dict[str, Any]:
    """Human approval: pauses the graph; resume with ``Command(resume=True|False)``."""
    decision = interrupt(
        {"question": "accept this patch?", "patch": (state.get("patch") or {}).get("diff", "")}
    )
    return stages.approved(state, runtime.context, decision)
