"""An optional model-judged value for search nodes, for when the tests cannot tell
candidates apart (e.g. several plausible patches, or none that fixes any test). Test
outcomes stay the primary reward; this score is a tie-breaker kept behind a flag."""

from __future__ import annotations

import re
from collections.abc import Callable

from patchwright.core.protocols import Model
from patchwright.core.types import Message, Node, Step, Task
from patchwright.prompts import render
from patchwright.search.feedback import summarize

__all__ = ["LlmValue", "parse_score"]

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_FRACTION = re.compile(rf"({_NUMBER})\s*(?:/|out\s+of)\s*({_NUMBER})", re.I)
_PERCENT = re.compile(rf"({_NUMBER})\s*%")
_PLAIN = re.compile(_NUMBER)


def parse_score(text: str) -> float | None:
    """A score in [0, 1] from an answer like "0.7", "Score: 7/10", "8 out of 10", "70%",
    "0,8"; None when there is no number. Numbers above 1 are read on a 0-10 or 0-100 scale."""
    if not isinstance(text, str):
        return None
    t = text.replace(",", ".")
    labelled = re.search(r"score[^:\n]*:\s*(.*)", t, re.I)
    if labelled and _PLAIN.search(labelled.group(1)):
        t = labelled.group(1)
    value: float | None = None
    if m := _FRACTION.search(t):
        num, den = float(m.group(1)), float(m.group(2))
        value = num / den if den > 0 else None
    elif m := _PERCENT.search(t):
        value = float(m.group(1)) / 100.0
    elif m := _PLAIN.search(t):
        value = float(m.group(0))
        if value > 1.0:
            value = value / 10.0 if value <= 10.0 else value / 100.0
    if value is None or value != value:  # NaN
        return None
    return min(1.0, max(0.0, value))


class LlmValue:
    """``score(task, node)`` in [0, 1], or None when the model gives nothing usable."""

    name = "llm"

    def __init__(
        self,
        model: Model,
        max_tokens: int = 16,
        record: Callable[[Step], None] | None = None,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.record = record or (lambda step: None)

    def score(self, task: Task, node: Node) -> float | None:
        if node.patch is None or node.patch.empty:
            return None
        outcome = "not tested yet"
        if node.result is not None:
            outcome = "all tests pass" if node.plausible else summarize(task, node.result)
        messages = [
            Message(role="system", content=render("value_system")),
            Message(role="user", content=render(
                "value_user", description=task.description.strip()[:3000] or "(not given)",
                patch="\n".join(node.patch.diff.split("\n")[:120]), outcome=outcome)),
        ]  # fmt: skip
        try:
            resp = self.model.complete(messages, max_tokens=self.max_tokens, temperature=0.0)
        except Exception as exc:  # a value is optional: never fail the search for it
            self.record(Step(kind="error", name="llm_value",
                             data={"error": f"{type(exc).__name__}: {exc}"[:500]}))  # fmt: skip
            return None
        return parse_score(resp.text)
