"""A scripted proposer: candidates come from a table of edits, not from code analysis.
A real class for tests of search and agent logic; it records what each call received."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from patchwright.core.diff import make_patch
from patchwright.core.domain import Candidate
from patchwright.core.protocols import ProposalContext


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` in ``path`` (applies where ``old`` occurs)."""

    path: str
    old: str
    new: str
    prior: float = 0.5
    name: str = ""


class ScriptedProposer:
    name = "scripted"
    uses_feedback = True

    def __init__(self, edits: Sequence[Edit]) -> None:
        self.edits = list(edits)
        self.calls: list[ProposalContext] = []

    def propose(self, ctx: ProposalContext) -> Iterator[Candidate]:
        self.calls.append(ctx)
        out = []
        for edit in self.edits:
            text = ctx.files.get(edit.path)
            if text is None or edit.old not in text:
                continue
            new = text.replace(edit.old, edit.new, 1)
            out.append(
                Candidate(
                    thought=edit.name or f"replace {edit.old!r} with {edit.new!r} in {edit.path}",
                    patch=make_patch(ctx.base_files, {edit.path: new}),
                    template="scripted",
                    prior=edit.prior,
                )
            )
        out.sort(key=lambda c: -c.prior)
        yield from out
