"""Search components with scripted rewards: UCT selection, backpropagation, rethink, and
strategies on a two-edit bug that only tree search can fix."""

import re

import pytest

from patchwright.core.diff import make_patch
from patchwright.core.domain import Node, Task, TestStatus
from patchwright.core.events import Evaluation, Rethink
from patchwright.core.protocols import ProposerStop, RunLimits
from patchwright.propose.scripted import Edit, ScriptedProposer
from patchwright.sandbox.scripted import ScriptedSandbox
from patchwright.search.budget import Budget
from patchwright.search.evaluate import Evaluator, changed_base_lines, order_passing
from patchwright.search.expand import Expander
from patchwright.search.reward import reward
from patchwright.search.selection import backpropagate, select_global, uct
from patchwright.search.strategies import STRATEGIES, SearchContext, SearchParams, make_strategy
from patchwright.search.tree import Tree

BASE = {"m.py": "a = 1\nb = 1\nc = 1\n"}
FAILING = ["t::a", "t::b"]
PASSING = ["t::c"]


def oracle(files):
    text = files["m.py"]
    val = {k: int(v) for k, v in re.findall(r"^(\w+) = (\d+)$", text, re.M)}
    ok = lambda cond: TestStatus.PASS if cond else TestStatus.FAIL  # noqa: E731
    return {"t::a": ok(val.get("a") == 2), "t::b": ok(val.get("b") == 2), "t::c": ok(val.get("c") == 1)}


EDITS = [
    Edit("m.py", "c = 1", "c = 5", prior=0.9, name="break c"),
    Edit("m.py", "a = 1", "a = 3", prior=0.8, name="a to 3"),
    Edit("m.py", "b = 1", "b = 0", prior=0.7, name="b to 0"),
    Edit("m.py", "a = 1", "a = 2", prior=0.4, name="a to 2"),
    Edit("m.py", "b = 1", "b = 2", prior=0.3, name="b to 2"),
]


def make_ctx(strategy_params=None, edits=EDITS, max_evals=40, tmp_path=None):
    task = Task(id="t", repo="/nonexistent", failing_tests=FAILING, passing_tests=PASSING)
    sandbox = ScriptedSandbox("/nonexistent", BASE, oracle)
    proposer = ScriptedProposer(edits)
    expander = Expander(task, BASE, [], [proposer])
    evaluator = Evaluator(sandbox, task, RunLimits())
    tree = Tree()
    tree.root.result = sandbox.run_tests([], RunLimits())
    tree.root.reward = reward(task, tree.root.result)
    steps = []
    ctx = SearchContext(
        task=task, tree=tree, evaluator=evaluator, expander=expander,
        budget=Budget(max_evals, 60.0), record=steps.append,
        tree_path=(tmp_path / "tree.json") if tmp_path else None,
        params=strategy_params or SearchParams(),
    )
    return ctx, sandbox, proposer, steps


def test_uct_prefers_value_then_exploration():
    a = Node(id=1, visits=10, value=5.0)
    b = Node(id=2, visits=10, value=2.0)
    fresh = Node(id=3, visits=0, value=0.0)
    assert uct(a, 20, 0.5) > uct(b, 20, 0.5)
    assert select_global([a, b], 20, 0.5) is a
    assert select_global([a, b, fresh], 20, 5.0) is fresh  # large c: explore the unvisited
    assert select_global([a, b, fresh], 20, 0.0) is a
    assert select_global([], 1, 1.0) is None


def test_backpropagation_updates_every_ancestor():
    tree = Tree()
    p = make_patch(BASE, {"m.py": "a = 2\nb = 1\nc = 1\n"})
    child = tree.add(tree.root, "x", p)
    grand = tree.add(child, "y", make_patch(BASE, {"m.py": "a = 2\nb = 2\nc = 1\n"}))
    backpropagate(tree.path_to_root(grand), 0.7)
    backpropagate(tree.path_to_root(child), 0.2)
    assert (grand.visits, grand.value) == (1, 0.7)
    assert (child.visits, round(child.value, 6)) == (2, 0.9)
    assert (tree.root.visits, round(tree.root.value, 6)) == (2, 0.9)


def test_two_edit_fix_found_by_mcts_not_by_sample_vote(tmp_path):
    ctx, sandbox, _, steps = make_ctx(tmp_path=tmp_path)
    outcome = make_strategy("mcts").run(ctx)
    assert outcome.stopped_by == "plausible"
    best = outcome.plausible[0]
    assert best.depth == 2 and "a = 2" in best.patch.diff and "b = 2" in best.patch.diff
    assert (tmp_path / "tree.json").exists() and Tree.load(tmp_path / "tree.json").plausible()
    hashes = [e.patch_hash for e in steps if isinstance(e, Evaluation)]
    assert len(hashes) == len(set(hashes)) == outcome.evaluations
    assert len(sandbox.applied) == outcome.evaluations  # never the same patch twice

    ctx2, _, _, _ = make_ctx()
    assert make_strategy("sample_vote").run(ctx2).plausible == []


