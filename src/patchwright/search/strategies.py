"""Search strategies behind one interface. Plain code: no langgraph here."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from patchwright.core.types import Candidate, Node, Step, Task
from patchwright.search.budget import Budget
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.feedback import summarize
from patchwright.search.reward import reward
from patchwright.search.tree import Tree


@dataclass
class SearchContext:
    task: Task
    tree: Tree
    evaluator: Evaluator
    expander: Expander
    budget: Budget
    record: Callable[[Step], None] = lambda step: None
    tree_path: Path | None = None
    stop_after: int = 1
    """Stop once this many plausible patches are found."""


@dataclass
class SearchOutcome:
    plausible: list[Node] = field(default_factory=list)
    best: Node | None = None
    stopped_by: str = ""
    evaluations: int = 0
    evaluations_to_plausible: int | None = None


class Strategy(Protocol):
    name: str

    def run(self, ctx: SearchContext) -> SearchOutcome: ...


def evaluate_candidate(ctx: SearchContext, parent: Node, cand: Candidate) -> Node | None:
    """Add ``cand`` under ``parent``, test it, score it. None when it was seen before."""
    if ctx.evaluator.seen(cand.patch) or ctx.tree.find(cand.patch.hash) is not None:
        return None
    node = ctx.tree.add(parent, cand.thought, cand.patch, cand.template, cand.prior)
    result = ctx.evaluator.evaluate(cand.patch)
    ctx.budget.evals = ctx.evaluator.evaluations
    node.result = result
    node.reward = reward(ctx.task, result)
    node.visits = 1
    node.value = node.reward
    node.plausible = result.plausible(ctx.task)
    node.terminal = node.plausible
    if not node.plausible:
        node.feedback = [summarize(ctx.task, result)]
    ctx.record(
        Step(
            kind="evaluation",
            name=cand.template,
            data={
                "node": node.id,
                "parent": parent.id,
                "thought": cand.thought,
                "patch_hash": cand.patch.hash,
                "reward": node.reward,
                "plausible": node.plausible,
                "failed": result.failed_ids()[:5],
                "compile_error": result.compile_error[:300],
                "seconds": round(result.duration, 3),
                "evaluation": ctx.evaluator.evaluations,
            },
        )
    )
    return node


def _finish(ctx: SearchContext, stopped_by: str, first: int | None) -> SearchOutcome:
    if ctx.tree_path is not None:
        ctx.tree.save(ctx.tree_path)
    plausible = ctx.tree.plausible()
    scored = [n for n in ctx.tree if n.reward is not None and n.id != 0]
    best = max(scored, key=lambda n: (n.reward or 0.0, -n.id), default=None)
    return SearchOutcome(
        plausible=plausible,
        best=plausible[0] if plausible else best,
        stopped_by=stopped_by,
        evaluations=ctx.evaluator.evaluations,
        evaluations_to_plausible=first,
    )


class RankedStrategy:
    """Best-first over candidates: the base's candidates in rank order, and candidates on
    top of partial fixes (some failing tests fixed, nothing broken) as soon as they appear."""

    name = "ranked"

    def __init__(self, save_every: int = 10) -> None:
        self.save_every = save_every

    def run(self, ctx: SearchContext) -> SearchOutcome:
        counter = itertools.count()
        queue: list[tuple[float, int, int, Candidate]] = []
        base_reward = ctx.tree.root.reward or 0.1

        def push_children(node: Node) -> None:
            node.expanded = True
            weight = 0.5 + (node.reward if node.reward is not None else base_reward)
            cands = ctx.expander.candidates(node)
            ctx.record(Step(kind="expansion", data={"node": node.id, "candidates": len(cands)}))
            for cand in cands:
                heapq.heappush(queue, (-cand.prior * weight, next(counter), node.id, cand))

        push_children(ctx.tree.root)
        first: int | None = None
        while queue:
            cap = ctx.budget.exhausted()
            if cap:
                return _finish(ctx, cap, first)
            _, _, parent_id, cand = heapq.heappop(queue)
            node = evaluate_candidate(ctx, ctx.tree.get(parent_id), cand)
            if node is None:
                continue
            if ctx.tree_path is not None and node.id % self.save_every == 0:
                ctx.tree.save(ctx.tree_path)
            if node.plausible:
                first = first or ctx.evaluator.evaluations
                if len(ctx.tree.plausible()) >= ctx.stop_after:
                    return _finish(ctx, "plausible", first)
                continue
            result = node.result
            if (
                result is not None
                and (node.reward or 0.0) > base_reward
                and not result.broken(ctx.task.passing_tests)
                and node.depth < 3
            ):
                push_children(node)
        return _finish(ctx, "exhausted", first)


STRATEGIES: dict[str, Callable[[], Strategy]] = {"ranked": RankedStrategy}


def make_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]()
    except KeyError:
        raise ValueError(f"unknown strategy {name!r} (choose from {', '.join(STRATEGIES)})") from None
