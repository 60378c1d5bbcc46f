"""Search strategies behind one interface, selectable by name."""

from __future__ import annotations

from collections.abc import Callable

from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    SearchParams,
    Strategy,
)
from patchwright.search.strategies.greedy import GreedyStrategy
from patchwright.search.strategies.mcts import MctsStrategy
from patchwright.search.strategies.random_search import RandomStrategy
from patchwright.search.strategies.ranked import RankedStrategy
from patchwright.search.strategies.sample_vote import SampleVoteStrategy

STRATEGIES: dict[str, Callable[[], Strategy]] = {
    "mcts": MctsStrategy,
    "greedy": GreedyStrategy,
    "sample_vote": SampleVoteStrategy,
    "random": RandomStrategy,
    "ranked": RankedStrategy,
}


def make_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]()
    except KeyError:
        raise ValueError(
            f"unknown strategy {name!r} (choose from {', '.join(STRATEGIES)})"
        ) from None


__all__ = [
    "STRATEGIES",
    "SearchContext",
    "SearchOutcome",
    "SearchParams",
    "Strategy",
    "make_strategy",
]
