"""LLM rethink and the optional model-judged value."""

from __future__ import annotations

import pytest

from patchwright.core.diff import make_patch
from patchwright.core.types import Node, Task, TestOutcome, TestResult, TestStatus
from patchwright.model.errors import BudgetExceeded
from patchwright.model.scripted import ScriptedModel
from patchwright.search.rethink import RuleRethinker, attach_feedback
from patchwright.tools.llm_rethink import LlmRethinker, clean_plan
from patchwright.tools.value import LlmValue, parse_score

PATCH = make_patch({"m.py": "x = 1\n"}, {"m.py": "x = 2\n"})


class Failing:
    name = "failing"

    def complete(self, messages, **kw):
        raise BudgetExceeded("max_tokens", "task")


def nodes() -> tuple[Node, Node]:
    parent = Node(id=0, thought="Change x")
    child = Node(id=1, parent=0, thought="set x to 2", patch=PATCH)
    return parent, child


def test_llm_rethink_writes_a_new_plan_and_keeps_the_lessons():
    model = ScriptedModel(["Revised plan: **set x to 3 instead**, since 2 still fails.\n"])
    parent, child = nodes()
    thought = attach_feedback(parent, child, "t::x still fails: assert 2 == 3", LlmRethinker(model))
    assert thought.startswith("set x to 3 instead")
    assert "\nLessons:\n- set x to 2: t::x still fails" in thought
    user = model.calls[0][1].content
    assert "Change x" in user and "+x = 2" in user and "assert 2 == 3" in user


@pytest.mark.parametrize("model", [Failing(), ScriptedModel([""]), ScriptedModel(["```\n```"])])
def test_llm_rethink_falls_back_to_rules(model):
    parent, child = nodes()
    steps = []
    got = attach_feedback(parent, child, "fails", LlmRethinker(model, record=steps.append))
    parent2, child2 = nodes()
    assert got == attach_feedback(parent2, child2, "fails", RuleRethinker())


def test_clean_plan():
    assert clean_plan("## Plan\n\nUse <=.\n```python\nx\n```\nThen test.") == "Use <=. Then test."
    assert clean_plan("") == "" and len(clean_plan("word " * 500)) <= 600


@pytest.mark.parametrize(
    "text,value",
    [("0.7", 0.7), ("Score: 7/10", 0.7), ("8 out of 10", 0.8), ("70%", 0.7), ("0,8", 0.8),
     ("Score (0 to 1): 0.9", 0.9), ("1", 1.0), ("85", 0.85), ("-2", 0.0), ("none", None),
     ("", None)],
)  # fmt: skip
def test_parse_score(text, value):
    assert (
        parse_score(text) == pytest.approx(value)
        if value is not None
        else parse_score(text) is None
    )


def test_llm_value_scores_a_node_and_tolerates_errors():
    task = Task(id="t", repo="/x", failing_tests=["t::x"], description="x must be 3")
    node = Node(id=1, patch=PATCH, result=TestResult(tests={"t::x": TestOutcome(
        status=TestStatus.FAIL, message="assert 2 == 3")}))  # fmt: skip
    model = ScriptedModel(["0.25"])
    assert LlmValue(model).score(task, node) == 0.25
    assert "x must be 3" in model.calls[0][1].content and "still fails" in model.calls[0][1].content
    assert LlmValue(ScriptedModel(["maybe"])).score(task, node) is None
    assert LlmValue(Failing()).score(task, node) is None
    assert LlmValue(model).score(task, Node(id=2)) is None
