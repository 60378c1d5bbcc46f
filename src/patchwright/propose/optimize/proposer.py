"""The optimize proposers: ``perf_rewrites`` (the registered performance rewrites on each
hot function, one by one and stacked) and ``ruff_perf`` (ruff's fixes of the performance
rule families on the hot files, stable and preview rules)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from patchwright.core.diff import make_patch
from patchwright.core.domain import Candidate
from patchwright.core.protocols import BuildContext, ProposalContext
from patchwright.propose.optimize.apply import apply_all, apply_rewrite
from patchwright.propose.optimize.registry import Rewrite, builtin_rewrites
from patchwright.propose.optimize.ruff_fix import PERF_RULES, ruff_fix


class PerfRewriteProposer:
    name = "perf_rewrites"

    @classmethod
    def build(cls, ctx: BuildContext) -> PerfRewriteProposer:
        return cls()

    def __init__(self, rewrites: Iterable[Rewrite] | None = None) -> None:
        self.rewrites = list(rewrites) if rewrites is not None else builtin_rewrites()

    def propose(self, ctx: ProposalContext) -> Iterator[Candidate]:
        seen: set[str] = set()
        out: list[Candidate] = []
        for loc in ctx.locations:
            text = ctx.files.get(loc.path)
            if text is None:
                continue
            share = max(loc.score, 0.01)
            stacked = apply_all(text, loc.line, self.rewrites)
            if stacked is not None and len(stacked.names) > 1:
                patch = make_patch(ctx.base_files, {loc.path: stacked.text})
                if patch.hash not in seen:
                    seen.add(patch.hash)
                    weight = max(r.weight for r in self.rewrites if r.name in stacked.names)
                    out.append(Candidate(
                        thought=f"{loc.symbol}: {' + '.join(stacked.names)}", patch=patch,
                        template="+".join(stacked.names), prior=share * min(1.0, weight + 0.1),
                        location=loc))  # fmt: skip
            for rw in self.rewrites:
                new = apply_rewrite(text, loc.line, rw)
                if new is None:
                    continue
                patch = make_patch(ctx.base_files, {loc.path: new})
                if patch.hash in seen:
                    continue
                seen.add(patch.hash)
                out.append(Candidate(thought=f"{loc.symbol}: {rw.name} ({rw.doc})", patch=patch,
                                     template=rw.name, prior=share * rw.weight, location=loc))  # fmt: skip
        out.sort(key=lambda c: -c.prior)
        yield from out[: ctx.limit or None]


class RuffPerfProposer:
    name = "ruff_perf"

    @classmethod
    def build(cls, ctx: BuildContext) -> RuffPerfProposer:
        return cls()

    def __init__(self, select: tuple[str, ...] = PERF_RULES) -> None:
        self.select = select

    def propose(self, ctx: ProposalContext) -> Iterator[Candidate]:
        paths = sorted({loc.path for loc in ctx.locations if loc.path in ctx.files})
        files = {p: ctx.files[p] for p in paths}
        seen: set[str] = set()
        for preview in (False, True):
            changed = ruff_fix(files, self.select, preview=preview)
            if not changed:
                continue
            patch = make_patch(ctx.base_files, changed)
            if patch.empty or patch.hash in seen:
                continue
            seen.add(patch.hash)
            rules = ",".join(self.select)
            yield Candidate(thought=f"ruff --fix --select {rules}{' --preview' if preview else ''}",
                            patch=patch, template="ruff" + (".preview" if preview else ""),
                            prior=0.3)  # fmt: skip


__all__ = ["PerfRewriteProposer", "RuffPerfProposer"]
