"""Shared machinery of the search strategies. Plain code: no langgraph here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from patchwright.core.diff import changed_lines
from patchwright.core.domain import Candidate, Node, Task
from patchwright.core.events import (
    CandidateEvent,
    Evaluation,
    Expansion,
    Record,
    Rethink,
    Selection,
)
from patchwright.core.protocols import Objective
from patchwright.search.budget import Budget
from patchwright.search.combine import Partials, union
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.feedback import summarize
from patchwright.search.rethink import Rethinker, RuleRethinker, attach_feedback
from patchwright.search.reward import TestObjective
from patchwright.search.selection import backpropagate
from patchwright.search.tree import Tree

EPS = 1e-9


@dataclass
class SearchParams:
    exploration: float = 0.5
    """UCT exploration constant."""
    prior_weight: float = 1.0
    """Weight of the next candidate's prior in selection."""
    depth_discount: float = 0.5
    """The prior bonus shrinks by this factor per edit already stacked: small patches are
    more likely than large ones, so a partial fix is refined when it is promising, not first."""
    children_per_expansion: int = 3
    max_depth: int = 3
    stop_after: int = 1
    """Stop after this many plausible patches (then keep the one with fewest changed lines)."""
    samples: int = 60
    """sample_vote: how many candidates to sample."""
    root_share: float = 0.5
    """mcts: the root's single-edit candidates get at least this share of the evaluations
    while any is left (most real fixes are one edit; partial fixes are refined with the
    rest of the budget instead of all of it)."""
    seed: int = 0


@dataclass
class SearchContext:
    task: Task
    tree: Tree
    evaluator: Evaluator
    expander: Expander
    budget: Budget
    record: Record = lambda event: None
    tree_path: Path | None = None
    params: SearchParams = field(default_factory=SearchParams)
    rethinker: Rethinker = field(default_factory=RuleRethinker)
    """Rewrites a node's thought from its failed children's feedback just before the node
    is expanded again (a model's rethink: one call per re-expansion, not per failure)."""
    lessons: Rethinker = field(default_factory=RuleRethinker)
    """Keeps each failure's lesson on the parent's thought at once (no model)."""
    last_failed: dict[int, Node] = field(default_factory=dict)
    """Each node's latest failed child (what the rethink before its re-expansion reads)."""
    objective: Objective = field(default_factory=TestObjective)
    """Scores each evaluated node and says when one is done (the task kind's rule)."""
    pending: dict[int, list[Candidate]] = field(default_factory=dict)
    """Untried candidates per node, best first (built lazily)."""
    failures: dict[int, int] = field(default_factory=dict)
    """Failed children per node (each one adds feedback to the node)."""
    feedback_seen: dict[int, int] = field(default_factory=dict)
    """Failed children each node had when its candidates were last built."""
    widened: dict[int, int] = field(default_factory=dict)
    """Suspicious locations skipped by each node's latest (widened) expansion."""
    partials: Partials = field(default_factory=Partials)
    """Partial fixes seen so far, and the unions of two already proposed."""

    def save(self) -> None:
        if self.tree_path is not None:
            self.tree.save(self.tree_path)


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


def improved(ctx: SearchContext, node: Node) -> bool:
    """A node is worth refining when it scores above its parent and broke nothing."""
    if node.parent is None:
        return True
    parent = ctx.tree.get(node.parent)
    res = node.result
    return (
        res is not None
        and not node.plausible
        and (node.reward or 0.0) > (parent.reward or 0.0) + EPS
        and not res.broken(ctx.task.passing_tests)
        and node.depth < ctx.params.max_depth
    )


def pending(ctx: SearchContext, node: Node) -> list[Candidate]:
    """``node``'s untried candidates as a stack (best last), built on first use, and
    rebuilt with the node's new feedback when a proposer reads feedback (rethink)."""
    failures = ctx.failures.get(node.id, 0)
    new_feedback = failures - ctx.feedback_seen.get(node.id, 0)
    # Ask feedback-reading proposers (a model) again once a few children have failed, or
    # when the node's candidates are used up -- not after every single failure.
    stale = (
        ctx.expander.uses_feedback
        and node.id in ctx.pending
        and new_feedback > 0
        and (new_feedback >= ctx.params.children_per_expansion or not ctx.pending[node.id])
    )
    if stale:
        rethink_before_expansion(ctx, node)
    if node.id not in ctx.pending or stale:
        cands = ctx.expander.candidates(node)
        ctx.pending[node.id] = list(reversed(cands))
        ctx.feedback_seen[node.id] = failures
        ctx.record(Expansion(node=node.id, candidates=len(cands), feedback=node.feedback[-3:]))
    return ctx.pending[node.id]


