"""Templates on returned values: a missing return, a bare return, a wrapped / unwrapped
value, another variable, a boolean written as a test (TBar "mutate return statement";
PySStuBs "change return value")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import BOOL, NUM, expr_kind, own_nodes
from patchwright.propose.templates.builders import name, names_in
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.off_by_one import returned_value
from patchwright.propose.templates.registry import template

_MUTATORS = {"append", "extend", "add", "update", "insert", "remove", "pop", "sort", "print"}


@template(
    "ret.missing", weight=0.35, on=ast.Expr,
    example=(
        "def f(n):\n    if n == 0:\n        return 0\n    f(n - 1)\n",
        "def f(n):\n    if n == 0:\n        return 0\n    return f(n - 1)\n",
    ),
)  # fmt: skip
def missing_return(site: Site, stmt: ast.Expr) -> Iterator[Mutation]:
    """f(x) as a statement -> return f(x) (its value was dropped)."""
    fn = site.func
    value = stmt.value
    if not isinstance(value, ast.Call) or fn is None:
        return
    f = value.func
    callee = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    if not callee or callee in _MUTATORS:
        return
    returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in own_nodes(fn))
    recursive = callee == fn.name
    if recursive or returns_value:
        yield Mutation(1.0 if recursive else 0.6, target=stmt, new=ast.Return(value=value))


@template(
    "ret.value", weight=0.35, on=ast.Return,
    example=(
        "def f(x):\n    if x:\n        return\n    return x + 1\n",
        "def f(x):\n    if x:\n        return x + 1\n    return x + 1\n",
    ),
)  # fmt: skip
def bare_return(site: Site, stmt: ast.Return) -> Iterator[Mutation]:
    """return / return None -> return <a value returned elsewhere in the function>."""
    value = stmt.value
    if site.func is None:
        return
    if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
        return
    seen: list[str] = []
    for other in _other_returns(site, stmt):
        text = site.text(other)
        if text in seen:
            continue
        seen.append(text)
        aff = 1.2 - 0.2 * len(seen)
        if value is None:
            yield Mutation(aff, target=stmt, new=ast.Return(value=other))
        else:
            yield Mutation(aff, target=value, new=other)
        if len(seen) >= 2:
            break


def _other_returns(site: Site, stmt: ast.Return) -> list[ast.expr]:
    assert site.func is not None
    return [
        n.value
        for n in own_nodes(site.func)
        if isinstance(n, ast.Return) and n.value is not None and n is not stmt
    ]


@template(
    "ret.unwrap", weight=0.45, on=ast.Return,
    example=("def f(x):\n    return [x]\n", "def f(x):\n    return x\n"),
)  # fmt: skip
def unwrap(site: Site, stmt: ast.Return) -> Iterator[Mutation]:
    """return [x] -> return x."""
    value = returned_value(site, stmt)
    elts = value.elts if isinstance(value, ast.List) else []
    if len(elts) == 1 and not isinstance(elts[0], ast.Starred):
        yield Mutation(1.0, target=value, new=elts[0])


@template(
    "ret.wrap", weight=0.35, on=ast.Return,
    example=("def f(x):\n    return x\n", "def f(x):\n    return [x]\n"),
)  # fmt: skip
def wrap(site: Site, stmt: ast.Return) -> Iterator[Mutation]:
    """return x -> return [x]."""
    value = returned_value(site, stmt)
    if value is not None and not isinstance(
        value, ast.List | ast.Tuple | ast.Constant | ast.ListComp
    ):
        yield Mutation(1.0, target=value, new=ast.List(elts=[value], ctx=ast.Load()))


@template(
    "ret.call", weight=0.35, on=(ast.Expr, ast.Return),
    example=("def f(g, x):\n    return g(x)\n", "def f(g, x):\n    return x\n"),
)  # fmt: skip
def unwrap_call(site: Site, stmt: ast.Expr | ast.Return) -> Iterator[Mutation]:
    """return f(x) / yield f(x) -> return x / yield x."""
    if isinstance(stmt, ast.Expr):
        if not isinstance(stmt.value, ast.Yield):
            return
        value = stmt.value.value
    else:
        value = returned_value(site, stmt)
    if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
        arg = value.args[0]
        if not isinstance(arg, ast.Starred | ast.Constant):
            yield Mutation(1.0, target=value, new=arg)


@template(
    "ret.compare", weight=0.35, on=ast.Return,
    example=(
        "def f(s):\n    depth = 0\n    for c in s:\n        depth += 1\n    return True\n",
        "def f(s):\n    depth = 0\n    for c in s:\n        depth += 1\n    return depth == 0\n",
    ),
)  # fmt: skip
def boolean_test(site: Site, stmt: ast.Return) -> Iterator[Mutation]:
    """return True -> return depth == 0 (a numeric local tested against zero)."""
    value = returned_value(site, stmt)
    if value is None or expr_kind(value, site.scope.kinds) != BOOL:
        return
    nums = [v for v in site.local_vars() if site.scope.kind(v) == NUM]
    nums.sort(key=lambda v: v not in site.scope.locals)
    for i, v in enumerate(nums[:2]):
        cmp = ast.Compare(left=name(v), ops=[ast.Eq()], comparators=[ast.Constant(0)])
        yield Mutation(1.0 - 0.2 * i, target=value, new=cmp)


def _last_assign(site: Site, var: str) -> int:
    """Last line before the site where ``var`` is assigned (0 if none)."""
    best = 0
    root = site.func or site.facts.tree
    for node in own_nodes(root):
        if (
            isinstance(node, ast.Name)
            and node.id == var
            and isinstance(node.ctx, ast.Store)
            and node.lineno <= site.line
        ):
            best = max(best, node.lineno)
    return best


@template(
    "ret.var", weight=0.40, on=ast.Return,
    example=(
        "def f(xs):\n    best = max(xs)\n    return len(xs)\n",
        "def f(xs):\n    best = max(xs)\n    return best\n",
    ),
)  # fmt: skip
def other_variable(site: Site, stmt: ast.Return) -> Iterator[Mutation]:
    """return <expr> -> return <a variable> (latest assigned locals first)."""
    value = returned_value(site, stmt)
    if value is None or isinstance(value, ast.Name):
        return
    kind = expr_kind(value, site.scope.kinds)
    pool = [v for v in site.local_vars() if v not in names_in(value)]
    pool.sort(key=lambda v: (v not in site.scope.locals, -_last_assign(site, v)))
    picked = [v for v in pool if not kind or site.scope.kind(v) in ("", kind)][:3]
    for i, v in enumerate(picked):
        yield Mutation(1.0 - 0.15 * i, target=value, new=name(v))
