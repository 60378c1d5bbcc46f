"""LLM rethink and the optional model-judged value."""

from __future__ import annotations

import pytest

from patchwright.core.diff import make_patch
from patchwright.core.domain import Node
from patchwright.model.errors import BudgetExceeded
from patchwright.model.scripted import ScriptedModel
from patchwright.search.llm_rethink import LlmRethinker, clean_plan
from patchwright.search.rethink import RuleRethinker, attach_feedback

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