def rethink_before_expansion(ctx: SearchContext, node: Node) -> None:
    """RethinkMCTS's rethink where it pays: the node's thought rewritten from its latest
    failed child's feedback when the node is about to be expanded again. With a model
    after every failure instead, each failed template candidate cost the embedded model
    8 s (BugsInPy black-2: 9 evaluations in 150 s)."""
    child = ctx.last_failed.get(node.id)
    if child is None or ctx.rethinker.name == ctx.lessons.name:
        return
    feedback = child.feedback[-1] if child.feedback else ""
    node.thought = ctx.rethinker.rethink(node, child, feedback)
    ctx.record(Rethink(node=node.id, feedback=feedback, thought=node.thought))


def widen(ctx: SearchContext, node: Node) -> bool:
    """Once the root's candidates are used up, expand it again on the next window of
    suspicious locations (the localization widens past the first lines)."""
    if node.parent is not None:
        return False
    step = ctx.expander.window()
    skip = ctx.widened.get(node.id, 0) + step
    if not step or not ctx.expander.can_widen(skip):
        return False
    ctx.widened[node.id] = skip
    cands = ctx.expander.candidates(node, skip=skip)
    ctx.pending[node.id] = list(reversed(cands))
    ctx.record(Expansion(node=node.id, candidates=len(cands), feedback=[]))
    return True


def next_candidate(ctx: SearchContext, node: Node) -> Candidate | None:
    """Pop ``node``'s best untried candidate whose patch was never evaluated (widening the
    root's localization when its candidates are used up)."""
    stack = pending(ctx, node)
    while True:
        while stack:
            cand = stack.pop()
            if ctx.tree.find(cand.patch.hash) is None:
                return cand
        if not widen(ctx, node):
            break
        stack = ctx.pending[node.id]
    node.expanded = True
    return None


def peek_prior(ctx: SearchContext, node: Node) -> float:
    stack = ctx.pending.get(node.id)
    if stack is None:
        return 1.0  # never expanded: optimistic
    return stack[-1].prior if stack else 0.0


def neutral(ctx: SearchContext, node: Node) -> bool:
    """A node that changed behaviour without getting worse: it compiles, scores at least as
    well as its parent and breaks no passing test. Its children are the two-edit fixes whose
    single edits each fix nothing on their own."""
    if node.parent is None or node.result is None or node.plausible:
        return False
    parent = ctx.tree.get(node.parent)
    res = node.result
    return (
        res.applied
        and not res.compile_error
        and (node.reward or 0.0) >= (parent.reward or 0.0) - EPS
        and not res.broken(ctx.task.passing_tests)
        and node.depth < ctx.params.max_depth
    )


def expandable(ctx: SearchContext) -> list[Node]:
    """Nodes worth expanding: the root and nodes that improved on their parent; once those
    are used up, also neutral nodes (so stacked edits are tried while budget remains)."""
    open_nodes = [n for n in ctx.tree if not n.expanded and not n.plausible]
    frontier = [n for n in open_nodes if improved(ctx, n)]
    if frontier:
        return frontier
    return [n for n in open_nodes if neutral(ctx, n)]


def path_prior(node: Node) -> float:
    """How likely the proposer thought this node's edit was (1 for the root)."""
    return 1.0 if node.parent is None else max(node.prior, 1e-3)


