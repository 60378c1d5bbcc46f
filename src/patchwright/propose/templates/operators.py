"""Operator templates: replace a comparison, arithmetic, boolean, unary or assignment
operator (Pan et al. 2009 IF-CC / AS-CE; ManySStuBs4J / PySStuBs "change binary operator";
TBar / PraPR "mutate operator")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import COLL, NUM, STR, expr_kind
from patchwright.propose.templates.builders import assigned_name, name
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template

Op = type[ast.AST]

# Alternatives for each operator with their affinity (semantic closeness).
COMPARE_ALTS: dict[Op, list[tuple[Op, float]]] = {
    ast.Lt: [(ast.LtE, 1.0), (ast.Gt, 0.55), (ast.GtE, 0.5), (ast.NotEq, 0.4), (ast.Eq, 0.3)],
    ast.LtE: [(ast.Lt, 1.0), (ast.GtE, 0.55), (ast.Gt, 0.5), (ast.Eq, 0.4), (ast.NotEq, 0.3)],
    ast.Gt: [(ast.GtE, 1.0), (ast.Lt, 0.55), (ast.LtE, 0.5), (ast.NotEq, 0.4), (ast.Eq, 0.3)],
    ast.GtE: [(ast.Gt, 1.0), (ast.LtE, 0.55), (ast.Lt, 0.5), (ast.Eq, 0.4), (ast.NotEq, 0.3)],
    ast.Eq: [(ast.NotEq, 0.9), (ast.LtE, 0.45), (ast.GtE, 0.45), (ast.Lt, 0.35), (ast.Gt, 0.35)],
    ast.NotEq: [(ast.Eq, 0.9), (ast.Lt, 0.45), (ast.Gt, 0.45), (ast.LtE, 0.3), (ast.GtE, 0.3)],
    ast.Is: [(ast.IsNot, 1.0), (ast.Eq, 0.4)],
    ast.IsNot: [(ast.Is, 1.0), (ast.NotEq, 0.4)],
    ast.In: [(ast.NotIn, 1.0)],
    ast.NotIn: [(ast.In, 1.0)],
}
BINOP_ALTS: dict[Op, list[tuple[Op, float]]] = {
    ast.Add: [(ast.Sub, 1.0), (ast.Mult, 0.4)],
    ast.Sub: [(ast.Add, 1.0), (ast.Mult, 0.3)],
    ast.Mult: [(ast.FloorDiv, 0.6), (ast.Div, 0.6), (ast.Add, 0.5), (ast.Pow, 0.4)],
    ast.Div: [(ast.FloorDiv, 1.0), (ast.Mult, 0.5)],
    ast.FloorDiv: [(ast.Div, 0.9), (ast.Mod, 0.5), (ast.Mult, 0.4)],
    ast.Mod: [(ast.FloorDiv, 0.6), (ast.Div, 0.4)],
    ast.Pow: [(ast.Mult, 0.6)],
    ast.BitAnd: [(ast.BitOr, 0.9), (ast.BitXor, 0.6)],
    ast.BitOr: [(ast.BitAnd, 0.9), (ast.BitXor, 0.6)],
    ast.BitXor: [(ast.BitAnd, 0.7), (ast.BitOr, 0.6)],
    ast.LShift: [(ast.RShift, 0.9)],
    ast.RShift: [(ast.LShift, 0.9)],
}


def _cmpop(cls: Op) -> ast.cmpop:
    op = cls()
    assert isinstance(op, ast.cmpop)
    return op


def _binop(cls: Op) -> ast.operator:
    op = cls()
    assert isinstance(op, ast.operator)
    return op


def textual(site: Site, node: ast.BinOp) -> bool:
    """Either operand is known to be a string or a collection."""
    kinds = {expr_kind(node.left, site.scope.kinds), expr_kind(node.right, site.scope.kinds)}
    return bool(kinds & {STR, COLL})


@template(
    "op.compare", weight=1.00, on=ast.Compare,
    example=("def f(a, b):\n    return a < b\n", "def f(a, b):\n    return a <= b\n"),
)  # fmt: skip
def compare(site: Site, node: ast.Compare) -> Iterator[Mutation]:
    """< <= > >= == != is in: replace one comparison operator."""
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        right = operands[i + 1]
        alts = list(COMPARE_ALTS.get(type(op), []))
        if (
            isinstance(op, ast.Eq | ast.NotEq)
            and isinstance(right, ast.Constant)
            and (right.value is None or isinstance(right.value, bool))
        ):
            alts.insert(1, (ast.Is if isinstance(op, ast.Eq) else ast.IsNot, 0.6))
        for alt, aff in alts:
            ops = list(node.ops)
            ops[i] = _cmpop(alt)
            new = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
            yield Mutation(aff, target=node, new=new)


@template(
    "op.binop", weight=0.90, on=ast.BinOp,
    example=("def f(a, b):\n    return a + b\n", "def f(a, b):\n    return a - b\n"),
)  # fmt: skip
def binop(site: Site, node: ast.BinOp) -> Iterator[Mutation]:
    """+ - * / // % ** & | ^ << >>: replace an arithmetic or bitwise operator."""
    text = textual(site, node)
    for alt, aff in BINOP_ALTS.get(type(node.op), []):
        if text and isinstance(node.op, ast.Add):
            continue
        new = ast.BinOp(left=node.left, op=_binop(alt), right=node.right)
        yield Mutation(aff, target=node, new=new)


