"""Literal and off-by-one mutation (TBar "mutate literal expression", PraPR "constant
replacement"; ManySStuBs4J "change numeric literal", "change boolean literal"; off-by-one
on indices, bounds and arguments)."""

from __future__ import annotations

from collections.abc import Iterator

from patchwright.propose.templates.java.base import (
    JavaEdit,
    JavaSite,
    Node,
    java_template,
    splice,
    text_of,
)

_BOUNDS = ("binary_expression", "array_access", "argument_list", "return_statement",
           "variable_declarator", "assignment_expression")  # fmt: skip


@java_template("lit.number", weight=0.6, on=("decimal_integer_literal",),
               example=("return a + 1;", "return a + 0;"))  # fmt: skip
def number(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """An integer literal ``n`` -> ``n+1``, ``n-1``, ``0``, ``1``."""
    raw = text_of(site, node)
    if not raw.isdigit():
        return
    n = int(raw)
    seen = {n}
    for value, affinity in ((n + 1, 1.0), (n - 1, 1.0), (0, 0.5), (1, 0.5)):
        if value >= 0 and value not in seen:
            seen.add(value)
            yield splice(site, node, str(value), affinity, f"{n} -> {value}")


@java_template("lit.boolean", weight=0.6, on=("true", "false"),
               example=("return true;", "return false;"))  # fmt: skip
def boolean(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """``true`` <-> ``false``."""
    new = "false" if node.type == "true" else "true"
    yield splice(site, node, new, 1.0, f"{node.type} -> {new}")


@java_template("lit.off_by_one", weight=0.5,
               on=("identifier", "field_access", "method_invocation", "array_access"),
               example=("return xs[a];", "return xs[a - 1];"))  # fmt: skip
def off_by_one(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """An index, bound or argument ``e`` -> ``e - 1`` / ``e + 1`` (PraPR off-by-one)."""
    parent = node.parent
    if parent is None or parent.type not in _BOUNDS:
        return
    if parent.type == "array_access" and parent.child_by_field_name("array") == node:
        return
    if parent.type == "variable_declarator" and parent.child_by_field_name("name") == node:
        return
    if parent.type == "assignment_expression" and parent.child_by_field_name("left") == node:
        return
    if node.type == "identifier" and parent.type == "method_invocation":
        return
    kind = site.types.get(text_of(site, node), "") if node.type == "identifier" else "int"
    if kind not in ("int", "long", "short", "byte", "double", "float", "char"):
        return
    old = text_of(site, node)
    for sign, affinity in (("-", 1.0), ("+", 0.9)):
        yield splice(site, node, f"{old} {sign} 1", affinity, f"{old} -> {old} {sign} 1")
