"""The ``perf`` check: the performance rewrites of ``propose/optimize`` (linter rules such
as ruff's PERF/FURB/PLR) where they apply to a staged function, as hints: the function's
line, the rewrite and the first line it would change to. ``--fix`` leaves them alone: a
rewrite is proven by the optimize task's tests and timings, not by a commit hook."""

from __future__ import annotations

import ast
import copy
import difflib

from patchwright.hooks.findings import CheckContext, Finding
from patchwright.propose.optimize.registry import Rewrite, builtin_rewrites


class PerfChecker:
    """Slow patterns with a known faster equivalent."""

    name = "perf"

    @classmethod
    def build(cls, ctx: CheckContext) -> PerfChecker:
        return cls(builtin_rewrites())

    def __init__(self, rewrites: list[Rewrite]) -> None:
        self.rewrites = rewrites

    def findings(self, path: str, text: str, tree: ast.Module) -> list[Finding]:
        out: list[Finding] = []
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            before = ast.unparse(func).splitlines()
            for rw in self.rewrites:
                try:
                    got = rw(copy.deepcopy(func))
                except Exception:  # a rewrite that trips over unusual code is no finding
                    continue
                if got is None:
                    continue
                after = ast.unparse(ast.fix_missing_locations(got[0])).splitlines()
                line, new = _first_change(before, after)
                out.append(Finding(path, func.lineno + line, func.col_offset,
                                   f"{rw.name} ({rw.source})",
                                   new, self.name))  # fmt: skip
        return sorted(out, key=lambda f: (f.line, f.rule))

    def fix(self, path: str, text: str) -> tuple[str, int]:
        return text, 0


def _first_change(before: list[str], after: list[str]) -> tuple[int, str | None]:
    """(offset of the first changed line in the function, what it becomes)."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return i1, (after[j1].strip() if j1 < j2 else None)
    return 0, None
