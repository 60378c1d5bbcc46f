"""Off-by-one templates: +-1 on an index, a slice bound, a range bound, a length, a compared
operand, a numeric argument or an assigned / returned number (the most frequent one-token
fix in ManySStuBs4J / PySStuBs; TBar "mutate integer / range")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import COLL, NUM, STR, expr_kind
from patchwright.propose.templates.builders import assigned_name, plus, plus_const
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template

NO_OFF1_CALLS = {
    "print", "len", "str", "repr", "isinstance", "issubclass", "type", "range", "bool", "list",
    "set", "dict", "tuple", "sorted", "reversed", "enumerate", "zip", "map", "filter", "iter",
    "next", "hasattr", "getattr", "setattr", "format", "id", "hash", "open", "super",
}  # fmt: skip


def num_or_unknown(site: Site, node: ast.expr) -> float:
    """Affinity of a +-1 on ``node``: 1.0 for a number, 0.6 when unknown, 0 otherwise."""
    kind = expr_kind(node, site.scope.kinds)
    if isinstance(node, ast.Constant | ast.Starred | ast.Slice) or plus_const(node):
        return 0.0
    return 1.0 if kind == NUM else (0.6 if kind == "" else 0.0)


def _func_name(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else ""


@template(
    "off1.compare", weight=0.50, on=ast.Compare,
    example=("def f(i, n):\n    return i < n\n", "def f(i, n):\n    return i + 1 < n\n"),
)  # fmt: skip
def compared(site: Site, node: ast.Compare) -> Iterator[Mutation]:
    """a < b -> a + 1 < b / a < b - 1 ... (an operand of an ordering or equality test)."""
    if len(node.ops) != 1 or not isinstance(
        node.ops[0], ast.Lt | ast.LtE | ast.Gt | ast.GtE | ast.Eq | ast.NotEq
    ):
        return
    left, right = node.left, node.comparators[0]
    for side, other in (("left", right), ("right", left)):
        operand = left if side == "left" else right
        kind = expr_kind(operand, site.scope.kinds)
        if kind not in ("", NUM) or isinstance(operand, ast.Constant):
            continue
        if plus_const(operand) or expr_kind(other, site.scope.kinds) in (STR, COLL):
            continue
        aff = 1.0 if kind == NUM else 0.7
        for delta in (1, -1):
            if side == "left":
                new = ast.Compare(left=plus(left, delta), ops=node.ops, comparators=[right])
            else:
                new = ast.Compare(left=left, ops=node.ops, comparators=[plus(right, delta)])
            yield Mutation(aff, target=node, new=new)


@template(
    "off1.index", weight=0.70, on=ast.Subscript,
    example=("def f(xs, i):\n    return xs[i]\n", "def f(xs, i):\n    return xs[i + 1]\n"),
)  # fmt: skip
def index(site: Site, node: ast.Subscript) -> Iterator[Mutation]:
    """a[i] -> a[i +- 1]."""
    sl = node.slice
    if not isinstance(node.ctx, ast.Load | ast.Store) or isinstance(sl, ast.Slice):
        return
    if num_or_unknown(site, sl) and not isinstance(sl, ast.Tuple):
        for delta in (1, -1):
            yield Mutation(1.0, target=sl, new=plus(sl, delta))


@template(
    "off1.slice", weight=0.60, on=ast.Subscript,
    example=("def f(xs, i):\n    return xs[:i]\n", "def f(xs, i):\n    return xs[:i + 1]\n"),
)  # fmt: skip
def slice_bound(site: Site, node: ast.Subscript) -> Iterator[Mutation]:
    """a[i:j] -> a[i +- 1:j], a[i:j +- 1]."""
    sl = node.slice
    if not isinstance(node.ctx, ast.Load | ast.Store) or not isinstance(sl, ast.Slice):
        return
    for part in ("lower", "upper"):
        bound = getattr(sl, part)
        if bound is None or not num_or_unknown(site, bound):
            continue
        for delta in (1, -1):
            yield Mutation(1.0, target=bound, new=plus(bound, delta))


@template(
    "off1.len", weight=0.55, on=ast.Call,
    example=("def f(xs):\n    return len(xs)\n", "def f(xs):\n    return len(xs) - 1\n"),
)  # fmt: skip
def length(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """len(x) -> len(x) +- 1 (unless already adjusted by a literal)."""
    if _func_name(node) == "len" and len(node.args) == 1:
        parent = site.parent(node)[0]
        if not plus_const(parent or node):
            for delta in (1, -1):
                yield Mutation(1.0, target=node, new=plus(node, delta))


def _arguments(site: Site, node: ast.Call) -> Iterator[Mutation]:
    count = 0
    for i, arg in enumerate(node.args):
        aff = num_or_unknown(site, arg)
        if not aff or count >= 2:
            continue
        count += 1
        for delta in (1, -1):
            args = list(node.args)
            args[i] = plus(arg, delta)
            new = ast.Call(func=node.func, args=args, keywords=node.keywords)
            yield Mutation(aff, target=node, new=new)


@template(
    "off1.arg", weight=0.40, on=ast.Call,
    example=("def f(g, n):\n    return g(n)\n", "def f(g, n):\n    return g(n + 1)\n"),
)  # fmt: skip
def argument(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """f(n) -> f(n +- 1) for the first two numeric (or unknown) arguments."""
    if _func_name(node) not in NO_OFF1_CALLS:
        yield from _arguments(site, node)


@template(
    "off1.range", weight=0.75, on=ast.Call,
    example=(
        "def f(n):\n    return list(range(n))\n",
        "def f(n):\n    return list(range(n + 1))\n",
    ),
)  # fmt: skip
def range_bound(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """range(n) -> range(n +- 1), range(1, n); range(a, b) bounds +- 1."""
    if _func_name(node) != "range":
        return
    yield from _arguments(site, node)
    if len(node.args) == 1 and num_or_unknown(site, node.args[0]):
        new = ast.Call(func=node.func, args=[ast.Constant(value=1), node.args[0]], keywords=[])
        yield Mutation(0.6, target=node, new=new)


def returned_value(site: Site, stmt: ast.Return) -> ast.expr | None:
    """The value of a ``return <expr>`` in a function (None: no value, or ``return None``)."""
    value = stmt.value
    if site.func is None or value is None:
        return None
    if isinstance(value, ast.Constant) and value.value is None:
        return None
    return value


@template(
    "off1.value", weight=0.30, on=(ast.Assign, ast.Return),
    example=(
        "def f(a, b):\n    n = a * b\n    return n\n",
        "def f(a, b):\n    n = a * b + 1\n    return n\n",
    ),
)  # fmt: skip
def number(site: Site, stmt: ast.Assign | ast.Return) -> Iterator[Mutation]:
    """n = e -> n = e +- 1; return e -> return e +- 1 (numeric e, not a literal)."""
    if isinstance(stmt, ast.Assign):
        tid = assigned_name(stmt.targets[0]) if len(stmt.targets) == 1 else ""
        if not tid:
            return
        value: ast.expr | None = stmt.value
    else:
        value = returned_value(site, stmt)
    if value is None or isinstance(value, ast.Constant) or plus_const(value):
        return
    if expr_kind(value, site.scope.kinds) == NUM:
        for delta in (1, -1):
            yield Mutation(1.0, target=value, new=plus(value, delta))
