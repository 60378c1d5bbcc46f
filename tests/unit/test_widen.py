"""Localization widens: once the root's candidates on the first suspicious lines are used
up, the template proposer runs again on the next lines of the ranking."""

from patchwright.core.domain import Location, Task, TestStatus
from patchwright.core.events import Expansion
from patchwright.core.protocols import RunLimits
from patchwright.propose.mutations import MutationProposer
from patchwright.propose.scripted import Edit, ScriptedProposer
from patchwright.sandbox.scripted import ScriptedSandbox
from patchwright.search.budget import Budget
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.reward import reward
from patchwright.search.strategies import SearchContext, SearchParams, make_strategy
from patchwright.search.tree import Tree

SOURCE = "def f(x):\n    y = x + 1\n    return y * 3\n"
LOCATIONS = [
    Location(path="m.py", line=2, end_line=2, symbol="f", score=1.0),
    Location(path="m.py", line=3, end_line=3, symbol="f", score=0.5),
]


def oracle(files):
    ns: dict = {}
    try:
        exec(compile(files["m.py"], "m.py", "exec"), ns)
        ok = ns["f"](1) == 4
    except Exception:
        ok = False
    return {"t::f": TestStatus.PASS if ok else TestStatus.FAIL}


def run(max_lines, max_evals=200):
    base = {"m.py": SOURCE}
    task = Task(id="t", repo="/x", failing_tests=["t::f"], passing_tests=[])
    sandbox = ScriptedSandbox("/x", base, oracle)
    tree = Tree()
    tree.root.result = sandbox.run_tests([], RunLimits())
    tree.root.reward = reward(task, tree.root.result)
    steps: list = []
    ctx = SearchContext(
        task=task, tree=tree, evaluator=Evaluator(sandbox, task, RunLimits()),
        expander=Expander(task, base, LOCATIONS, [MutationProposer(max_lines=max_lines)]),
        budget=Budget(max_evals, 60.0), record=steps.append, params=SearchParams(max_depth=1),
    )  # fmt: skip
    return make_strategy("mcts").run(ctx), steps


def test_the_root_widens_to_the_next_suspicious_line_when_the_first_is_used_up():
    outcome, steps = run(max_lines=1)
    assert outcome.stopped_by == "plausible"
    assert "return y * 2" in outcome.plausible[0].patch.diff
    root_expansions = [e for e in steps if isinstance(e, Expansion) and e.node == 0]
    assert len(root_expansions) == 2  # the first line, then the widened window


def test_no_widening_past_the_last_location():
    outcome, steps = run(max_lines=2)
    assert outcome.stopped_by == "plausible"
    assert len([e for e in steps if isinstance(e, Expansion) and e.node == 0]) == 1


def test_window_is_the_smallest_line_bound_and_unbounded_proposers_do_not_widen():
    task = Task(id="t", repo="/x", failing_tests=["t::f"])
    base = {"m.py": SOURCE}
    scripted = ScriptedProposer([Edit("m.py", "* 3", "* 2")])
    both = Expander(task, base, LOCATIONS, [MutationProposer(max_lines=5), scripted])
    assert both.window() == 5 and both.can_widen(1) and not both.can_widen(2)
    only_scripted = Expander(task, base, LOCATIONS, [scripted])
    assert only_scripted.window() == 0 and not only_scripted.can_widen(0)
    widened = both.candidates(Tree().root, skip=1)
    assert widened and all(c.template != "scripted" for c in widened)
    assert all(c.location is not None and c.location.line == 3 for c in widened)


def _chain_ctx(root_share):
    """Four partial fixes that keep improving when stacked (the fifth test needs the
    one-edit fix, proposed last)."""
    base = {"m.py": "".join(f"a{i} = 1\n" for i in range(5)) + "z = 1\n"}
    tests = [f"t::{i}" for i in range(5)]

    def chain_oracle(files):
        text = files["m.py"]
        fixed = "z = 0" in text
        return {f"t::{i}": TestStatus.PASS if fixed or (i < 4 and f"a{i} = 2" in text)
                else TestStatus.FAIL for i in range(5)}  # fmt: skip

    edits = [Edit("m.py", f"a{i} = 1", f"a{i} = 2", prior=0.9 - 0.01 * i) for i in range(5)]
    edits += [Edit("m.py", f"a{i} = 1", f"a{i} = {k}", prior=0.5) for i in range(5) for k in (3, 4)]
    edits.append(Edit("m.py", "z = 1", "z = 0", prior=0.05))
    task = Task(id="t", repo="/x", failing_tests=tests, passing_tests=[])
    sandbox = ScriptedSandbox("/x", base, chain_oracle)
    tree = Tree()
    tree.root.result = sandbox.run_tests([], RunLimits())
    tree.root.reward = reward(task, tree.root.result)
    return SearchContext(
        task=task, tree=tree, evaluator=Evaluator(sandbox, task, RunLimits()),
        expander=Expander(task, base, [], [ScriptedProposer(edits)]), budget=Budget(40, 60.0),
        params=SearchParams(root_share=root_share, max_depth=5),
    )  # fmt: skip


def test_root_keeps_its_share_of_the_evaluations():
    ctx = _chain_ctx(root_share=0.5)
    outcome = make_strategy("mcts").run(ctx)
    singles = [n for n in ctx.tree if n.parent == 0]
    assert len(singles) >= 0.5 * (outcome.evaluations - 1)
    assert outcome.plausible and outcome.plausible[0].depth == 1  # the one edit, alone
    assert outcome.evaluations <= 2 * 16 + 1  # 16 root candidates, the fix is the last
