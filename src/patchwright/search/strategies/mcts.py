"""Monte Carlo Tree Search over patches: global UCT selection among every expandable node
(APRMCTS), expansion through the proposers, test-based rewards, rethink on failure
(RethinkMCTS), backpropagation of the gain each expansion brings."""

from __future__ import annotations

from patchwright.core.types import Step
from patchwright.search.select import select_global
from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    enough,
    evaluate_candidate,
    expandable,
    finish,
    improved,
    next_candidate,
    path_prior,
    peek_prior,
)


class MctsStrategy:
    name = "mcts"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        params = ctx.params
        while True:
            cap = ctx.budget.exhausted()
            if cap:
                return finish(ctx, cap)
            frontier = expandable(ctx)
            if not frontier:
                return finish(ctx, "exhausted")
            node = select_global(
                frontier,
                ctx.tree.root.visits,
                params.exploration,
                bonus=lambda n: (
                    params.prior_weight
                    * peek_prior(ctx, n)
                    * (1.0 if improved(ctx, n) else path_prior(n))
                    * params.depth_discount**n.depth
                ),
            )
            assert node is not None
            ctx.record(
                Step(
                    kind="selection",
                    data={"node": node.id, "visits": node.visits, "value": round(node.value, 4)},
                )
            )
            for _ in range(params.children_per_expansion):
                if ctx.budget.exhausted():
                    break
                cand = next_candidate(ctx, node)
                if cand is None:
                    break
                evaluate_candidate(ctx, node, cand)
                if enough(ctx):
                    return finish(ctx, "plausible")
