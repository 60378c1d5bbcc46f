"""Search strategies behind one interface, selectable by name (core.registry "strategy")."""

from __future__ import annotations

from patchwright.core.registry import names, resolve
from patchwright.search.strategies.base import (
    SearchContext,
    SearchOutcome,
    SearchParams,
    Strategy,
)

STRATEGIES = tuple(names("strategy"))
"""Short names of the built-in strategies."""


def make_strategy(name: str) -> Strategy:
    """The strategy registered as ``name`` (or at a dotted path); ConfigError if none."""
    return resolve("strategy", name)()  # type: ignore[no-any-return]


__all__ = [
    "STRATEGIES",
    "SearchContext",
    "SearchOutcome",
    "SearchParams",
    "Strategy",
    "make_strategy",
]