@template(
    "op.boolop", weight=0.85, on=ast.BoolOp,
    example=("def f(a, b):\n    return a and b\n", "def f(a, b):\n    return a or b\n"),
)  # fmt: skip
def boolop(site: Site, node: ast.BoolOp) -> Iterator[Mutation]:
    """and <-> or."""
    other: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    yield Mutation(1.0, target=node, new=ast.BoolOp(op=other, values=node.values))


def is_test(site: Site, node: ast.expr) -> bool:
    """The node is the whole condition of an if / while / ternary / assert."""
    parent = site.parent(node)[0]
    return isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert)


@template(
    "op.unary", weight=0.70, on=ast.UnaryOp,
    example=("def f(x):\n    return -x\n", "def f(x):\n    return x\n"),
)  # fmt: skip
def unary(site: Site, node: ast.UnaryOp) -> Iterator[Mutation]:
    """Drop 'not' (outside a condition), '-' or '~'."""
    if isinstance(node.op, ast.Not):
        if not is_test(site, node):
            yield Mutation(1.0, target=node, new=node.operand)
    elif isinstance(node.op, ast.USub | ast.Invert):
        yield Mutation(0.8, target=node, new=node.operand)


@template(
    "op.augassign", weight=0.85, on=ast.AugAssign,
    example=("def f(s, x):\n    s += x\n    return s\n", "def f(s, x):\n    s -= x\n    return s\n"),
)  # fmt: skip
def augassign(site: Site, stmt: ast.AugAssign) -> Iterator[Mutation]:
    """+= -= ...: replace the operator of an augmented assignment."""
    for alt, aff in BINOP_ALTS.get(type(stmt.op), []):
        aug = ast.AugAssign(target=stmt.target, op=_binop(alt), value=stmt.value)
        yield Mutation(aff, target=stmt, new=aug)


@template(
    "op.assign", weight=0.55, on=(ast.AugAssign, ast.Assign),
    example=("def f(s, x):\n    s += x\n    return s\n", "def f(s, x):\n    s = x\n    return s\n"),
)  # fmt: skip
def assign(site: Site, stmt: ast.AugAssign | ast.Assign) -> Iterator[Mutation]:
    """'x += e' <-> 'x = e' (an accumulation written as an assignment, or the reverse)."""
    if isinstance(stmt, ast.AugAssign):
        yield Mutation(1.0, target=stmt, new=ast.Assign(targets=[stmt.target], value=stmt.value))
        return
    tid = assigned_name(stmt.targets[0]) if len(stmt.targets) == 1 else ""
    if not tid:
        return
    kind = site.scope.kind(tid)
    bound_before = site.available(tid) and not isinstance(stmt.value, ast.Constant)
    if bound_before and kind in (NUM, COLL, STR) and tid in set(site.scope.loads):
        ops: list[tuple[ast.operator, float]] = [(ast.Add(), 1.0), (ast.Sub(), 0.7)]
        for op, aff in ops:
            if kind == NUM or isinstance(op, ast.Add):
                new = ast.AugAssign(target=name(tid, store=True), op=op, value=stmt.value)
                yield Mutation(0.7 * aff, target=stmt, new=new)
