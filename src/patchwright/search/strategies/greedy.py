"""Greedy refinement (best-first hill climbing): always expand the best-scoring node."""

from __future__ import annotations

from patchwright.core.types import Step
from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    enough,
    evaluate_candidate,
    expandable,
    finish,
    next_candidate,
)


class GreedyStrategy:
    name = "greedy"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        while True:
            cap = ctx.budget.exhausted()
            if cap:
                return finish(ctx, cap)
            frontier = expandable(ctx)
            if not frontier:
                return finish(ctx, "exhausted")
            node = max(frontier, key=lambda n: (n.reward or 0.0, n.depth, n.id))
            ctx.record(Step(kind="selection", data={"node": node.id, "reward": node.reward}))
            for _ in range(ctx.params.children_per_expansion):
                if ctx.budget.exhausted():
                    break
                cand = next_candidate(ctx, node)
                if cand is None:
                    break
                evaluate_candidate(ctx, node, cand)
                if enough(ctx):
                    return finish(ctx, "plausible")
