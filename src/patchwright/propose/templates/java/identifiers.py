"""Variable replacement (TBar "mutate variable", PraPR "field/local replacement";
ManySStuBs4J "change identifier used"): a name -> another name of the same declared type."""

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

_DECLARING = ("variable_declarator", "formal_parameter", "enhanced_for_statement")


@java_template("var.replace", weight=0.45, on=("identifier",),
               example=("return a - b;", "return b - b;"))  # fmt: skip
def replace(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """A variable read -> another variable of its type visible in the method."""
    parent = node.parent
    if parent is None or (parent.type in _DECLARING and parent.child_by_field_name("name") == node):
        return  # a declared name (a for-each's iterable, a declarator's value are reads)
    if parent.type in ("method_invocation", "field_access") and (
        parent.child_by_field_name("name") == node
    ):
        return
    name = text_of(site, node)
    kind = site.types.get(name)
    if kind is None:
        return
    for other, t in site.types.items():
        if other != name and t == kind:
            yield splice(site, node, other, 0.6, f"{name} -> {other}")
