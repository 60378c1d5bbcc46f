"""The performance-rewrite registry: one decorated function per rewrite, with its weight
(the prior of its candidates) and a before/after example that is also its test::

    @rewrite("perf.sorted_min", weight=0.6, example=("y = sorted(x)[0]", "y = min(x)"))
    def sorted_min(func): ...

A rewrite gets a deep copy of one function definition (``ast.FunctionDef``) and returns
the rewritten definition and the imports it needs, or None when it does not apply. The
rules come from linters' rule sets and performance-pattern catalogues (ruff PERF/FURB/PLR,
perflint, the Python wiki's PerformanceTips), never from a benchmark's answers."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

Rewritten = tuple[ast.FunctionDef, tuple[str, ...]]
RewriteFn = Callable[[ast.FunctionDef], Rewritten | None]
_NAME = re.compile(r"^perf\.[a-z][a-z0-9_]*$")


class RewriteError(Exception):
    """A rewrite is declared wrongly (raised when its family module is imported)."""


@dataclass(frozen=True)
class Rewrite:
    name: str
    weight: float
    example: tuple[str, str]
    fn: RewriteFn
    source: str
    """Where the rule comes from (a linter rule or a catalogue entry)."""

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip().split("\n", 1)[0]

    def __call__(self, func: ast.FunctionDef) -> Rewritten | None:
        return self.fn(func)


def rewrite(
    name: str, *, weight: float, example: tuple[str, str], source: str
) -> Callable[[RewriteFn], Rewrite]:
    if not _NAME.match(name):
        raise RewriteError(f"rewrite name {name!r} is not 'perf.name'")
    if not 0 < weight <= 1:
        raise RewriteError(f"rewrite {name!r}: weight {weight!r} is not in (0, 1]")
    if len(example) != 2 or example[0] == example[1]:
        raise RewriteError(f"rewrite {name!r} needs example=(before, after), different")
    for text in example:
        try:
            ast.parse(text)
        except SyntaxError as exc:
            raise RewriteError(f"rewrite {name!r}: example does not parse: {exc}") from exc

    def decorate(fn: RewriteFn) -> Rewrite:
        return Rewrite(name, float(weight), example, fn, source)

    return decorate


def collect(*modules: object) -> list[Rewrite]:
    """Every Rewrite declared in ``modules`` (declaration order); duplicate names refused."""
    out: list[Rewrite] = []
    seen: set[str] = set()
    for mod in modules:
        for value in vars(mod).values():
            if isinstance(value, Rewrite):
                if value.name in seen:
                    raise RewriteError(f"duplicate rewrite name {value.name!r}")
                seen.add(value.name)
                out.append(value)
    return out


def builtin_rewrites() -> list[Rewrite]:
    from patchwright.propose.optimize import (
        calls,
        hoist,
        indexing,
        invariant,
        loops,
        memo,
        numeric,
        pairs,
    )

    return collect(calls, invariant, indexing, loops, hoist, numeric, memo, pairs)


__all__ = ["Rewrite", "RewriteError", "Rewritten", "builtin_rewrites", "collect", "rewrite"]
