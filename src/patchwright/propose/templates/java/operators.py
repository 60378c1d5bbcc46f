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


_ORDERED = {"-", "/", "%", "+", "<<", ">>", ">>>", "<", "<=", ">", ">="}
"""Operators whose operands do not commute (``+`` on strings does not)."""
_ARITH = {"+", "-", "*", "/", "%"}


@java_template("op.swap", weight=0.4, on=("binary_expression",),
               example=("return a - b;", "return b - a;"))  # fmt: skip
def swap(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Swap the operands of an operator that does not commute (``a - b`` -> ``b - a``,
    ``s + c`` -> ``c + s``) (ManySStuBs4J "swap operands", PraPR)."""
    op, left, right = _operator(node), node.child_by_field_name("left"), node.child_by_field_name("right")
    if op is None or left is None or right is None or text_of(site, op) not in _ORDERED:
        return
    a, b = text_of(site, left), text_of(site, right)
    if a != b:
        yield JavaEdit(0.7 if text_of(site, op) != "+" else 0.5, "swap the operands",
                       [(left.start_byte, left.end_byte, b), (right.start_byte, right.end_byte, a)])  # fmt: skip


@java_template("op.delete", weight=0.35, on=("binary_expression",),
               example=("return 1 + a;", "return a;"))  # fmt: skip
def delete(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Keep one operand of an arithmetic operator (``1 + f(x)`` -> ``f(x)``) (PIT/PraPR
    arithmetic operator deletion)."""
    op, left, right = _operator(node), node.child_by_field_name("left"), node.child_by_field_name("right")
    if op is None or left is None or right is None or text_of(site, op) not in _ARITH:
        return
    yield JavaEdit(0.6, "keep the right operand", [(node.start_byte, node.end_byte, text_of(site, right))])
    yield JavaEdit(0.5, "keep the left operand", [(node.start_byte, node.end_byte, text_of(site, left))])
