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
    if kind in _BOOLEANS:
        yield splice(site, expr, f"!({old})", 0.7, "return the negation")
    for name, t in site.types.items():
        if t == kind and name != old:
            yield splice(site, expr, name, 0.6, f"return {name}")


_COMPARE = ("==", "!=", "<", "<=", ">", ">=")
_BOOLEANS = ("boolean", "Boolean", "java.lang.Boolean")
_NUMBERS = ("int", "long", "short", "byte")


def _comparisons(site: JavaSite, scope: Node) -> list[tuple[str, str]]:
    """(name, literal) pairs of the method's ``name OP literal`` comparisons, in order."""
    found: list[tuple[str, str]] = []
    stack = [scope]
    while stack:
        n = stack.pop()
        stack.extend(reversed(n.named_children))
        if n.type != "binary_expression" or len(n.named_children) != 2:
            continue
        op = n.child_by_field_name("operator")
        left, right = n.named_children
        if op is None or text_of(site, op) not in _COMPARE:
            continue
        if left.type == "identifier" and right.type == "decimal_integer_literal":
            pair = (text_of(site, left), text_of(site, right))
            if pair not in found and site.types.get(pair[0]) in _NUMBERS:
                found.append(pair)
    return found


@java_template("ret.compare", weight=0.35, on=("return_statement",),
               example=(
                   "class A {\n    boolean f(int[] xs) {\n        int d = 0;\n"
                   "        for (int x : xs) {\n            d += x;\n            if (d < 0) {\n"
                   "                return false;\n            }\n        }\n        return true;\n    }\n}\n",
                   "class A {\n    boolean f(int[] xs) {\n        int d = 0;\n"
                   "        for (int x : xs) {\n            d += x;\n            if (d < 0) {\n"
                   "                return false;\n            }\n        }\n        return d == 0;\n    }\n}\n"))  # fmt: skip
def compare(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """``return true;`` (or ``false``) in a boolean (or ``Boolean``) method -> ``return n == c;`` (or
    ``!=``) for a number the method compares with the literal ``c`` elsewhere: a
    condition left out of the final answer (TBar "mutate return statement")."""
    if len(node.named_children) != 1 or site.method is None:
        return
    expr = node.named_children[0]
    rtype = site.method.child_by_field_name("type")
    if expr.type not in ("true", "false") or rtype is None or text_of(site, rtype) not in _BOOLEANS:
        return
    for rank, (name, lit) in enumerate(_comparisons(site, site.method)[:2]):
        first, second = ("==", "!=") if expr.type == "true" else ("!=", "==")
        yield splice(site, expr, f"{name} {first} {lit}", 1.0 - 0.2 * rank, f"return {name} {first} {lit}")
        yield splice(site, expr, f"{name} {second} {lit}", 0.5 - 0.1 * rank, f"return {name} {second} {lit}")
