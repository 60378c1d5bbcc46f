"""LLM-free proposer: fix templates / mutation operators for Python (TBar, PraPR, SimFix style).

For the most suspicious lines it applies the template catalogue (operators, literals,
off-by-one, conditions, swaps, identifiers, returns, builtin duals, guards, statement edits),
renders each mutation as a minimal text edit, and ranks candidates by
``location score x template weight`` (see :mod:`patchwright.propose.templates`).
Patches are cumulative against the base commit, so proposals stack on the parent's patch.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from patchwright.core.diff import make_patch
from patchwright.core.domain import Candidate, Location
from patchwright.core.protocols import BuildContext, ProposalContext
from patchwright.core.registry import component_config
from patchwright.propose import syntax_slips
from patchwright.propose.analysis import FileAnalysis, Rendered
from patchwright.propose.pyedit import split_lines
from patchwright.propose.templates import Mutation, Registry, Site, Template, registry

__all__ = ["MutationProposer", "apply_template", "generate"]

MAX_LINES_PER_LOCATION = 40
_TEMPLATE_ERRORS = (
    RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError, AssertionError,
)  # fmt: skip


def generate(site: Site) -> Iterator[Mutation]:
    """Every template applied at one site, in registry order."""
    return registry().mutations(site)


def apply_template(t: Template, source: str, path: str = "example.py") -> list[str]:
    """Every text one template makes of ``source`` (at each of its lines), rendered and
    compiled as the proposer does; how a template's before/after example is checked."""
    analysis = FileAnalysis(path, source)
    only = Registry([t])
    out: dict[str, None] = {}
    for line in range(1, analysis.src.nlines + 1):
        site = analysis.site(line)
        if site is None:
            continue
        for m in only.mutations(site):
            rendered = analysis.render(site, m)
            if rendered is not None and rendered.text != source and analysis.compiles(rendered):
                out.setdefault(rendered.text, None)
    return list(out)


@dataclass
class _Entry:
    prior: float
    seq: int
    path: str
    rendered: Rendered
    analysis: FileAnalysis
    thought: str
    template: str
    location: Location


def _line_map(base: str | None, current: str) -> Callable[[int], int | None]:
    """Maps base-commit line numbers to lines of ``current`` (the parent's patched text)."""
    if base is None or base == current:
        return lambda line: line
    a, b = split_lines(base), split_lines(current)
    table: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for i in range(i1, i2):
            if tag == "equal":
                table[i + 1] = j1 + (i - i1) + 1
            elif tag == "replace" and j2 > j1:
                table[i + 1] = j1 + min(i - i1, j2 - j1 - 1) + 1
    return table.get


