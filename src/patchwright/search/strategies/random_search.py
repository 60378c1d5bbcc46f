"""Random search: a random expandable node, then a random untried candidate of it."""

from __future__ import annotations

import random

from patchwright.core.domain import Node
from patchwright.search.strategies.base import SearchContext, SearchOutcome, pending, tree_search


class RandomStrategy:
    name = "random"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        rng = random.Random(ctx.params.seed)
        shuffled: set[int] = set()

        def choose(frontier: list[Node]) -> Node:
            node = rng.choice(frontier)
            if node.id not in shuffled:
                rng.shuffle(pending(ctx, node))
                shuffled.add(node.id)
            return node

        return tree_search(ctx, choose, children=1)
