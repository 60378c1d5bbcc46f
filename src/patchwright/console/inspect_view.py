"""``patchwright inspect RUN_DIR``: the result, the search tree and the final patch."""

from __future__ import annotations

import sys
from pathlib import Path

from patchwright.core.errors import PatchwrightError
from patchwright.store.artifacts import RunDir, read_trajectory


class InspectError(PatchwrightError):
    pass


def inspect_run(path: Path) -> int:
    from rich.console import Console
    from rich.tree import Tree as RichTree

    from patchwright.search.tree import Tree

    run = RunDir(Path(path), create=False)
    console = Console()
    if not run.trajectory.exists():
        print(f"patchwright: error: not a run directory: {path}", file=sys.stderr)
        return 2
    header, steps = read_trajectory(run.trajectory)
    if header is not None:
        console.print(f"task [bold]{header.task.id}[/bold]  base {header.task.base_commit[:12]}")
    console.print(f"{len(steps)} steps recorded")
    if run.done():
        res = run.read_result()
        console.print(
            f"status [bold]{res.status}[/bold]  evaluations {res.evaluations}  "
            f"to plausible {res.evaluations_to_plausible}  {res.seconds:.1f}s  {res.message}"
        )
    else:
        console.print("status: unfinished (no result.json)")
    if run.tree_path.exists():
        tree = Tree.load(run.tree_path)
        nodes = {n.id: RichTree(_label(n)) for n in tree}
        for n in tree:
            if n.parent is not None:
                nodes[n.parent].children.append(nodes[n.id])
        console.print(nodes[0])
    if run.patch_path.exists():
        console.print("[bold]patch[/bold]")
        console.print(run.patch_path.read_text(), markup=False, highlight=False)
    return 0


def _label(node: object) -> str:
    from patchwright.core.types import Node

    assert isinstance(node, Node)
    reward = "-" if node.reward is None else f"{node.reward:.2f}"
    mark = " [green]plausible[/green]" if node.plausible else ""
    thought = node.thought.replace("[", "\\[")
    return f"#{node.id} r={reward} v={node.visits} {thought}{mark}"
