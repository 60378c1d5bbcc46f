"""Combining partial fixes: the line merge of two diffs against the base, the bookkeeping of
partial fixes, and a search that can only succeed through the union of two single edits."""

import re

from patchwright.core.diff import apply_to_files, make_patch
from patchwright.core.domain import Node, Task, TestOutcome, TestResult, TestStatus
from patchwright.core.protocols import RunLimits
from patchwright.propose.scripted import Edit, ScriptedProposer
from patchwright.sandbox.scripted import ScriptedSandbox
from patchwright.search.budget import Budget
from patchwright.search.combine import MAX_UNIONS, Partials, merge_texts, union
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.reward import reward
from patchwright.search.strategies import SearchContext, SearchParams, make_strategy
from patchwright.search.tree import Tree

BASE = "a = 1\nb = 1\nc = 1\nd = 1\n"


def test_non_overlapping_edits_merge():
    left = BASE.replace("a = 1", "a = 2")
    right = BASE.replace("d = 1", "d = 2\ne = 2")
    assert merge_texts(BASE, left, right) == "a = 2\nb = 1\nc = 1\nd = 2\ne = 2\n"


def test_overlapping_edits_conflict_and_equal_edits_count_once():
    left = BASE.replace("b = 1", "b = 2")
    assert merge_texts(BASE, left, BASE.replace("b = 1", "b = 3")) is None
    both = BASE.replace("a = 1", "a = 2").replace("b = 1", "b = 2")
    assert merge_texts(BASE, left, both) == both  # one contains the other's edit


def test_insertions_at_one_place_conflict():
    left = BASE.replace("c = 1\n", "x = 0\nc = 1\n")
    right = BASE.replace("c = 1\n", "y = 0\nc = 1\n")
    assert merge_texts(BASE, left, right) is None


def test_union_of_patches_is_a_patch_against_the_base():
    base = {"m.py": BASE, "n.py": "z = 1\n"}
    left = make_patch(base, {"m.py": BASE.replace("a = 1", "a = 2")})
    right = make_patch(base, {"m.py": BASE.replace("c = 1", "c = 2"), "n.py": "z = 2\n"})
    both = union(base, left, right)
    assert both is not None
    files = apply_to_files(base, both.diff)
    assert files["m.py"] == "a = 2\nb = 1\nc = 2\nd = 1\n" and files["n.py"] == "z = 2\n"
    assert union(base, left, left) is None  # nothing new


def _node(node_id, statuses, patch_text="a = 2\n"):
    tests = {t: TestOutcome(status=s) for t, s in statuses.items()}
    node = Node(id=node_id, parent=0, patch=make_patch({"m.py": BASE}, {"m.py": patch_text}))
    node.result = TestResult(tests=tests)
    return node


def test_partials_pairs_only_complementary_fixes_that_break_nothing():
    task = Task(id="t", repo="/x", failing_tests=["f1", "f2", "f3"], passing_tests=["p"])
    P, F = TestStatus.PASS, TestStatus.FAIL
    partials = Partials()
    assert partials.note(task, _node(1, {"f1": P, "f2": F, "f3": F, "p": P})) == []
    assert partials.note(task, _node(2, {"f1": P, "f2": P, "f3": F, "p": F})) == []  # breaks p
    assert partials.note(task, _node(3, {"f1": P, "f2": P, "f3": F, "p": P})) == []  # superset
    assert partials.note(task, _node(4, {"f1": F, "f2": F, "f3": F, "p": P})) == []  # fixes none
    assert partials.note(task, _node(5, {"f1": F, "f2": F, "f3": P, "p": P})) == [3, 1]
    assert partials.claim(5, 3) and not partials.claim(3, 5)
    partials.unions = MAX_UNIONS
    assert not partials.room()


def oracle(files):
    val = {k: int(v) for k, v in re.findall(r"^(\w+) = (\d+)$", files["m.py"], re.M)}
    ok = lambda cond: TestStatus.PASS if cond else TestStatus.FAIL  # noqa: E731
    return {"t::a": ok(val["a"] == 2), "t::c": ok(val["c"] == 2), "t::d": ok(val["d"] == 1)}


def test_search_finds_the_union_of_two_partial_fixes_without_stacking():
    base = {"m.py": BASE}
    task = Task(id="t", repo="/x", failing_tests=["t::a", "t::c"], passing_tests=["t::d"])
    sandbox = ScriptedSandbox("/x", base, oracle)
    edits = [
        Edit("m.py", "d = 1", "d = 5", prior=0.9, name="break d"),
        Edit("m.py", "a = 1", "a = 2", prior=0.5, name="a to 2"),
        Edit("m.py", "c = 1", "c = 2", prior=0.4, name="c to 2"),
    ]
    tree = Tree()
    tree.root.result = sandbox.run_tests([], RunLimits())
    tree.root.reward = reward(task, tree.root.result)
    ctx = SearchContext(
        task=task, tree=tree, evaluator=Evaluator(sandbox, task, RunLimits()),
        expander=Expander(task, base, [], [ScriptedProposer(edits)]), budget=Budget(10, 60.0),
        params=SearchParams(max_depth=1),  # no edit is ever stacked on another
    )  # fmt: skip
    outcome = make_strategy("mcts").run(ctx)
    assert outcome.stopped_by == "plausible" and outcome.evaluations == 4
    best = outcome.plausible[0]
    assert best.template == "combine.union" and "a = 2" in best.patch.diff
    assert "c = 2" in best.patch.diff and "d = 5" not in best.patch.diff
