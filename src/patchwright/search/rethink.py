"""Rethink (RethinkMCTS): a failed child's test output becomes verbal feedback on its parent,
and a refined thought replaces the parent's plan before it is expanded again."""

from __future__ import annotations

from typing import Protocol

from patchwright.core.domain import Node

MAX_FEEDBACK = 5


class Rethinker(Protocol):
    name: str

    def rethink(self, parent: Node, child: Node, feedback: str) -> str:
        """The parent's revised thought, given what went wrong with ``child``."""
        ...


class RuleRethinker:
    """LLM-free rethink: the thought keeps the plan and the lessons of the last attempts."""

    name = "rules"

    def rethink(self, parent: Node, child: Node, feedback: str) -> str:
        plan = parent.thought.split("\nLessons:", 1)[0]
        lessons = [f"- {fb}" for fb in parent.feedback[-MAX_FEEDBACK:]]
        return plan + "\nLessons:\n" + "\n".join(lessons)


def attach_feedback(parent: Node, child: Node, feedback: str, rethinker: Rethinker) -> str:
    """Record ``feedback`` on ``parent`` and replace its thought; returns the new thought."""
    parent.feedback.append(f"{child.thought}: {feedback}")
    parent.feedback = parent.feedback[-MAX_FEEDBACK:]
    parent.thought = rethinker.rethink(parent, child, feedback)
    return parent.thought
