"""Swap templates: operands of a non-commutative operator, call arguments, tuple elements,
slice sides, the two sides of an assignment (PySStuBs "same function swap args", "swap
boolean / binary operands"; PraPR argument swaps)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.templates.builders import assigned_name, name
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.operators import textual
from patchwright.propose.templates.registry import template

NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift)


@template(
    "swap.operands", weight=0.55, on=(ast.Compare, ast.BinOp),
    example=("def f(a, b):\n    return a - b\n", "def f(a, b):\n    return b - a\n"),
)  # fmt: skip
def operands(site: Site, node: ast.Compare | ast.BinOp) -> Iterator[Mutation]:
    """a - b -> b - a; x in xs -> xs in x (non-commutative operators only)."""
    if isinstance(node, ast.Compare):
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn):
            new = ast.Compare(left=node.comparators[0], ops=node.ops, comparators=[node.left])
            yield Mutation(0.5, target=node, new=new)
        return
    text = textual(site, node)
    swappable = isinstance(node.op, NON_COMMUTATIVE) or (isinstance(node.op, ast.Add) and text)
    if swappable and not (
        isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant)
    ):
        swapped = ast.BinOp(left=node.right, op=node.op, right=node.left)
        yield Mutation(1.0, target=node, new=swapped)


@template(
    "swap.args", weight=0.60, on=ast.Call,
    example=("def f(g, a, b):\n    return g(a, b)\n", "def f(g, a, b):\n    return g(b, a)\n"),
)  # fmt: skip
def arguments(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """f(a, b) -> f(b, a) (neighbouring positional arguments, the first three pairs)."""
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if len(positional) == len(node.args) and len(node.args) >= 2:
        for i in range(min(len(node.args) - 1, 3)):
            args = list(node.args)
            args[i], args[i + 1] = args[i + 1], args[i]
            if site.text(args[i]) == site.text(args[i + 1]):
                continue
            new = ast.Call(func=node.func, args=args, keywords=node.keywords)
            yield Mutation(1.0 - 0.1 * i, target=node, new=new)


@template(
    "swap.slice", weight=0.35, on=ast.Subscript,
    example=("def f(xs, i):\n    return xs[i:]\n", "def f(xs, i):\n    return xs[:i]\n"),
)  # fmt: skip
def slice_sides(site: Site, node: ast.Subscript) -> Iterator[Mutation]:
    """a[i:] <-> a[:i]."""
    sl = node.slice
    if not isinstance(node.ctx, ast.Load | ast.Store) or not isinstance(sl, ast.Slice):
        return
    if sl.step is None and (sl.lower is None) != (sl.upper is None):
        flipped = ast.Slice(lower=sl.upper, upper=sl.lower, step=None)
        yield Mutation(1.0, target=sl, new=flipped)


@template(
    "swap.tuple", weight=0.50, on=ast.Assign,
    example=(
        "def f(a, b):\n    x, y = a, b\n    return x\n",
        "def f(a, b):\n    x, y = b, a\n    return x\n",
    ),
)  # fmt: skip
def tuple_elements(site: Site, stmt: ast.Assign) -> Iterator[Mutation]:
    """a, b = x, y -> a, b = y, x."""
    target = stmt.targets[0] if len(stmt.targets) == 1 else None
    value = stmt.value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        for i in range(min(len(value.elts) - 1, 2)):
            elts = list(value.elts)
            elts[i], elts[i + 1] = elts[i + 1], elts[i]
            yield Mutation(1.0, target=value, new=ast.Tuple(elts=elts, ctx=ast.Load()))


@template(
    "swap.assign", weight=0.30, on=ast.Assign,
    example=("def f(a, b):\n    a = b\n    return a\n", "def f(a, b):\n    b = a\n    return a\n"),
)  # fmt: skip
def assignment_sides(site: Site, stmt: ast.Assign) -> Iterator[Mutation]:
    """a = b -> b = a."""
    tid = assigned_name(stmt.targets[0]) if len(stmt.targets) == 1 else ""
    value = stmt.value
    if tid and isinstance(value, ast.Name) and value.id != tid:
        swapped = ast.Assign(targets=[name(value.id, store=True)], value=name(tid))
        yield Mutation(1.0, target=stmt, new=swapped)
