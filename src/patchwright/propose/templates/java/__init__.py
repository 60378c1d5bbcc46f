"""Java fix templates (TBar / PraPR families over tree-sitter-java, edits that keep the
file's formatting): :func:`java_templates` lists them in family order; the proposer is
:class:`patchwright.propose.templates.java.proposer.JavaTemplateProposer`."""

from __future__ import annotations

from patchwright.propose.templates.java import (
    calls,
    checkers,
    conditions,
    identifiers,
    insertions,
    literals,
    operators,
    returns,
    statements,
)
from patchwright.propose.templates.java.base import JavaTemplate

FAMILIES = (operators, literals, conditions, checkers, calls, identifiers, returns, statements,
            insertions)


def java_templates() -> list[JavaTemplate]:
    """Every Java template, family by family, in declaration order; names are unique."""
    found: list[JavaTemplate] = []
    for module in FAMILIES:
        found.extend(v for v in vars(module).values() if isinstance(v, JavaTemplate))
    names = [t.name for t in found]
    if len(set(names)) != len(names):
        raise ValueError("duplicate Java template names")
    return found
