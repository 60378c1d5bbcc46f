"""The ``migrate`` check: uses of APIs that the *installed* versions of the project's
libraries removed, renamed or deprecated, from the mined migration rules (the shipped rules
files, the user's mined ones under ``$PATCHWRIGHT_HOME/rules``, ``--rules FILE``).

A rules file ``LIB FROM -> TO`` applies when the installed LIB is at least TO, or of TO's
major version and newer than FROM. ``--fix`` is the migration's LibCST codemod."""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path

from patchwright.hooks.findings import CheckContext, Finding
from patchwright.hooks.installed import installed_versions, version_key
from patchwright.hooks.names import qualified_uses
from patchwright.hooks.rule_cache import CheckRule, cache_key, load_cached, save_cached
from patchwright.propose.migrate.rules import RulesError, parse_rules, refine_rules

_VERB = {"removed": "removed", "renamed": "renamed", "moved": "moved",
         "deprecated": "deprecated", "replaced": "removed"}  # fmt: skip


def _sources(ctx: CheckContext) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    shipped = resources.files("patchwright") / "data" / "rules"
    if shipped.is_dir():
        out += [(f"shipped:{p.name}", p.read_bytes()) for p in sorted(shipped.iterdir(), key=str)
                if p.name.endswith(".json")]  # fmt: skip
    for folder in ctx.rules_dirs:
        out += [(str(p), p.read_bytes()) for p in sorted(Path(folder).glob("*.json"))]
    for path in ctx.rules_files:
        try:
            out.append((str(path), Path(path).read_bytes()))
        except OSError as exc:
            raise RulesError(f"cannot read rules file {path}: {exc.strerror}") from None
    return out


def _applies(installed: str | None, old: str, new: str) -> bool:
    if installed is None:
        return False
    have, lo, hi = version_key(installed), version_key(old), version_key(new)
    return have >= hi or (have[:1] == hi[:1] and have > lo)


def _compile(sources: list[tuple[str, bytes]], versions: dict[str, str],
             ctx: CheckContext) -> list[CheckRule]:  # fmt: skip
    rules: dict[str, CheckRule] = {}
    for name, data in sources:
        try:
            parsed = parse_rules(json.loads(data), name)
        except (RulesError, json.JSONDecodeError) as exc:
            ctx.log.append(f"check: rules {name} skipped: {str(exc).splitlines()[0]}")
            continue
        have = versions.get(_norm(parsed.library))
        if not _applies(have, parsed.from_, parsed.to):
            continue
        where = f"{parsed.library} {have}"
        for r in refine_rules(parsed).rules:
            if r.kind == "signature_changed" or r.old in rules:
                continue
            verb = _VERB[r.kind]
            moved = r.new is not None and verb in ("renamed", "moved")
            says = f"{r.old} {verb}" + (f" to {r.new}" if moved else "")
            rules[r.old] = CheckRule(r.old, r.new if r.rewritable else None, r.kind,
                                     f"{says} ({where})")  # fmt: skip
    return sorted(rules.values(), key=lambda r: r.old)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _library(source: bytes) -> str | None:
    found = re.search(rb'"library"\s*:\s*"([^"]+)"', source)
    return found.group(1).decode() if found else None


class MigrationChecker:
    """Removed, renamed and deprecated library APIs for the installed versions."""

    name = "migrate"

    @classmethod
    def build(cls, ctx: CheckContext) -> MigrationChecker:
        sources = _sources(ctx)
        libraries = {lib for _, data in sources if (lib := _library(data))}
        versions = installed_versions(libraries, ctx.python)
        if libraries and not versions:
            where = ctx.python or "this interpreter"
            ctx.log.append(f"check: none of {', '.join(sorted(libraries))} is installed in "
                           f"{where}; --venv/--python name the project's environment")  # fmt: skip
        key = cache_key(sources, versions)
        rules = load_cached(ctx.cache, key)
        if rules is None:
            rules = _compile(sources, versions, ctx)
            save_cached(ctx.cache, key, rules)
        return cls(rules)

    def __init__(self, rules: list[CheckRule]) -> None:
        self.rules = {r.old: r for r in rules}
        self.roots = frozenset(r.old.split(".")[0] for r in rules)

    def findings(self, path: str, text: str, tree: ast.Module) -> list[Finding]:
        if not self.roots or not any(root in text for root in self.roots):
            return []
        out: list[Finding] = []
        seen: set[tuple[int, int, str]] = set()
        for use in qualified_uses(tree, self.roots):
            rule = self._match(use.qualified)
            if rule is None or (use.line, use.col, rule.old) in seen:
                continue
            seen.add((use.line, use.col, rule.old))
            out.append(Finding(path, use.line, use.col, rule.says,
                               _spelled(rule.new, use.alias) if rule.new else None, self.name))  # fmt: skip
        return sorted(out, key=lambda f: (f.line, f.col))

    def _match(self, qualified: str) -> CheckRule | None:
        parts = qualified.split(".")
        for n in range(len(parts), 1, -1):
            rule = self.rules.get(".".join(parts[:n]))
            if rule is not None:
                return rule
        return None

    def fix(self, path: str, text: str) -> tuple[str, int]:
        from patchwright.propose.migrate.codemod import rewrite  # LibCST: only when fixing

        table = {r.old: r.new for r in self.rules.values() if r.new}
        new_text, sites = rewrite(text, table)
        return new_text, len(sites)


def _spelled(new: str, alias: tuple[str, str]) -> str:
    """``numpy.float64`` as the site spells numpy (``np.float64``)."""
    local, qualified = alias
    if local == qualified:
        return new
    return re.sub(rf"(?<![\w.]){re.escape(qualified)}(?=\.|\b)", local, new)