@pytest.mark.parametrize("name", ["mcts", "greedy", "random", "ranked"])
def test_every_tree_strategy_reaches_the_two_edit_fix(name):
    ctx, _, _, _ = make_ctx(max_evals=60)
    outcome = make_strategy(name).run(ctx)
    assert outcome.plausible, name


def test_budget_stops_the_search():
    ctx, _, _, _ = make_ctx(max_evals=2)
    outcome = make_strategy("mcts").run(ctx)
    assert outcome.stopped_by == "max_evals" and outcome.evaluations == 2


def test_rethink_feeds_failures_back_into_the_next_expansion():
    ctx, _, proposer, steps = make_ctx()
    make_strategy("mcts").run(ctx)
    root = ctx.tree.root
    assert root.feedback and "Lessons" in root.thought
    assert any(isinstance(e, Rethink) for e in steps)
    # the proposer was called again for the root and saw the feedback of failed children
    root_calls = [c for c in proposer.calls if c.parent_patch is None]
    assert len(root_calls) >= 2 and any(c.feedback for c in root_calls[1:])
    assert any("t::a still fails" in fb or "now breaks" in fb for c in root_calls for fb in c.feedback)


class CountingRethinker:
    """A rethink that counts its calls (a model's would cost one call each)."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def rethink(self, parent: Node, child: Node, feedback: str) -> str:
        self.calls.append((parent.id, child.id))
        return f"revised plan {len(self.calls)}"


def test_a_model_rethink_runs_before_a_re_expansion_not_after_every_failure():
    ctx, _, proposer, steps = make_ctx()
    ctx.rethinker = rethinker = CountingRethinker()
    make_strategy("mcts").run(ctx)
    failures = sum(ctx.failures.values())
    assert rethinker.calls and len(rethinker.calls) < failures
    # every call rewrote a node whose latest failed child it read, and the proposer's next
    # expansion of that node saw the revised plan (the lessons of each failure are kept)
    assert all(ctx.tree.get(c).parent == p for p, c in rethinker.calls)
    revised = [c.thought for c in proposer.calls if c.thought.startswith("revised plan")]
    assert len(revised) == len(rethinker.calls)
    assert ctx.tree.root.feedback and any("Lessons" in e.thought for e in steps if isinstance(e, Rethink))


def test_partial_fix_reward_is_between_base_and_plausible():
    task = Task(id="t", repo="/x", failing_tests=FAILING, passing_tests=PASSING)
    sb = ScriptedSandbox("/x", BASE, oracle)
    ev = Evaluator(sb, task, RunLimits())
    base_r = reward(task, ev.evaluate(make_patch(BASE, BASE))[0])
    half, fresh = ev.evaluate(make_patch(BASE, {"m.py": "a = 2\nb = 1\nc = 1\n"}))
    full, _ = ev.evaluate(make_patch(BASE, {"m.py": "a = 2\nb = 2\nc = 1\n"}))
    broken, _ = ev.evaluate(make_patch(BASE, {"m.py": "a = 2\nb = 2\nc = 3\n"}))
    assert fresh
    assert base_r < reward(task, half) < reward(task, full) == 1.0
    assert reward(task, broken) < reward(task, half)
    # cached: a second evaluation of the same patch runs nothing
    runs = len(sb.runs)
    assert ev.evaluate(make_patch(BASE, {"m.py": "a = 2\nb = 1\nc = 1\n"}))[1] is False
    assert len(sb.runs) == runs


def test_passing_tests_covering_changed_lines_run_first():
    diff = make_patch(BASE, {"m.py": "a = 1\nb = 7\nc = 1\n"}).diff
    assert changed_base_lines(diff) == {"m.py": {2}}
    cov = {"t::x": {"m.py": {1}}, "t::y": {"m.py": {2}}, "t::z": {"m.py": {3}}}
    assert order_passing(["t::x", "t::y", "t::z"], cov, diff) == ["t::y", "t::x", "t::z"]


def test_registry_names():
    assert set(STRATEGIES) >= {"mcts", "greedy", "sample_vote", "random"}
    with pytest.raises(ValueError):
        make_strategy("nope")


def test_two_edits_that_fix_nothing_alone_are_found_once_the_frontier_is_used_up():
    def both(files):
        text = files["m.py"]
        ok = "a = 2" in text and "b = 2" in text
        return {"t::ab": TestStatus.PASS if ok else TestStatus.FAIL, "t::c": TestStatus.PASS}

    task = Task(id="t", repo="/x", failing_tests=["t::ab"], passing_tests=["t::c"])
    for name, expect in (("mcts", True), ("greedy", True), ("sample_vote", False)):
        sandbox = ScriptedSandbox("/x", BASE, both)
        ctx = SearchContext(
            task=task, tree=Tree(), evaluator=Evaluator(sandbox, task, RunLimits()),
            expander=Expander(task, BASE, [], [ScriptedProposer(EDITS)]), budget=Budget(60, 60.0),
        )
        ctx.tree.root.result = sandbox.run_tests([], RunLimits())
        ctx.tree.root.reward = reward(task, ctx.tree.root.result)
        outcome = make_strategy(name).run(ctx)
        assert bool(outcome.plausible) is expect, name
        if expect:
            assert outcome.plausible[0].depth == 2


class SpentProposer:
    """A proposer whose (model) budget is used up: it raises ProposerStop when asked."""

    name = "llm"

    def __init__(self):
        self.calls = 0

    def propose(self, ctx):
        self.calls += 1
        raise ProposerStop("max_calls reached")


def test_a_spent_proposer_is_retired_and_the_others_go_on():
    task = Task(id="t", repo="/nonexistent", failing_tests=FAILING, passing_tests=PASSING)
    spent, retired = SpentProposer(), []
    expander = Expander(
        task, BASE, [], [spent, ScriptedProposer(EDITS)],
        on_retire=lambda name, reason: retired.append((name, reason)),
    )  # fmt: skip
    assert len(expander.candidates(Node(id=0))) == len(EDITS)
    assert len(expander.candidates(Node(id=0))) == len(EDITS)
    assert spent.calls == 1  # asked once, then retired
    assert retired == [("llm", "max_calls reached")]
    assert expander.retired == {"llm": "max_calls reached"}


def test_a_spent_proposer_alone_stops_the_search():
    task = Task(id="t", repo="/nonexistent", failing_tests=FAILING, passing_tests=PASSING)
    expander = Expander(task, BASE, [], [SpentProposer()])
    with pytest.raises(ProposerStop):
        expander.candidates(Node(id=0))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class SlowProposer(ScriptedProposer):
    """A model-like proposer that takes ``cost`` seconds of ``clock`` per expansion."""

    name = "llm"

    def __init__(self, edits, clock, cost, time_share):
        super().__init__(edits)
        self.clock, self.cost, self.time_share = clock, cost, time_share

    def propose(self, ctx):
        self.clock.now += self.cost
        return super().propose(ctx)


def test_a_proposer_past_its_time_share_sits_out_until_the_others_catch_up():
    task = Task(id="t", repo="/nonexistent", failing_tests=FAILING, passing_tests=PASSING)
    clock = Clock()
    slow = SlowProposer(EDITS[:1], clock, cost=10.0, time_share=0.5)
    expander = Expander(task, BASE, [], [slow, ScriptedProposer(EDITS[1:])], clock=clock)
    assert len(expander.candidates(Node(id=0))) == len(EDITS)  # 10 s of 10: held next time
    assert len(expander.candidates(Node(id=0))) == len(EDITS) - 1
    assert len(slow.calls) == 1 and expander.skipped == {"llm": 1}
    clock.now += 15.0  # the evaluations took time: 10 of 25 s is under half
    assert len(expander.candidates(Node(id=0))) == len(EDITS)
    assert len(slow.calls) == 2


def test_a_held_proposer_still_proposes_when_the_others_have_nothing_or_it_is_alone():
    task = Task(id="t", repo="/nonexistent", failing_tests=FAILING, passing_tests=PASSING)
    clock = Clock()
    slow = SlowProposer(EDITS[:1], clock, cost=10.0, time_share=0.5)
    expander = Expander(task, BASE, [], [slow, ScriptedProposer([])], clock=clock)
    for calls in (1, 2, 3):
        assert len(expander.candidates(Node(id=0))) == 1
        assert len(slow.calls) == calls
    alone = SlowProposer(EDITS[:1], clock, cost=10.0, time_share=0.1)
    solo = Expander(task, BASE, [], [alone], clock=clock)
    assert [len(solo.candidates(Node(id=0))) for _ in range(3)] == [1, 1, 1]
    assert not solo.skipped and not expander.skipped


def test_llm_time_share_reaches_the_llm_proposer():
    from patchwright.core.config import build_config
    from patchwright.propose.llm.llm_patch import LlmPatchProposer, llm_options

    class Ctx:
        config = build_config(overrides=["llm.time_share=0.4"])
        record = None

    assert LlmPatchProposer(model=None, **llm_options(Ctx)).time_share == 0.4
    with pytest.raises(Exception, match="time_share"):
        build_config(overrides=["llm.time_share=0"])
