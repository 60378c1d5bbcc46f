"""Operator mutation (TBar "mutate operator", PraPR "arithmetic/relational/logical operator
replacement"; ManySStuBs4J "change binary operator", "change unary operator")."""

from __future__ import annotations

from collections.abc import Iterator

from patchwright.propose.templates.java.base import JavaEdit, JavaSite, Node, java_template, text_of

BINARY: dict[str, list[tuple[str, float]]] = {
    "<": [("<=", 1.0), (">", 0.55), (">=", 0.5), ("!=", 0.4), ("==", 0.3)],
    "<=": [("<", 1.0), (">=", 0.55), (">", 0.5), ("==", 0.4), ("!=", 0.3)],
    ">": [(">=", 1.0), ("<", 0.55), ("<=", 0.5), ("!=", 0.4), ("==", 0.3)],
    ">=": [(">", 1.0), ("<=", 0.55), ("<", 0.5), ("==", 0.4), ("!=", 0.3)],
    "==": [("!=", 0.9), ("<=", 0.45), (">=", 0.45), ("<", 0.35), (">", 0.35)],
    "!=": [("==", 0.9), ("<", 0.45), (">", 0.45), ("<=", 0.3), (">=", 0.3)],
    "&&": [("||", 0.9)],
    "||": [("&&", 0.9)],
    "+": [("-", 1.0), ("*", 0.4)],
    "-": [("+", 1.0), ("*", 0.3)],
    "*": [("/", 0.6), ("+", 0.5), ("%", 0.3)],
    "/": [("*", 0.6), ("%", 0.5)],
    "%": [("/", 0.6), ("*", 0.3)],
    "&": [("|", 0.9), ("^", 0.6)],
    "|": [("&", 0.9), ("^", 0.6)],
    "^": [("&", 0.7), ("|", 0.6)],
    "<<": [(">>", 0.9)],
    ">>": [("<<", 0.9), (">>>", 0.7)],
    ">>>": [(">>", 0.8)],
}
ASSIGN: dict[str, list[tuple[str, float]]] = {
    "+=": [("-=", 1.0), ("=", 0.5), ("*=", 0.3)],
    "-=": [("+=", 1.0), ("=", 0.5)],
    "*=": [("/=", 0.6), ("+=", 0.4)],
    "/=": [("*=", 0.6), ("%=", 0.4)],
    "=": [("+=", 0.35), ("-=", 0.3)],
}


def _operator(node: Node) -> Node | None:
    op = node.child_by_field_name("operator")
    if op is not None:
        return op
    unnamed = [c for c in node.children if not c.is_named]
    return unnamed[0] if unnamed else None


@java_template("op.binary", weight=0.85, on=("binary_expression",),
               example=("return a < b ? a : b;", "return a <= b ? a : b;"))  # fmt: skip
def binary(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Replace a binary operator by a close one (``<`` -> ``<=``, ``+`` -> ``-``, ``^`` -> ``&``)."""
    op = _operator(node)
    if op is None:
        return
    old = text_of(site, op)
    for new, affinity in BINARY.get(old, []):
        yield JavaEdit(affinity, f"'{old}' -> '{new}'", [(op.start_byte, op.end_byte, new)])


@java_template("op.assign", weight=0.6, on=("assignment_expression",),
               example=("a += b;", "a -= b;"))  # fmt: skip
def assign(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Replace a compound assignment operator (``+=`` -> ``-=``; ``=`` -> ``+=``)."""
    op = _operator(node)
    if op is None:
        return
    old = text_of(site, op)
    for new, affinity in ASSIGN.get(old, []):
        yield JavaEdit(affinity, f"'{old}' -> '{new}'", [(op.start_byte, op.end_byte, new)])


@java_template("op.unary", weight=0.55, on=("unary_expression", "update_expression"),
               example=("a++;", "a--;"))  # fmt: skip
def unary(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Flip ``++``/``--``, drop a ``-`` or ``!`` (ManySStuBs4J "change unary operator")."""
    op = _operator(node)
    if op is None:
        return
    old = text_of(site, op)
    if old in ("++", "--"):
        new = "--" if old == "++" else "++"
        yield JavaEdit(0.8, f"'{old}' -> '{new}'", [(op.start_byte, op.end_byte, new)])
    elif old in ("-", "!", "~"):
        yield JavaEdit(0.7, f"drop '{old}'", [(op.start_byte, op.end_byte, "")])
