"""Extension templates: an expression that leaves out part of what it should cover.

TBar's "mutate data / expand expression" and PraPR's operand insertions, in three common
shapes: a collection built from another one drops the original's elements
(``return [f(x) for x in rest]`` -> ``return rest + [...]``), an empty fallback result
that should hold the function's input (``return []`` -> ``return [n]``), and a loop over a
collection whose prefix was already consumed (``heap = xs[:k]; for x in xs:`` ->
``for x in xs[k:]:``); and an arithmetic operand recomputed by a call where a variable of
the loop iteration holds the value (``get(h, n) + w`` -> ``dist + w``).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from patchwright.propose.scope import COLL, FUNC, FuncDef, own_nodes
from patchwright.propose.templates.builders import name, names_in
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template


def _iterated(node: ast.expr) -> list[str]:
    """Names a comprehension (or a concatenation of them) iterates over."""
    out: dict[str, None] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.comprehension) and isinstance(n.iter, ast.Name):
            out.setdefault(n.iter.id, None)
    return list(out)


@template(
    "expr.concat", weight=0.25, on=ast.Return,
    example=(
        "def f(xs):\n    return [x + 1 for x in xs]\n",
        "def f(xs):\n    return xs + [x + 1 for x in xs]\n",
    ),
)  # fmt: skip
def concat_source(site: Site, stmt: ast.Return) -> Iterator[Mutation]:
    """return [g(x) for x in xs] -> return xs + [...] / [...] + xs (the result keeps the
    elements it was built from)."""
    value = stmt.value
    if not isinstance(value, ast.ListComp):
        return
    for c in _iterated(value)[:1]:
        if site.scope.kind(c) not in (COLL, "") or not site.available(c):
            continue
        for new, aff in (
            (ast.BinOp(left=name(c), op=ast.Add(), right=value), 1.0),
            (ast.BinOp(left=value, op=ast.Add(), right=name(c)), 0.9),
        ):
            yield Mutation(aff, target=value, new=new)


@template(
    "ret.fill", weight=0.25, on=ast.Return,
    example=(
        "def f(n):\n    if n > 1:\n        return [1] + f(n - 1)\n    return []\n",
        "def f(n):\n    if n > 1:\n        return [1] + f(n - 1)\n    return [n]\n",
    ),
)  # fmt: skip
def fill_empty(site: Site, stmt: ast.Return) -> Iterator[Mutation]:
    """return [] -> return [p] for a parameter p, in a function that elsewhere returns
    non-empty list displays (the fallback case forgets its own value)."""
    fn = site.func
    value = stmt.value
    if fn is None or not isinstance(value, ast.List) or value.elts:
        return
    builds = any(
        isinstance(n, ast.List) and n.elts
        for r in own_nodes(fn) if isinstance(r, ast.Return) and r.value is not None
        for n in ast.walk(r.value)
    )  # fmt: skip
    if not builds:
        return
    params = [p for p in site.scope.params if p not in ("self", "cls")]
    params = [p for p in params if site.scope.kind(p) not in (COLL, FUNC)]
    for i, p in enumerate(params[:2]):
        yield Mutation(1.0 - 0.2 * i, target=value, new=ast.List(elts=[name(p)], ctx=ast.Load()))


def _prefixes(site: Site, coll: str) -> list[ast.Slice]:
    """Slices ``coll[:k]`` / ``coll[k:]`` with one bound, taken elsewhere in the function."""
    fn = site.func
    if fn is None:
        return []
    out: list[ast.Slice] = []
    seen: set[str] = set()
    for n in own_nodes(fn):
        if (
            isinstance(n, ast.Subscript)
            and isinstance(n.value, ast.Name)
            and n.value.id == coll
            and isinstance(n.slice, ast.Slice)
            and n.slice.step is None
            and (n.slice.lower is None) != (n.slice.upper is None)
        ):
            key = ast.dump(n.slice)
            if key not in seen:
                seen.add(key)
                out.append(n.slice)
    return out


@template(
    "slice.rest", weight=0.35, on=(ast.For, ast.AsyncFor),
    example=(
        "def f(xs, k):\n    head = xs[:k]\n    for x in xs:\n        head.append(x)\n"
        "    return head\n",
        "def f(xs, k):\n    head = xs[:k]\n    for x in xs[k:]:\n        head.append(x)\n"
        "    return head\n",
    ),
)  # fmt: skip
def loop_rest(site: Site, stmt: ast.For | ast.AsyncFor) -> Iterator[Mutation]:
    """for x in xs -> for x in xs[k:] where xs[:k] was taken before (and the other way
    round): the loop walks the part of the collection not yet consumed."""
    it = stmt.iter
    if not isinstance(it, ast.Name):
        return
    for i, sl in enumerate(_prefixes(site, it.id)[:2]):
        flipped = ast.Slice(lower=copy.deepcopy(sl.upper), upper=copy.deepcopy(sl.lower))
        new = ast.Subscript(value=name(it.id), slice=flipped, ctx=ast.Load())
        yield Mutation(1.0 - 0.2 * i, target=it, new=new)


def _iteration_values(site: Site) -> list[str]:
    """Variables the enclosing loops (inside the function) bind on each iteration: their
    targets and what their bodies assign, innermost loop first."""
    out: dict[str, None] = {}
    for anc in site.ancestors(site.stmt):
        if isinstance(anc, FuncDef | ast.ClassDef):
            break
        if isinstance(anc, ast.For | ast.AsyncFor):
            out.update(dict.fromkeys(names_in(anc.target)))
        if isinstance(anc, ast.For | ast.AsyncFor | ast.While):
            for stmt in anc.body:
                if isinstance(stmt, ast.Assign):
                    for t in stmt.targets:
                        out.update(dict.fromkeys(names_in(t)))
    return list(out)


def _accumulated_before(site: Site) -> list[str]:
    """Names a loop earlier in the function accumulates (``total += w``), nearest loop first:
    after the loop they hold an aggregate a call (len(xs), sum(xs)) would recompute."""
    fn = site.func
    if fn is None:
        return []
    out: dict[str, None] = {}
    loops = [n for n in own_nodes(fn) if isinstance(n, ast.For | ast.While)]
    for loop in sorted(loops, key=lambda n: -n.lineno):
        if (loop.end_lineno or loop.lineno) >= site.stmt.lineno:
            continue
        for n in ast.walk(loop):
            if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                out.setdefault(n.target.id, None)
    return list(out)


@template(
    "expr.callvar", weight=0.30, on=ast.Call,
    example=(
        "def f(xs, w):\n    for x in xs:\n        d = x * 2\n        print(g(xs, x) + w)\n",
        "def f(xs, w):\n    for x in xs:\n        d = x * 2\n        print(d + w)\n",
    ),
)  # fmt: skip
def call_to_variable(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """g(xs, x) + w -> d + w: an arithmetic operand recomputed by a call where a variable of
    the current loop iteration already holds the value (not one of the call's arguments)."""
    parent, field, _ = site.parent(node)
    if not isinstance(parent, ast.BinOp) or field not in ("left", "right"):
        return
    if not isinstance(parent.op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.FloorDiv):
        return
    used = set(names_in(node))
    made = 0
    for v in [*_iteration_values(site), *_accumulated_before(site)]:
        if v in used or v in site.comprehension_names or not site.available(v):
            continue
        if site.scope.kind(v) in (COLL, FUNC, "str") or made >= 2:
            continue
        made += 1
        yield Mutation(1.0 - 0.2 * (made - 1), target=node, new=name(v))
