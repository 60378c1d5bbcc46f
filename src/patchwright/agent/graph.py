"""The repair agent as a LangGraph state graph:
prepare -> reproduce -> localize -> search -> validate -> minimize -> [approve] -> finalize.
Any stage that fails or finds nothing routes straight to finalize."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from patchwright.agent import nodes
from patchwright.pipeline.state import RepairDeps, RepairInput, RepairState

ENDS_RUN = ("error", "budget_exhausted")
"""Statuses after which the run goes straight to finalize (budget_exhausted: out of time)."""


def after_prepare(state: RepairState) -> Literal["reproduce", "finalize"]:
    return "finalize" if state.get("status") in ENDS_RUN else "reproduce"


def after_reproduce(state: RepairState) -> Literal["localize", "finalize"]:
    return "finalize" if state.get("status") in ENDS_RUN else "localize"


def after_localize(state: RepairState) -> Literal["search", "finalize"]:
    ok = state.get("locations") and state.get("status") not in ENDS_RUN
    return "search" if ok else "finalize"


def after_search(state: RepairState) -> Literal["validate", "finalize"]:
    return "validate" if state.get("status") == "plausible" and state.get("patch") else "finalize"


def after_validate(state: RepairState) -> Literal["minimize", "finalize"]:
    return "minimize" if state.get("validated") else "finalize"


def make_after_minimize(confirm: bool):  # type: ignore[no-untyped-def]
    def after_minimize(state: RepairState) -> Literal["approve", "finalize"]:
        return "approve" if confirm else "finalize"

    return after_minimize


def build_graph(deps: RepairDeps, checkpointer: Any = None) -> Any:
    """Compile the repair graph. ``deps`` decides only the shape (approval step or not);
    the same object must be passed as ``context`` when the graph is invoked."""
    g = StateGraph(RepairState, context_schema=RepairDeps, input_schema=RepairInput)
    g.add_node("prepare", nodes.prepare)
    g.add_node("reproduce", nodes.reproduce)
    g.add_node("localize", nodes.localize)
    g.add_node("search", nodes.search)
    g.add_node("validate", nodes.validate)
    g.add_node("minimize", nodes.minimize)
    g.add_node("approve", nodes.approve)
    g.add_node("finalize", nodes.finalize)
    g.add_edge(START, "prepare")
    g.add_conditional_edges("prepare", after_prepare)
    g.add_conditional_edges("reproduce", after_reproduce)
    g.add_conditional_edges("localize", after_localize)
    g.add_conditional_edges("search", after_search)
    g.add_conditional_edges("validate", after_validate)
    g.add_conditional_edges("minimize", make_after_minimize(deps.confirm))
    g.add_edge("approve", "finalize")
    g.add_edge("finalize", END)
    return g.compile(checkpointer=checkpointer)
