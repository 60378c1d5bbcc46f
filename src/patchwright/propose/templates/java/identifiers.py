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
    near = _loop_variables(site, node)
    for other, t in site.types.items():
        if other != name and t == kind:
            # the enclosing loops' own variables first (the closer the scope, the likelier
            # the intended name: CapGen / ssFix's context similarity)
            affinity = 0.9 - 0.1 * near.index(other) if other in near else 0.6
            yield splice(site, node, other, max(affinity, 0.6), f"{name} -> {other}")


def _loop_variables(site: JavaSite, node: Node) -> list[str]:
    """Names the loops around ``node`` declare, innermost loop first."""
    found: list[str] = []
    parent = node.parent
    while parent is not None and parent != site.method:
        if parent.type == "enhanced_for_statement" and (n := parent.child_by_field_name("name")):
            found.append(text_of(site, n))
        elif parent.type == "for_statement":
            for init in parent.children_by_field_name("init"):
                for d in init.named_children if init.type == "local_variable_declaration" else []:
                    if d.type == "variable_declarator" and (n := d.child_by_field_name("name")):
                        found.append(text_of(site, n))
        parent = parent.parent
    return found
