"""``patchwright inspect RUN_DIR``: the result, the search tree and the final patch."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from patchwright.core.errors import PatchwrightError
from patchwright.core.events import Evaluation, ModelCall, TaskInfo
from patchwright.store.artifacts import RunDir, read_events

if TYPE_CHECKING:
    from rich.text import Text


class InspectError(PatchwrightError):
    pass


def inspect_run(path: Path) -> int:
    from rich.console import Console
    from rich.tree import Tree as RichTree

    from patchwright.console.progress import print_line
    from patchwright.store.tree_file import read_tree

    run = RunDir(Path(path), create=False)
    console = Console()
    if not run.trajectory.exists():
        print(f"patchwright: error: not a run directory: {path}", file=sys.stderr)
        return 2
    try:
        header, events = read_events(run.trajectory)
    except PatchwrightError as exc:
        print(f"patchwright: error: {exc}", file=sys.stderr)
        return 2
    infos = [e for e in events if isinstance(e, TaskInfo)]
    task_id = header.task.id if header is not None else (infos[-1].task_id if infos else "?")
    base = next((i.base_commit for i in reversed(infos) if i.base_commit), "")
    base = base or (header.task.base_commit if header is not None else "")
    print_line(console, "task ", (task_id, "bold"), f"  base {base[:12]}")
    evals = [e for e in events if isinstance(e, Evaluation) and not e.cached]
    calls = [e for e in events if isinstance(e, ModelCall)]
    cost = sum(c.cost or 0.0 for c in calls)
    print_line(
        console,
        f"{len(events)} events recorded: {len(evals)} evaluations, {len(calls)} model calls"
        + (f" (${cost:.4f})" if cost else ""),
    )
    if run.done():
        res = run.read_result()
        print_line(
            console, "status ", (res.status, "bold"), f"  evaluations {res.evaluations}  "
            f"to plausible {res.evaluations_to_plausible}  {res.seconds:.1f}s  ", res.message,
        )  # fmt: skip
    else:
        print_line(console, "status: ", _unfinished(Path(path)))
    if run.tree_path.exists():
        tree = read_tree(run.tree_path)
        nodes = {n.id: RichTree(_label(n)) for n in tree}
        for n in tree:
            if n.parent is not None:
                nodes[n.parent].children.append(nodes[n.id])
        console.print(nodes[0])
    if run.patch_path.exists():
        print_line(console, ("patch", "bold"))
        console.print(run.patch_path.read_text(), markup=False, highlight=False, emoji=False,
                      soft_wrap=True)  # fmt: skip
    return 0


def _unfinished(path: Path) -> str:
    """Why a run has no result: interrupted (interrupted.json, app.signals) or still going
    or killed."""
    import json

    from patchwright.app.signals import INTERRUPTED_FILE

    try:
        stop = json.loads((path / INTERRUPTED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unfinished (no result.json)"
    where = f" in {stop.get('stage')}" if stop.get("stage") else ""
    return (f"interrupted by {stop.get('signal', 'a signal')}{where}; "
            f"resume with: patchwright repair --resume {path}")  # fmt: skip


def _label(node: object) -> Text:
    """A node's line, its thought literal (test ids and code in it are no markup)."""
    from patchwright.console.progress import plain_line
    from patchwright.core.domain import Node

    assert isinstance(node, Node)
    reward = "-" if node.reward is None else f"{node.reward:.2f}"
    mark = ("plausible", "green") if node.plausible else ""
    return plain_line(f"#{node.id} r={reward} v={node.visits} ", node.thought, " ", mark)