def evaluate_candidate(ctx: SearchContext, parent: Node, cand: Candidate) -> Node:
    """Add ``cand`` under ``parent``, test it, score it, rethink the parent on failure."""
    node = ctx.tree.add(parent, cand.thought, cand.patch, cand.template, cand.prior)
    ctx.record(
        CandidateEvent(
            node=node.id, parent=parent.id, template=cand.template, thought=cand.thought,
            prior=cand.prior, patch_hash=cand.patch.hash, files=cand.patch.files,
        )
    )  # fmt: skip
    result, fresh = ctx.evaluator.evaluate(cand.patch)
    ctx.budget.evals = ctx.evaluator.evaluations
    node.result = result
    node.reward = ctx.objective.reward(ctx.task, result)
    node.plausible = ctx.objective.done(ctx.task, result)
    node.terminal = node.plausible
    gain = max(0.0, node.reward - (parent.reward or 0.0)) + (1.0 if node.plausible else 0.0)
    backpropagate(ctx.tree.path_to_root(node), gain)
    ctx.record(
        Evaluation(
            node=node.id,
            parent=parent.id,
            template=cand.template,
            thought=cand.thought,
            patch_hash=cand.patch.hash,
            patch=cand.patch,
            reward=node.reward,
            plausible=node.plausible,
            result=result,
            evaluation=ctx.evaluator.evaluations,
            cached=not fresh,
        )
    )
    if not node.plausible:
        feedback = summarize(ctx.task, result)
        node.feedback = [feedback]
        thought = attach_feedback(parent, node, feedback, ctx.lessons)
        ctx.last_failed[parent.id] = node
        ctx.failures[parent.id] = ctx.failures.get(parent.id, 0) + 1
        ctx.record(Rethink(node=parent.id, feedback=feedback, thought=thought))
    ctx.save()
    return node


def finish(ctx: SearchContext, stopped_by: str) -> SearchOutcome:
    ctx.save()
    plausible = sorted(
        ctx.tree.plausible(),
        key=lambda n: (changed_lines(n.patch.diff) if n.patch else 0, n.id),
    )
    # Every node but the root is one evaluated candidate, so a node's id is the number of
    # evaluations made when it was found.
    first_eval = min((n.id for n in plausible), default=None)
    scored = [n for n in ctx.tree if n.reward is not None and n.id != 0]
    best = max(scored, key=lambda n: (n.reward or 0.0, -n.id), default=None)
    return SearchOutcome(
        plausible=plausible,
        best=plausible[0] if plausible else best,
        stopped_by=stopped_by,
        evaluations=ctx.evaluator.evaluations,
        evaluations_to_plausible=first_eval,
    )


def combine_partials(ctx: SearchContext, node: Node) -> None:
    """When ``node`` fixes part of the failing tests, evaluate its union with each earlier
    partial fix that fixes other tests (non-overlapping edits only, a few per search)."""
    for other_id in ctx.partials.note(ctx.task, node):
        if ctx.budget.exhausted() or enough(ctx) or not ctx.partials.room():
            return
        other = ctx.tree.get(other_id)
        if node.patch is None or other.patch is None or not ctx.partials.claim(node.id, other.id):
            continue
        patch = union(ctx.expander.base_files, other.patch, node.patch)
        if patch is None or ctx.tree.find(patch.hash) is not None:
            continue
        ctx.partials.unions += 1
        cand = Candidate(
            thought=f"combine the partial fixes of nodes {other.id} and {node.id}",
            patch=patch,
            template="combine.union",
            prior=max(node.prior, other.prior),
        )
        combine_partials(ctx, evaluate_candidate(ctx, node, cand))


def enough(ctx: SearchContext) -> bool:
    return len(ctx.tree.plausible()) >= ctx.params.stop_after


def tree_search(
    ctx: SearchContext,
    choose: Callable[[list[Node]], Node],
    children: int | None = None,
) -> SearchOutcome:
    """The loop every tree strategy shares: pick an expandable node with ``choose``,
    evaluate up to ``children`` of its untried candidates, stop on a plausible patch,
    on a budget cap, or when nothing is left to expand."""
    per_expansion = ctx.params.children_per_expansion if children is None else children
    while True:
        cap = ctx.budget.exhausted()
        if cap:
            return finish(ctx, cap)
        frontier = expandable(ctx)
        if not frontier:
            return finish(ctx, "exhausted")
        node = choose(frontier)
        ctx.record(
            Selection(
                node=node.id, visits=node.visits, value=round(node.value, 4), reward=node.reward
            )
        )
        for _ in range(per_expansion):
            if ctx.budget.exhausted():
                break
            cand = next_candidate(ctx, node)
            if cand is None:
                break
            combine_partials(ctx, evaluate_candidate(ctx, node, cand))
            if enough(ctx):
                return finish(ctx, "plausible")
