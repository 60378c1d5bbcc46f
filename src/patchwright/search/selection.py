"""Selection: UCT with a global choice among all expandable nodes (APRMCTS)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from patchwright.core.domain import Node


def mean_value(node: Node) -> float:
    return node.value / node.visits if node.visits else 0.0


def uct(node: Node, total_visits: int, c: float) -> float:
    """Exploitation (mean reward of the subtree) plus exploration (rarely visited nodes)."""
    explore = c * math.sqrt(math.log(max(total_visits, 1) + 1) / (node.visits + 1))
    return mean_value(node) + explore


def select_global(
    nodes: Iterable[Node],
    total_visits: int,
    c: float,
    bonus: Callable[[Node], float] = lambda n: 0.0,
) -> Node | None:
    """The expandable node with the highest UCT score, over the whole tree, not one path.

    ``bonus`` adds a prior term (e.g. the prior of the node's next untried candidate)."""
    best: Node | None = None
    best_score = -math.inf
    for node in nodes:
        score = uct(node, total_visits, c) + bonus(node)
        if score > best_score:
            best, best_score = node, score
    return best


def backpropagate(path: list[Node], reward: float) -> None:
    """Add one visit and ``reward`` to a new leaf and every ancestor (leaf first)."""
    for node in path:
        node.visits += 1
        node.value += reward
