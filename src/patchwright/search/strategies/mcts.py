"""Monte Carlo Tree Search over patches: global UCT selection among every expandable node
(APRMCTS), expansion through the proposers, test-based rewards, rethink on failure
(RethinkMCTS), backpropagation of the gain each expansion brings. The root's single-edit
candidates keep a share of the evaluations (``root_share``) while any is left."""

from __future__ import annotations

from patchwright.core.domain import Node
from patchwright.search.selection import select_global
from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    improved,
    path_prior,
    peek_prior,
    tree_search,
)


class MctsStrategy:
    name = "mcts"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        params = ctx.params

        def bonus(n: Node) -> float:
            # the next candidate's prior, discounted per stacked edit; a node that only
            # changed behaviour (not improved) also carries its own edit's prior
            return (
                params.prior_weight
                * peek_prior(ctx, n)
                * (1.0 if improved(ctx, n) else path_prior(n))
                * params.depth_discount**n.depth
            )

        def choose(frontier: list[Node]) -> Node:
            root = ctx.tree.root
            if root in frontier:  # not used up yet (nor its widened windows)
                singles = sum(1 for n in ctx.tree if n.parent == root.id)
                if singles < params.root_share * (len(ctx.tree) - 1):
                    return root
            node = select_global(frontier, ctx.tree.root.visits, params.exploration, bonus)
            assert node is not None
            return node

        return tree_search(ctx, choose)
