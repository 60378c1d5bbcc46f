"""Templates on builtins and their duals: any/all, min/max, methods and their opposites,
sort order, infinities, isinstance, clamping, iteration order (ELIXIR / TBar "mutate method
invocation" with an overloaded sibling; PySStuBs "change function / method called")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import NUM, expr_kind
from patchwright.propose.templates.builders import assigned_name, call, is_int, name
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.identifiers import METHOD_DUALS
from patchwright.propose.templates.registry import template

FUNC_DUALS = {"any": "all", "all": "any", "min": "max", "max": "min"}
TYPE_DUALS = {"list": "tuple", "tuple": "list", "int": "float", "float": "int", "str": "bytes"}


def _func_name(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else ""


@template(
    "builtin.dual", weight=0.65, on=(ast.Call, ast.Attribute),
    example=("def f(xs):\n    return min(xs)\n", "def f(xs):\n    return max(xs)\n"),
)  # fmt: skip
def dual(site: Site, node: ast.Call | ast.Attribute) -> Iterator[Mutation]:
    """any/all, min/max, append/extend, startswith/endswith, pop()/pop(0), append/insert(0)."""
    if isinstance(node, ast.Attribute):
        parent, field, _ = site.parent(node)
        is_method = isinstance(parent, ast.Call) and field == "func"
        if isinstance(node.ctx, ast.Load) and is_method and node.attr in METHOD_DUALS:
            method = ast.Attribute(value=node.value, attr=METHOD_DUALS[node.attr], ctx=ast.Load())
            yield Mutation(1.0, target=node, new=method)
        return
    f = node.func
    fname = _func_name(node)
    if fname in FUNC_DUALS:
        yield Mutation(1.0, target=f, new=name(FUNC_DUALS[fname]))
    if isinstance(f, ast.Attribute) and f.attr == "pop" and not node.keywords:
        pop_args: list[ast.expr] = [] if node.args else [ast.Constant(value=0)]
        yield Mutation(1.0, target=node, new=ast.Call(func=f, args=pop_args, keywords=[]))
    if isinstance(f, ast.Attribute) and f.attr in ("append", "insert") and not node.keywords:
        if f.attr == "append" and len(node.args) == 1:
            new_f = ast.Attribute(value=f.value, attr="insert", ctx=ast.Load())
            new = ast.Call(func=new_f, args=[ast.Constant(value=0), node.args[0]], keywords=[])
            yield Mutation(0.6, target=node, new=new)
        elif f.attr == "insert" and len(node.args) == 2 and is_int(node.args[0]):
            new_f = ast.Attribute(value=f.value, attr="append", ctx=ast.Load())
            new = ast.Call(func=new_f, args=[node.args[1]], keywords=[])
            yield Mutation(0.6, target=node, new=new)


def _is_type_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "type"
        and len(node.args) == 1
    )


@template(
    "builtin.isinstance", weight=0.45, on=(ast.Compare, ast.Call),
    example=(
        "def f(x):\n    return type(x) == int\n",
        "def f(x):\n    return isinstance(x, int)\n",
    ),
)  # fmt: skip
def isinstance_check(site: Site, node: ast.Compare | ast.Call) -> Iterator[Mutation]:
    """type(x) == T -> isinstance(x, T); isinstance(x, A) -> isinstance(x, B)."""
    if isinstance(node, ast.Compare):
        if (
            len(node.ops) == 1
            and _is_type_call(node.left)
            and isinstance(node.ops[0], ast.Eq | ast.Is)
        ):
            arg = node.left.args[0]  # type: ignore[attr-defined]
            new = call("isinstance", arg, node.comparators[0])
            yield Mutation(1.0, target=node, new=new)
        return
    if _func_name(node) == "isinstance" and len(node.args) == 2:
        kind = node.args[1]
        if not isinstance(kind, ast.Name):
            return
        others = [t for t, _ in site.facts.isinstance_types.most_common() if t != kind.id]
        if not others and kind.id in TYPE_DUALS:
            others = [TYPE_DUALS[kind.id]]
        for i, t in enumerate(others[:2]):
            yield Mutation(1.0 - 0.2 * i, target=kind, new=name(t))


@template(
    "builtin.sorted", weight=0.50, on=ast.Call,
    example=(
        "def f(xs):\n    return sorted(xs)\n",
        "def f(xs):\n    return sorted(xs, reverse=True)\n",
    ),
)  # fmt: skip
def sort_order(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """sorted(x) <-> sorted(x, reverse=True); the same for xs.sort()."""
    f = node.func
    if _func_name(node) == "sorted" or (isinstance(f, ast.Attribute) and f.attr == "sort"):
        kws = [k for k in node.keywords if k.arg != "reverse"]
        if len(kws) == len(node.keywords):
            kws = [*kws, ast.keyword(arg="reverse", value=ast.Constant(value=True))]
        yield Mutation(1.0, target=node, new=ast.Call(func=f, args=node.args, keywords=kws))


def _extreme_starts(site: Site, node: ast.Constant) -> list[str]:
    """For ``v = 0`` where the function later compares v against a value and reassigns v
    (a min / max tracker): 'inf' when v is kept as a minimum, '-inf' for a maximum."""
    parent = site.parent(node)[0]
    fn = site.func
    if fn is None or not isinstance(parent, ast.Assign) or len(parent.targets) != 1:
        return []
    var = assigned_name(parent.targets[0])
    if not var:
        return []
    stores = sum(
        isinstance(n, ast.Name) and n.id == var and isinstance(n.ctx, ast.Store)
        for n in ast.walk(fn)
    )
    if stores < 2:
        return []
    votes = {"inf": 0, "-inf": 0}
    for n in ast.walk(fn):
        if isinstance(n, ast.Compare) and len(n.ops) == 1:
            left, op, right = n.left, n.ops[0], n.comparators[0]
            lt, gt = isinstance(op, ast.Lt | ast.LtE), isinstance(op, ast.Gt | ast.GtE)
            on_right = isinstance(right, ast.Name) and right.id == var
            on_left = isinstance(left, ast.Name) and left.id == var
            if (on_right and lt) or (on_left and gt):
                votes["inf"] += 1
            elif (on_right and gt) or (on_left and lt):
                votes["-inf"] += 1
        elif (
            isinstance(n, ast.Call)
            and _func_name(n) in ("min", "max")
            and any(isinstance(a, ast.Name) and a.id == var for a in n.args)
        ):
            votes["inf" if _func_name(n) == "min" else "-inf"] += 1
    if not any(votes.values()):
        return []
    return sorted(votes, key=lambda k: -votes[k])


@template(
    "builtin.inf", weight=0.50, on=ast.Constant,
    example=("def f():\n    return float('inf')\n", "def f():\n    return float('-inf')\n"),
)  # fmt: skip
def infinity(site: Site, node: ast.Constant) -> Iterator[Mutation]:
    """float('inf') <-> float('-inf'); a running extreme started at 0 (``lo = 0`` then
    ``if x < lo: lo = x``) starts at float('inf') / float('-inf') instead."""
    if isinstance(node.value, int) and not isinstance(node.value, bool) and node.value == 0:
        for i, text in enumerate(_extreme_starts(site, node)):
            yield Mutation(1.0 - 0.3 * i, target=node, new=call("float", ast.Constant(text)))
        return
    if isinstance(node.value, str) and node.value in ("inf", "-inf"):
        parent = site.parent(node)[0]
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name):
            flipped = "-inf" if node.value == "inf" else "inf"
            yield Mutation(1.0, target=node, new=ast.Constant(value=flipped))


@template(
    "builtin.clamp", weight=0.40, on=(ast.AugAssign, ast.Assign),
    example=(
        "def f(s, x):\n    s = 0\n    s = s + x\n    return s\n",
        "def f(s, x):\n    s = 0\n    s = max(0, s + x)\n    return s\n",
    ),
)  # fmt: skip
def clamp(site: Site, stmt: ast.AugAssign | ast.Assign) -> Iterator[Mutation]:
    """s = s + x -> s = max(0, s + x) (and min); s += x -> s = max(0, s + x)."""
    if isinstance(stmt, ast.AugAssign):
        tid = assigned_name(stmt.target)
        if (
            isinstance(stmt.op, ast.Add | ast.Sub)
            and site.scope.kind(tid) == NUM
            and not isinstance(stmt.value, ast.Constant)
        ):
            total = ast.BinOp(left=name(tid), op=stmt.op, right=stmt.value)
            for fn, aff in (("max", 1.0), ("min", 0.6)):
                new = ast.Assign(targets=[stmt.target], value=call(fn, ast.Constant(0), total))
                yield Mutation(aff * 0.9, target=stmt, new=new)
        return
    tid = assigned_name(stmt.targets[0]) if len(stmt.targets) == 1 else ""
    value = stmt.value
    if not tid or site.scope.kind(tid) != NUM or isinstance(value, ast.Constant):
        return
    if expr_kind(value, site.scope.kinds) != NUM:
        return
    if any(isinstance(n, ast.Name) and n.id == tid for n in ast.walk(value)):
        for fn, aff in (("max", 1.0), ("min", 0.6)):
            yield Mutation(aff, target=value, new=call(fn, ast.Constant(0), value))


def _reversible(it: ast.expr) -> bool:
    if isinstance(it, ast.Name | ast.Attribute | ast.Subscript | ast.List | ast.Tuple):
        return True
    return (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id in ("range", "sorted", "list", "tuple", "str")
    )


@template(
    "builtin.reversed", weight=0.30, on=(ast.For, ast.AsyncFor),
    example=(
        "def f(xs):\n    for x in xs:\n        print(x)\n",
        "def f(xs):\n    for x in reversed(xs):\n        print(x)\n",
    ),
)  # fmt: skip
def iteration_order(site: Site, stmt: ast.For | ast.AsyncFor) -> Iterator[Mutation]:
    """for x in xs -> for x in reversed(xs) (and back)."""
    it = stmt.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed":
        if len(it.args) == 1:
            yield Mutation(1.0, target=it, new=it.args[0])
    elif _reversible(it):
        yield Mutation(1.0, target=it, new=call("reversed", it))
