"""LLM re-ranking of locations: tolerant parsing of the answer and fallbacks."""

from __future__ import annotations

import pytest

from patchwright.core.domain import Location
from patchwright.core.events import ErrorEvent
from patchwright.localize.llm_rank import LlmRanker, parse_ranking
from patchwright.model.errors import BudgetExceeded
from patchwright.model.scripted import ScriptedModel

FILES = {
    "pkg/a.py": "def f(x):\n    y = x + 1\n    return y\n\n\ndef g(x):\n    z = x * 2\n    w = z - 1\n    return w\n",
    "pkg/b.py": "class Cart:\n    def total(self, items):\n        return sum(items)\n",
}
SBFL = [
    Location(path="pkg/a.py", line=2, end_line=2, symbol="f", score=0.9),
    Location(path="pkg/a.py", line=8, end_line=8, symbol="g", score=0.7),
    Location(path="pkg/a.py", line=7, end_line=7, symbol="g", score=0.6),
]
BM25 = [
    Location(path="pkg/b.py", line=2, end_line=3, symbol="Cart.total", score=1.0, source="bm25")
]


def rank(reply: str, hits=()) -> list[tuple[str, int, int, str]]:
    out = LlmRanker(ScriptedModel([reply])).rank(SBFL, FILES, issue="g is wrong", hits=hits)
    return [(loc.path, loc.line, loc.end_line, loc.source) for loc in out]


ORIGINAL = [("pkg/a.py", 2, 2, "sbfl"), ("pkg/a.py", 8, 8, "sbfl"), ("pkg/a.py", 7, 7, "sbfl")]


@pytest.mark.parametrize(
    "reply",
    ["[2]", "#2", "1. [2] pkg/a.py:8-8 g", "- pkg/a.py:8", "pkg/a.py, line 8", "a.py:L8",
     "```\npkg/a.py:8-8 g\n```"],
)  # fmt: skip
def test_a_named_candidate_comes_first(reply):
    out = rank(reply)
    assert out[0] == ("pkg/a.py", 8, 8, "llm")
    assert out[1:] == [("pkg/a.py", 2, 2, "sbfl"), ("pkg/a.py", 7, 7, "sbfl")]


def test_function_span_keeps_the_lines_inside_in_order():
    assert rank("pkg/a.py:6-9 g\npkg/a.py:2 f") == [
        ("pkg/a.py", 8, 8, "llm"), ("pkg/a.py", 7, 7, "llm"), ("pkg/a.py", 2, 2, "llm"),
    ]  # fmt: skip
    assert rank("pkg/a.py::g")[:2] == [("pkg/a.py", 8, 8, "llm"), ("pkg/a.py", 7, 7, "llm")]
    assert rank("The bug is in g.")[:2] == [("pkg/a.py", 8, 8, "llm"), ("pkg/a.py", 7, 7, "llm")]


def test_bm25_hits_and_new_lines_can_be_named():
    assert rank("[4]", hits=BM25)[0] == ("pkg/b.py", 2, 3, "llm")
    assert rank("pkg/b.py:3 total")[0] == ("pkg/b.py", 3, 3, "llm")
    assert rank("Cart.total")[0] == ("pkg/b.py", 2, 3, "llm")


def test_scores_follow_the_new_order():
    out = LlmRanker(ScriptedModel(["[3]\n[2]"])).rank(SBFL, FILES)
    scores = [loc.score for loc in out]
    assert scores == sorted(scores, reverse=True) and scores[0] == 1.0 and scores[-1] <= 0.5


@pytest.mark.parametrize("reply", ["", "no idea", "[99]", "zzz.py:4", "\ufffd\x00"])
def test_unparsable_answers_keep_the_input_order(reply):
    assert rank(reply) == ORIGINAL


def test_model_errors_keep_the_input_order():
    class Failing:
        name = "failing"

        def complete(self, messages, **kw):
            raise BudgetExceeded("max_calls", "task")

    steps = []
    out = LlmRanker(Failing(), record=steps.append).rank(SBFL, FILES)
    assert out == SBFL and isinstance(steps[0], ErrorEvent)


def test_prompt_has_candidates_and_skeletons_not_bodies():
    model = ScriptedModel(["[1]"])
    LlmRanker(model).rank(SBFL, FILES, issue="g is wrong", hits=BM25, tests=["t::test_g"])
    user = model.calls[0][1].content
    assert "[4] pkg/b.py:2-3 Cart.total (bm25 1.00)" in user
    assert "def g(x):  # L6-9" in user and "z = x * 2" not in user
    assert "t::test_g" in user and "g is wrong" in user


def test_parse_ranking_clamps_lines_and_names_the_function():
    (loc,) = parse_ranking("pkg/a.py:8-500", SBFL, FILES)
    assert (loc.line, loc.end_line, loc.symbol) == (8, 9, "g")
