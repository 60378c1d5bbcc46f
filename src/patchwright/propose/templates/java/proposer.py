"""LLM-free proposer for Java: the Java fix templates applied at the most suspicious lines
of ``.java`` files, ranked by ``location score x template weight x affinity``; patches are
cumulative against the base commit (proposals stack on the parent's patch)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator

from pydantic import BaseModel, ConfigDict

from patchwright.core.diff import make_patch
from patchwright.core.domain import Candidate, Location
from patchwright.core.protocols import BuildContext, ProposalContext
from patchwright.core.registry import component_config
from patchwright.propose.templates.java import java_templates
from patchwright.propose.templates.java.base import JavaSite, Signature, java_sites, signatures


def _line_map(base: str | None, current: str) -> Callable[[int], int | None]:
    if base is None or base == current:
        return lambda line: line
    a, b = base.splitlines(), current.splitlines()
    table: dict[int, int] = {}
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            for i in range(i1, i2):
                table[i + 1] = j1 + (i - i1) + 1
    return table.get


class JavaTemplateProposer:
    """Template-based candidates for Java files; no model calls."""

    name = "java_templates"

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        max_lines: int = 12
        """How many suspicious lines are mutated per expansion."""
        max_candidates: int = 400

    @classmethod
    def build(cls, ctx: BuildContext) -> JavaTemplateProposer:
        options = component_config(cls, ctx.config.proposers.get(cls.name))
        assert isinstance(options, cls.Config)
        return cls(options.max_lines, options.max_candidates)

    def __init__(self, max_lines: int = 12, max_candidates: int = 400) -> None:
        self.max_lines = max_lines
        self.max_candidates = max_candidates
        self.templates = java_templates()
        self._signatures: dict[int, dict[str, list[Signature]]] = {}

    def propose(self, ctx: ProposalContext) -> Iterator[Candidate]:
        limit = ctx.limit or self.max_candidates
        changed = {p: t for p, t in ctx.files.items() if ctx.base_files.get(p) != t}
        best: dict[tuple[str, str], tuple[float, int, Candidate]] = {}
        seq = 0
        for loc, path, site in self._sites(ctx):
            for t in self.templates:
                for edit in t.edits(site):
                    text = site.render(edit)
                    if text is None:
                        continue
                    seq += 1
                    prior = max(loc.score, 0.0) * edit.weight
                    key = (path, text)
                    if key in best and best[key][0] >= prior:
                        continue
                    patch = make_patch(ctx.base_files, {**changed, path: text})
                    if patch.empty:
                        continue
                    where = loc.model_copy(update={"line": site.line, "end_line": site.line})
                    best[key] = (prior, seq, Candidate(
                        thought=f"{path}:{site.line}: {edit.desc} ({edit.template})",
                        patch=patch, template=edit.template, prior=prior, location=where,
                    ))  # fmt: skip
        ranked = sorted(best.values(), key=lambda e: (-e[0], e[1]))
        for _, _, cand in ranked[:limit]:
            yield cand

    def _classes(self, ctx: ProposalContext) -> dict[str, list[Signature]]:
        """Method signatures of every Java file the proposer sees (cached by content)."""
        found: dict[str, list[Signature]] = {}
        for path, text in ctx.files.items():
            if path.endswith(".java"):
                key = hash(text)
                if key not in self._signatures:
                    self._signatures[key] = signatures(text)
                for cls, sigs in self._signatures[key].items():
                    found.setdefault(cls, []).extend(sigs)
        return found

    def _sites(self, ctx: ProposalContext) -> Iterator[tuple[Location, str, JavaSite]]:
        """(location, path, site) for distinct suspicious Java lines, most suspicious first."""
        maps: dict[str, Callable[[int], int | None]] = {}
        parsed: dict[str, Callable[[int], JavaSite | None]] = {}
        seen: set[tuple[str, int]] = set()
        used = 0
        ranked = sorted(enumerate(ctx.locations), key=lambda il: (-il[1].score, il[0]))
        for _, loc in ranked:
            path = loc.path
            if not path.endswith(".java") or path not in ctx.files:
                continue
            if path not in maps:
                maps[path] = _line_map(ctx.base_files.get(path), ctx.files[path])
                parsed[path] = java_sites(path, ctx.files[path], self._classes(ctx))
            for base_line in range(loc.line, max(loc.line, loc.end_line) + 1):
                line = maps[path](base_line)
                if line is None or (path, line) in seen:
                    continue
                seen.add((path, line))
                site = parsed[path](line)
                if site is None:
                    continue
                if used >= self.max_lines:
                    return
                used += 1
                yield loc, path, site
