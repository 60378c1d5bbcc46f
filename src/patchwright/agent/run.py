"""Invoke the compiled graph with its SQLite checkpointer: a fresh run, or a resume from the
last checkpoint; answer approval interrupts through ``confirm``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from patchwright.agent.graph import build_graph
from patchwright.core.errors import RepairError
from patchwright.pipeline.state import RepairDeps, RepairInput

CHECKPOINTS_FILE = "checkpoints.sqlite"
THREAD = {"configurable": {"thread_id": "repair"}}


def run_graph(
    deps: RepairDeps,
    run_path: Path,
    payload: RepairInput | None,
    confirm: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """Run the graph to its end (``payload`` None: resume); returns the final state."""
    conn = sqlite3.connect(str(run_path / CHECKPOINTS_FILE), check_same_thread=False)
    try:
        graph = build_graph(deps, SqliteSaver(conn))
        saved = graph.get_state(THREAD)
        if payload is None and not saved.next and not saved.values:
            raise RepairError(f"nothing to resume in {run_path}: the run stopped before its "
                              "first stage; start it again")  # fmt: skip
        out = graph.invoke(payload, THREAD, context=deps)
        while "__interrupt__" in out and confirm is not None:
            question = out["__interrupt__"][0].value
            out = graph.invoke(
                Command(resume=confirm(question.get("patch", ""))), THREAD, context=deps
            )
        return dict(graph.get_state(THREAD).values)
    except sqlite3.DatabaseError as exc:  # a corrupt file, a full disk
        raise RepairError(f"checkpoints {run_path / CHECKPOINTS_FILE}: {exc}") from None
    finally:
        conn.close()
