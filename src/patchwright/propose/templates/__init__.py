"""LLM-free fix templates (TBar / PraPR / PAR-style mutation operators) for Python.

One decorated function per template, in its family module; :func:`registry` returns the
frozen registry built once from the family modules below, in this fixed order (the order
in which templates run at a site, which breaks ties between equal priors)::

    @template("var.get", weight=0.40, on=ast.Subscript, example=("v = d[k]", "v = d.get(k)"))
    def subscript_get(site, node): ...

Adding a template is one such function in one family file; its example is its test.
"""

from __future__ import annotations

from patchwright.propose.templates import (
    arguments,
    branches,
    builtin_calls,
    conditions,
    extend,
    handlers,
    identifiers,
    insertions,
    keywords,
    literals,
    off_by_one,
    operators,
    returns,
    statements,
    swaps,
    updates,
    wrappers,
)
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import (
    Pool,
    Registry,
    Template,
    TemplateError,
    collect,
    template,
)

FAMILIES = (
    operators,
    literals,
    identifiers,
    swaps,
    builtin_calls,
    off_by_one,
    conditions,
    returns,
    statements,
    branches,
    insertions,
    arguments,
    keywords,
    updates,
    extend,
    handlers,
    wrappers,
)

_REGISTRY = collect(*FAMILIES)


def registry() -> Registry:
    """The built-in fix templates (immutable, built once at import)."""
    return _REGISTRY


__all__ = [
    "FAMILIES", "Mutation", "Pool", "Registry", "Site", "Template", "TemplateError", "collect",
    "registry", "template",
]  # fmt: skip
