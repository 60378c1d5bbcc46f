"""Expansion: ask every proposer for candidates on top of a node's patch."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Mapping, Sequence

from patchwright.core.diff import PatchError, apply_to_files
from patchwright.core.domain import Candidate, Location, Node, Task
from patchwright.core.protocols import ProposalContext, Proposer, ProposerStop


class Expander:
    def __init__(
        self,
        task: Task,
        base_files: Mapping[str, str],
        locations: Sequence[Location],
        proposers: Sequence[Proposer],
        limit: int = 0,
        on_retire: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.task = task
        self.base_files = dict(base_files)
        self.locations = list(locations)
        self.proposers = list(proposers)
        self.limit = limit
        self.uses_feedback = any(getattr(p, "uses_feedback", False) for p in self.proposers)
        self.on_retire = on_retire or (lambda name, reason: None)
        self.retired: dict[str, str] = {}
        """Proposers dropped after a :class:`ProposerStop`: name -> reason."""
        self.clock = clock
        self.started = clock()
        self.spent: dict[str, float] = {}
        """Seconds each proposer took to propose, over this expander's life: name -> s."""
        self.skipped: dict[str, int] = {}
        """Expansions each proposer sat out, over its time share: name -> count."""

    def over_share(self, proposer: Proposer) -> bool:
        """A proposer with a ``time_share`` below 1 (a slow model's) sits an expansion out
        while it has taken more than that share of the time since the search began, so the
        other proposers' candidates get evaluated; alone, it always proposes."""
        share = getattr(proposer, "time_share", 1.0)
        if share >= 1.0 or len(self.proposers) < 2:
            return False
        return self.spent.get(_name(proposer), 0.0) > share * (self.clock() - self.started)

    def files_at(self, node: Node) -> dict[str, str]:
        files = dict(self.base_files)
        if node.patch is not None and not node.patch.empty:
            files.update(apply_to_files(self.base_files, node.patch.diff))
        return files

    def window(self) -> int:
        """How many suspicious locations one expansion of the line-bounded proposers
        consumes at least (their smallest ``max_lines``; 0 when none is line-bounded)."""
        sizes = [getattr(p, "max_lines", 0) for p in self.proposers]
        sizes = [s for s in sizes if isinstance(s, int) and s > 0]
        return min(sizes, default=0)

    def can_widen(self, skip: int) -> bool:
        """More suspicious locations lie past the first ``skip``."""
        return self.window() > 0 and skip < len(self.locations)

    def candidates(self, node: Node, skip: int = 0) -> list[Candidate]:
        """All proposers' candidates for ``node``, merged by prior (best first).

        ``skip`` > 0 widens the localization: only the line-bounded proposers run, on the
        suspicious locations after the first ``skip`` (the ones before were used up)."""
        try:
            files = self.files_at(node)
        except PatchError:
            return []
        ctx = ProposalContext(
            task=self.task,
            base_files=self.base_files,
            files=files,
            locations=self.locations[skip:],
            parent_patch=node.patch,
            thought=node.thought,
            feedback=list(node.feedback),
            limit=self.limit,
        )
        streams: list[list[Candidate]] = []
        held: list[Proposer] = []
        for proposer in list(self.proposers):
            if skip and not getattr(proposer, "max_lines", 0):
                continue
            if self.over_share(proposer):
                held.append(proposer)
                continue
            self._ask(proposer, ctx, streams)
        if held and not any(streams):  # the others had nothing: the held ones propose
            for proposer in held:
                self._ask(proposer, ctx, streams)
            held = []
        for proposer in held:
            self.skipped[_name(proposer)] = self.skipped.get(_name(proposer), 0) + 1
        merged = heapq.merge(*streams, key=lambda c: -c.prior)
        out = list(itertools.islice(merged, self.limit or None))
        return out

    def _ask(self, proposer: Proposer, ctx: ProposalContext, streams: list[list[Candidate]]) -> None:
        """One proposer's candidates into ``streams``, its time into :attr:`spent`; a
        :class:`ProposerStop` retires it (or, the last one, stops the search)."""
        began = self.clock()
        try:
            streams.append(list(proposer.propose(ctx)))
        except ProposerStop as stop:
            if len(self.proposers) == 1:
                raise  # nothing left to search with: the strategy stops
            self.proposers.remove(proposer)
            self.retired[_name(proposer)] = stop.reason
            self.on_retire(_name(proposer), stop.reason)
        finally:
            self.spent[_name(proposer)] = self.spent.get(_name(proposer), 0.0) + self.clock() - began


def _name(proposer: Proposer) -> str:
    return str(getattr(proposer, "name", type(proposer).__name__))
