"""Sample and vote (Agentless-style): sample N candidates from the base, deduplicate,
validate them all, and vote among the plausible ones. No refinement."""

from __future__ import annotations

from collections import Counter

from patchwright.core.diff import changed_lines
from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    evaluate_candidate,
    finish,
)


class SampleVoteStrategy:
    name = "sample_vote"

    def run(self, ctx: SearchContext) -> SearchOutcome:
        root = ctx.tree.root
        samples = ctx.expander.candidates(root)[: ctx.params.samples]
        votes = Counter(c.patch.hash for c in samples)
        stopped = "exhausted"
        for cand in {c.patch.hash: c for c in samples}.values():
            cap = ctx.budget.exhausted()
            if cap:
                stopped = cap
                break
            if ctx.tree.find(cand.patch.hash) is not None:
                continue
            evaluate_candidate(ctx, root, cand)
        outcome = finish(ctx, stopped)
        # vote: most-sampled plausible patch first, then the smallest
        outcome.plausible.sort(
            key=lambda n: (
                -votes[n.patch.hash] if n.patch else 0,
                changed_lines(n.patch.diff) if n.patch else 0,
                n.id,
            )
        )
        if outcome.plausible:
            outcome.best = outcome.plausible[0]
            outcome.stopped_by = "plausible"
        return outcome
