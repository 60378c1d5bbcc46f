"""LLM-free migration proposer: applies mined API rules (see :mod:`patchwright.propose.migrate.rules`)
as LibCST codemods that keep formatting and comments.

Candidates, best first: every applicable rule everywhere at once (the project's source
files, not its tests: the same whole-project codemod as the migration's sweep); then each rule file-wide
(sites at suspicious locations first); then each single attribute-use site. Besides the files
the search hands over, the proposer reads the repository's tracked Python files at the base
commit (through git), so uses outside the localized files are migrated too."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from patchwright.core.diff import PatchError, apply_to_files, make_patch
from patchwright.core.domain import Candidate, Location, MigrateSpec
from patchwright.core.errors import RepairError
from patchwright.core.protocols import BuildContext, ProposalContext
from patchwright.core.registry import component_config
from patchwright.propose.migrate.codemod import Site, is_test_path, rewrite
from patchwright.propose.migrate.rules import Rule, RulesError, RulesFile, load_rules
from patchwright.repo.git import text_files

__all__ = ["MigrateRulesProposer", "repo_python_files"]


def repo_python_files(repo: str, commit: str = "HEAD") -> dict[str, str]:
    """Tracked ``*.py`` files of ``repo`` at ``commit`` (empty when it is no repository)."""
    return text_files(Path(repo), commit or "HEAD", ".py") if repo else {}


def migrate_spec(ctx: BuildContext, proposer: str) -> MigrateSpec:
    """The migration spec a migration proposer works from (a one-line error without one)."""
    spec = ctx.task.spec if ctx.task is not None else None
    if not isinstance(spec, MigrateSpec) or not spec.rules_file:
        raise RepairError(f"the {proposer} proposer works on migrations (use `patchwright migrate`)")
    return spec


class MigrateRulesProposer:
    """Rename old API names to their replacements; no model calls."""

    name = "migrate_rules"

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        singles: bool = True
        """Besides every rule at once, each rule file-wide and each single site (off after
        ``migrate``'s sweep, which has tested the rules together already)."""

    @classmethod
    def build(cls, ctx: BuildContext) -> MigrateRulesProposer:
        options = component_config(cls, ctx.config.proposers.get(cls.name))
        assert isinstance(options, cls.Config)
        try:
            rules = load_rules(migrate_spec(ctx, cls.name).rules_file)
        except RulesError as exc:
            raise RepairError(str(exc)) from None
        return cls(rules, singles=options.singles)

    def __init__(
        self, rules: RulesFile | list[Rule], max_candidates: int = 200, *, singles: bool = True
    ) -> None:
        items = rules.rewrites() if isinstance(rules, RulesFile) else [
            r for r in rules if r.rewritable
        ]
        self.rules: dict[str, str] = {r.old: r.new for r in items if r.new}
        self.max_candidates = max_candidates
        self.singles = singles
        self._repo_cache: dict[tuple[str, str], dict[str, str]] = {}

    def _files(self, ctx: ProposalContext) -> tuple[dict[str, str], dict[str, str]]:
        """(base, current) contents of every candidate file, parent patch applied."""
        key = (ctx.task.repo, ctx.task.base_commit)
        if key not in self._repo_cache:
            self._repo_cache[key] = repo_python_files(ctx.task.repo, ctx.task.base_commit)
        base = dict(self._repo_cache[key])
        base.update(ctx.base_files)
        current = dict(base)
        current.update(ctx.files)
        if ctx.parent_patch is not None and not ctx.parent_patch.empty:
            try:
                current.update(apply_to_files(base, ctx.parent_patch.diff))
            except PatchError:
                pass
        return base, current

    def propose(self, ctx: ProposalContext) -> Iterator[Candidate]:
        if not self.rules:
            return
        base, current = self._files(ctx)
        touched = set(ctx.parent_patch.files) if ctx.parent_patch is not None else set()
        limit = ctx.limit or self.max_candidates
        all_sites: dict[str, list[Site]] = {}
        all_new: dict[str, str] = {}
        for path, text in sorted(current.items()):
            if not path.endswith(".py") or is_test_path(path):
                continue
            new_text, sites = rewrite(text, self.rules)
            if sites:
                all_sites[path], all_new[path] = sites, new_text
        if not all_sites:
            return
        suspicious = _suspicious(ctx.locations)

        def candidate(new: Mapping[str, str], thought: str, prior: float, sites: list[Site],
                      path: str) -> Candidate:
            files = {p: current[p] for p in touched if p in current}
            files.update(new)
            line = sites[0].line if sites else 1
            return Candidate(
                thought=thought,
                patch=make_patch(base, files),
                template="migrate_rules",
                prior=prior,
                location=Location(path=path, line=line, end_line=line, source="manual"),
            )

        n_sites = sum(len(s) for s in all_sites.values())
        first = next(iter(all_sites))
        yield candidate(all_new, f"apply every applicable API rule ({n_sites} sites): "
                        + _summary([s for ss in all_sites.values() for s in ss]), 1.0,
                        all_sites[first], first)
        if not self.singles:
            return
        count = 1
        per_rule: list[tuple[float, Candidate]] = []
        for path, sites in all_sites.items():
            for old in sorted({s.old for s in sites}):
                mine = {(s.line, s.text) for s in sites if s.old == old}
                new_text, done = rewrite(current[path], {old: self.rules[old]}, mine)
                hot = any((path, s.line) in suspicious for s in done)
                prior = 0.8 if hot else 0.6
                per_rule.append((prior, candidate({path: new_text}, f"{path}: {_summary(done)}",
                                                  prior, done, path)))
                for s in done:
                    if "." not in s.text:
                        continue  # from-import names move together with their import
                    one, _ = rewrite(current[path], {old: self.rules[old]}, {s.key})
                    p = 0.5 if (path, s.line) in suspicious else 0.3
                    per_rule.append((p, candidate({path: one}, f"{path}:{s.line}: "
                                                  f"{s.text} -> {s.replacement}", p, [s], path)))
        per_rule.sort(key=lambda pc: -pc[0])
        seen = {"empty"}
        for _, cand in per_rule:
            if count >= limit:
                return
            if cand.patch.hash in seen:
                continue
            seen.add(cand.patch.hash)
            count += 1
            yield cand


def _suspicious(locations: list[Location] | tuple[Location, ...] | object) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for loc in locations:  # type: ignore[attr-defined]
        for line in range(loc.line, loc.end_line + 1):
            out.add((loc.path, line))
    return out


def _summary(sites: list[Site]) -> str:
    pairs = sorted({f"{s.text} -> {s.replacement}" for s in sites})
    text = ", ".join(pairs[:6])
    return text + (f" and {len(pairs) - 6} more" if len(pairs) > 6 else "")