class MutationProposer:
    """Template-based candidate generator; no model calls."""

    name = "mutations"

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        max_lines: int = 12
        """How many suspicious lines are mutated per expansion."""
        max_candidates: int = 400

    @classmethod
    def build(cls, ctx: BuildContext) -> MutationProposer:
        options = component_config(cls, ctx.config.proposers.get(cls.name))
        assert isinstance(options, cls.Config)
        return cls(max_lines=options.max_lines, max_candidates=options.max_candidates)

    def __init__(self, max_lines: int = 12, max_candidates: int = 400, per_line: int = 60) -> None:
        self.max_lines = max_lines
        self.max_candidates = max_candidates
        self.per_line = per_line
        self._cache: dict[tuple[str, str], FileAnalysis | None] = {}

    # ------------------------------------------------------------------------------ public

    def propose(self, ctx: ProposalContext) -> Iterator[Candidate]:
        limit = ctx.limit or self.max_candidates
        entries = self._collect(ctx)
        changed = {p: t for p, t in ctx.files.items() if ctx.base_files.get(p) != t}
        yielded = 0
        for cand in syntax_slips.candidates(ctx):  # a located file that does not compile
            if yielded >= limit:
                return
            yielded += 1
            yield cand
        for e in entries:
            if yielded >= limit:
                return
            if not e.analysis.compiles(e.rendered):
                continue
            patch = make_patch(ctx.base_files, {**changed, e.path: e.rendered.text})
            if patch.empty:
                continue
            yielded += 1
            yield Candidate(
                thought=e.thought,
                patch=patch,
                template=e.template,
                prior=e.prior,
                location=e.location,
            )

    # ------------------------------------------------------------------------------ internals

    def _analysis(self, path: str, text: str) -> FileAnalysis | None:
        key = (path, text)
        if key not in self._cache:
            if len(self._cache) >= 8:
                self._cache.clear()
            try:
                self._cache[key] = FileAnalysis(path, text)
            except (SyntaxError, ValueError, RecursionError):
                self._cache[key] = None
        return self._cache[key]

    def _lines(self, ctx: ProposalContext) -> Iterator[tuple[Location, str, int, int]]:
        """(location, path, base line, line in ctx.files) for distinct lines, most suspicious
        first."""
        maps: dict[str, Callable[[int], int | None]] = {}
        seen: set[tuple[str, int]] = set()
        ranked = sorted(enumerate(ctx.locations), key=lambda il: (-il[1].score, il[0]))
        for _, loc in ranked:
            path = loc.path
            if path not in ctx.files:
                continue
            if path not in maps:
                maps[path] = _line_map(ctx.base_files.get(path), ctx.files[path])
            end = max(loc.line, loc.end_line)
            for base_line in range(loc.line, min(end, loc.line + MAX_LINES_PER_LOCATION - 1) + 1):
                line = maps[path](base_line)
                if line is None or (path, line) in seen:
                    continue
                seen.add((path, line))
                yield loc, path, base_line, line

    def _collect(self, ctx: ProposalContext) -> list[_Entry]:
        best: dict[tuple[str, str], _Entry] = {}
        seq = 0
        used_lines = 0
        for loc, path, base_line, line in self._lines(ctx):
            if used_lines >= self.max_lines:
                break
            current = ctx.files[path]
            analysis = self._analysis(path, current)
            if analysis is None:
                continue
            try:
                site = analysis.site(line, loc.symbol)
                candidates = self._site_candidates(analysis, site, current) if site else []
            except _TEMPLATE_ERRORS:  # a template bug must not take the whole run down
                continue
            if site is None:
                continue
            if not candidates:
                continue  # lines without any candidate do not use up max_lines
            used_lines += 1
            location = loc
            if loc.line != loc.end_line:
                location = loc.model_copy(update={"line": base_line, "end_line": base_line})
            score = max(loc.score, 0.0)
            for weight, m, rendered in candidates:
                seq += 1
                key = (path, rendered.text)
                prior = score * weight
                old = best.get(key)
                if old is not None and old.prior >= prior:
                    continue
                thought = f"{path}:{base_line} in {site.symbol}: {rendered.desc}"
                best[key] = _Entry(
                    prior, seq, path, rendered, analysis, thought, m.template, location
                )
        entries = sorted(best.values(), key=lambda e: (-e.prior, e.seq))
        total = len(entries)
        for i, e in enumerate(entries):
            e.prior = round(e.prior, 9) + (total - i) * 1e-9
        return entries

    def _site_candidates(
        self, analysis: FileAnalysis, site: Site, current: str
    ) -> list[tuple[float, Mutation, Rendered]]:
        out: list[tuple[float, Mutation, Rendered]] = []
        seen: set[str] = {current}
        ordered = sorted(enumerate(generate(site)), key=lambda im: (-im[1].weight, im[0]))
        for _, m in ordered:
            if len(out) >= self.per_line:
                break
            if m.weight <= 0:
                continue
            try:
                rendered = analysis.render(site, m)
            except (RecursionError, ValueError, TypeError, AttributeError, KeyError):
                rendered = None
            if rendered is None or rendered.text in seen:
                continue
            seen.add(rendered.text)
            out.append((m.weight, m, rendered))
        return out
