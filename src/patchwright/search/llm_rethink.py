"""LLM rethink (RethinkMCTS): a failed child's test output becomes a revised plan for its
parent. The model writes the new plan; the lessons of the last attempts are kept below it
as :class:`~patchwright.search.rethink.RuleRethinker` keeps them. On any model error or an
empty answer it falls back to the rule-based rethink."""

from __future__ import annotations

import re

from patchwright.core.domain import Message, Node
from patchwright.core.events import ErrorEvent, Record
from patchwright.core.protocols import Model
from patchwright.prompts import render
from patchwright.search.rethink import Rethinker, RuleRethinker

__all__ = ["LlmRethinker", "clean_plan"]

MAX_PLAN_CHARS = 600
_PREFIX = re.compile(r"^\s*(\*\*)?(revised\s+)?(plan|thought)\s*:?\s*(\*\*)?\s*:?\s*", re.I)


def clean_plan(text: str) -> str:
    """The first few lines of prose of an answer (fences, headings and labels dropped)."""
    lines: list[str] = []
    in_fence = False
    for raw in (text or "").replace("\r", "").split("\n"):
        if raw.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        line = _PREFIX.sub("", raw.strip().lstrip("#").strip())
        if in_fence or not line or "\ufffd" in line or "\x00" in line:
            continue
        lines.append(line)
        if len(lines) >= 3:
            break
    return " ".join(lines)[:MAX_PLAN_CHARS].strip()


def _changed_lines(diff: str, limit: int = 30) -> str:
    out = [line for line in diff.split("\n")
           if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]  # fmt: skip
    return "\n".join(out[:limit])


class LlmRethinker:
    name = "llm"

    def __init__(
        self,
        model: Model,
        fallback: Rethinker | None = None,
        max_tokens: int = 200,
        record: Record | None = None,
    ) -> None:
        self.model = model
        self.fallback = fallback or RuleRethinker()
        self.max_tokens = max_tokens
        self.record: Record = record or (lambda event: None)

    def rethink(self, parent: Node, child: Node, feedback: str) -> str:
        ruled = self.fallback.rethink(parent, child, feedback)
        plan = parent.thought.split("\nLessons:", 1)[0].strip()
        attempt = child.thought.strip() or "(no description)"
        if child.patch is not None and not child.patch.empty:
            attempt += "\n" + _changed_lines(child.patch.diff)
        messages = [
            Message(role="system", content=render("rethink_system")),
            Message(role="user", content=render(
                "rethink_user", plan=plan or "(none: this was the first attempt)",
                attempt=attempt[:3000], feedback=feedback.strip()[:2000] or "tests failed")),
        ]  # fmt: skip
        try:
            resp = self.model.complete(messages, max_tokens=self.max_tokens, temperature=0.0)
            revised = clean_plan(resp.text if isinstance(resp.text, str) else "")
        except Exception as exc:  # never let a model error stop the search here
            self.record(ErrorEvent(source="llm_rethink", error=f"{type(exc).__name__}: {exc}"[:500]))
            return ruled
        if not revised:
            return ruled
        lessons = ruled.split("\nLessons:", 1)[1] if "\nLessons:" in ruled else ""
        return revised + ("\nLessons:" + lessons if lessons else "")
