"""Greedy refinement (best-first hill climbing): always expand the best-scoring node."""

from __future__ import annotations

from patchwright.search.strategies.base import SearchContext, SearchOutcome, tree_search


class GreedyStrategy:
    name = "greedy"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        return tree_search(
            ctx, lambda frontier: max(frontier, key=lambda n: (n.reward or 0.0, n.depth, n.id))
        )
