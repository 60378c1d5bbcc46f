"""The ``perf`` check: the performance rewrites of ``propose/optimize`` (linter rules such
as ruff's PERF/FURB/PLR) where they apply to a staged function, as hints: the function's
line, the rewrite and the first line it would change to. ``--fix`` leaves them alone: a
rewrite is proven by the optimize task's tests and timings, not by a commit hook."""

from __future__ import annotations

import ast
import copy
import difflib
import textwrap
from collections.abc import Callable

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
        lines = text.splitlines(keepends=True)
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            before = ast.unparse(func).splitlines()
            fresh = _copier(func, lines)
            for rw in self.rewrites:
                try:
                    got = rw(fresh())
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


def _copier(func: ast.FunctionDef, lines: list[str]) -> Callable[[], ast.FunctionDef]:
    """Fresh copies of ``func`` for each rewrite: its source parsed again (CPython's parser
    is several times faster than ``copy.deepcopy`` of a tree), else a deep copy."""
    start = min([func.lineno, *(d.lineno for d in func.decorator_list)])
    source = textwrap.dedent("".join(lines[start - 1 : func.end_lineno]))
    try:
        parsed = ast.parse(source).body[0]
    except SyntaxError:  # a line indented less than the def (a string literal): copy instead
        parsed = None
    if not isinstance(parsed, ast.FunctionDef):
        return lambda: copy.deepcopy(func)
    return lambda: ast.parse(source).body[0]  # type: ignore[return-value]


def _first_change(before: list[str], after: list[str]) -> tuple[int, str | None]:
    """(offset of the first changed line in the function, what it becomes)."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return i1, (after[j1].strip() if j1 < j2 else None)
    return 0, None
