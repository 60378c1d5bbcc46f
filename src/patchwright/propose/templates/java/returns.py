"""Return statement mutation (TBar "mutate return statement"): return another value of the
method's type."""

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


@java_template("ret.value", weight=0.4, on=("return_statement",),
               example=("return a;", "return b;"))  # fmt: skip
def value(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """``return e`` -> ``return x`` for another name of the same type, or a boolean's
    negation."""
    if not node.named_children or site.method is None:
        return
    expr = node.named_children[0]
    old = text_of(site, expr)
    rtype = site.method.child_by_field_name("type")
    kind = text_of(site, rtype) if rtype is not None else ""
    if kind == "boolean":
        yield splice(site, expr, f"!({old})", 0.7, "return the negation")
    for name, t in site.types.items():
        if t == kind and name != old:
            yield splice(site, expr, name, 0.6, f"return {name}")
