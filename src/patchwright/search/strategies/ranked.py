"""Rank order: the base's candidates best first, with candidates on top of partial fixes
(some failing tests fixed, nothing broken) joining the same queue as they appear."""

from __future__ import annotations

import heapq
import itertools

from patchwright.core.domain import Candidate
from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    enough,
    evaluate_candidate,
    finish,
    improved,
)


class RankedStrategy:
    name = "ranked"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        counter = itertools.count()
        queue: list[tuple[float, int, int, Candidate]] = []

        def push_children(node_id: int) -> None:
            node = ctx.tree.get(node_id)
            node.expanded = True
            weight = 0.5 + (node.reward or 0.0)
            for cand in ctx.expander.candidates(node):
                heapq.heappush(queue, (-cand.prior * weight, next(counter), node_id, cand))

        push_children(0)
        while queue:
            cap = ctx.budget.exhausted()
            if cap:
                return finish(ctx, cap)
            _, _, parent_id, cand = heapq.heappop(queue)
            if ctx.tree.find(cand.patch.hash) is not None:
                continue
            node = evaluate_candidate(ctx, ctx.tree.get(parent_id), cand)
            if enough(ctx):
                return finish(ctx, "plausible")
            if improved(ctx, node):
                push_children(node.id)
        return finish(ctx, "exhausted")
