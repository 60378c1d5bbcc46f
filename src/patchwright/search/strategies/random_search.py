"""Random search: a random expandable node, then a random untried candidate of it."""

from __future__ import annotations

import random

from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    enough,
    evaluate_candidate,
    expandable,
    finish,
    next_candidate,
    pending,
)


class RandomStrategy:
    name = "random"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        rng = random.Random(ctx.params.seed)
        shuffled: set[int] = set()
        while True:
            cap = ctx.budget.exhausted()
            if cap:
                return finish(ctx, cap)
            frontier = expandable(ctx)
            if not frontier:
                return finish(ctx, "exhausted")
            node = rng.choice(frontier)
            if node.id not in shuffled:
                rng.shuffle(pending(ctx, node))
                shuffled.add(node.id)
            cand = next_candidate(ctx, node)
            if cand is None:
                continue
            evaluate_candidate(ctx, node, cand)
            if enough(ctx):
                return finish(ctx, "plausible")
