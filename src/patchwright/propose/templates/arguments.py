"""Argument templates: the sub-expressions of one call or one multi-index subscript.

ELIXIR / PraPR "argument mutation" and SequenceR's most frequent one-token edits: an
argument that misses the transformation its sibling already has (``f(a[1:], b)`` ->
``f(a[1:], b[1:])``, ``m[i - 1, j]`` -> ``m[i - 1, j - 1]``), two indices of a
multi-index subscript in the wrong order (``m[j, k]`` -> ``m[k, j]``), and an argument
that must be offset by a variable its branch condition compares it with
(``if k >= n: return f(xs, k)`` -> ``f(xs, k - n)``).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from patchwright.propose.scope import COLL, FUNC, NUM, STR
from patchwright.propose.templates.builders import name
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template

_MAX_PER_NODE = 3


def _hole(node: ast.expr) -> str:
    """The one variable a small transformation is applied to: ``x - 1``, ``x[1:]``,
    ``x[:k]`` -> 'x' ('' for anything else)."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.left, ast.Name)
        and isinstance(node.right, ast.Constant)
        and isinstance(node.right.value, int)
    ):
        return node.left.id
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        sl = node.slice
        if isinstance(sl, ast.Slice) and all(
            p is None or isinstance(p, ast.Constant | ast.UnaryOp) for p in (sl.lower, sl.upper)
        ):
            return node.value.id
    return ""


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return name(self.new) if node.id == self.old else node


def _compatible(site: Site, a: str, b: str) -> bool:
    """``b`` is a variable in scope that may take ``a``'s transformation."""
    ka, kb = site.scope.kind(a), site.scope.kind(b)
    if FUNC in (ka, kb) or b not in site.scope.variables() or not site.available(b):
        return False
    return not ka or not kb or ka == kb


def _elements(site: Site, node: ast.Call | ast.Tuple) -> list[ast.expr] | None:
    if isinstance(node, ast.Call):
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        return list(node.args)
    parent, field, _ = site.parent(node)
    if not isinstance(parent, ast.Subscript) or field != "slice":
        return None
    return list(node.elts)


def _rebuild(node: ast.Call | ast.Tuple, elts: list[ast.expr]) -> ast.expr:
    if isinstance(node, ast.Call):
        return ast.Call(func=node.func, args=elts, keywords=[])
    return ast.Tuple(elts=elts, ctx=node.ctx)


@template(
    "args.sibling", weight=0.45, on=(ast.Call, ast.Tuple),
    example=(
        "def f(g, xs, ys):\n    return g(xs[1:], ys)\n",
        "def f(g, xs, ys):\n    return g(xs[1:], ys[1:])\n",
    ),
)  # fmt: skip
def sibling_transform(site: Site, node: ast.Call | ast.Tuple) -> Iterator[Mutation]:
    """A bare argument gets the transformation its sibling has (``f(a[1:], b)`` ->
    ``f(a[1:], b[1:])``; ``m[i - 1, j]`` -> ``m[i - 1, j - 1]``)."""
    elts = _elements(site, node)
    if not elts or len(elts) < 2:
        return
    made = 0
    for i, donor in enumerate(elts):
        hole = _hole(donor)
        if not hole:
            continue
        for j, plain in enumerate(elts):
            if j == i or not isinstance(plain, ast.Name) or plain.id == hole:
                continue
            if not _compatible(site, hole, plain.id) or made >= _MAX_PER_NODE:
                continue
            new_elts = list(elts)
            new_elts[j] = _Rename(hole, plain.id).visit(copy.deepcopy(donor))
            made += 1
            yield Mutation(1.0 - 0.15 * (made - 1), target=node, new=_rebuild(node, new_elts))


@template(
    "swap.index", weight=0.45, on=ast.Subscript,
    example=("def f(m, i, j):\n    return m[i, j]\n", "def f(m, i, j):\n    return m[j, i]\n"),
)  # fmt: skip
def index_order(site: Site, node: ast.Subscript) -> Iterator[Mutation]:
    """m[a, b] -> m[b, a] (neighbouring indices of a multi-index subscript); m[a][b] ->
    m[b][a] (a chained subscript of two distinct names, the nested-list form)."""
    sl = node.slice
    inner = node.value
    if isinstance(inner, ast.Subscript) and isinstance(node.ctx, ast.Load):
        a, b = inner.slice, sl
        if isinstance(a, ast.Name) and isinstance(b, ast.Name) and a.id != b.id:
            new_inner = ast.Subscript(value=inner.value, slice=name(b.id), ctx=ast.Load())
            yield Mutation(0.9, target=node, new=ast.Subscript(
                value=new_inner, slice=name(a.id), ctx=ast.Load()))  # fmt: skip
    if not isinstance(sl, ast.Tuple) or not 2 <= len(sl.elts) <= 4:
        return
    for i in range(len(sl.elts) - 1):
        elts = list(sl.elts)
        if site.text(elts[i]) == site.text(elts[i + 1]):
            continue
        elts[i], elts[i + 1] = elts[i + 1], elts[i]
        new = ast.Tuple(elts=elts, ctx=sl.ctx)
        yield Mutation(1.0 - 0.1 * i, target=sl, new=new)


def _compared_with(site: Site, var: str) -> list[str]:
    """Variables an enclosing ``if`` / ``while`` test compares ``var`` with, nearest first."""
    out: dict[str, None] = {}
    for anc in site.ancestors(site.stmt):
        test = getattr(anc, "test", None)
        if not isinstance(anc, ast.If | ast.While) or not isinstance(test, ast.expr):
            continue
        for cmp in ast.walk(test):
            if not isinstance(cmp, ast.Compare):
                continue
            sides = [cmp.left, *cmp.comparators]
            names = [s.id for s in sides if isinstance(s, ast.Name)]
            if var in names:
                for n in names:
                    if n != var:
                        out.setdefault(n, None)
    return list(out)


@template(
    "args.offset", weight=0.40, on=ast.Call,
    example=(
        "def f(xs, k, n):\n    if k >= n:\n        return f(xs, k)\n    return k\n",
        "def f(xs, k, n):\n    if k >= n:\n        return f(xs, k - n)\n    return k\n",
    ),
)  # fmt: skip
def offset_argument(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """f(xs, k) -> f(xs, k - n) / f(xs, k + n) where an enclosing condition compares k with
    the number n (the argument is not re-based to the branch it is passed into)."""
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return
    made = 0
    for i, arg in enumerate(node.args):
        if not isinstance(arg, ast.Name) or site.scope.kind(arg.id) in (COLL, STR, FUNC):
            continue
        for other in _compared_with(site, arg.id)[:2]:
            if site.scope.kind(other) not in (NUM, "") or not site.available(other):
                continue
            for op, aff in ((ast.Sub(), 1.0), (ast.Add(), 0.8)):
                args = list(node.args)
                args[i] = ast.BinOp(left=name(arg.id), op=op, right=name(other))
                new = ast.Call(func=node.func, args=args, keywords=[])
                yield Mutation(aff * (1.0 - 0.2 * made), target=node, new=new)
            made += 1


# Optional parameters commonly left out (a call that needs its bound / precision): the
# argument to add, most usual value first (TBar "mutate method invocation: add parameter").
OPTIONAL_ARGS: dict[tuple[str, int], tuple[int, ...]] = {
    ("split", 1): (1,), ("rsplit", 1): (1,),  # str.split(sep) -> split(sep, maxsplit)
    ("round", 1): (2, 0, 1),  # round(x) -> round(x, ndigits)
    ("replace", 2): (1,),  # str.replace(old, new) -> replace(old, new, count)
}  # fmt: skip


@template(
    "args.optional", weight=0.35, on=ast.Call,
    example=(
        "def f(line):\n    a, b = line.split(':')\n    return b\n",
        "def f(line):\n    a, b = line.split(':', 1)\n    return b\n",
    ),
)  # fmt: skip
def optional_argument(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """line.split(':') -> line.split(':', 1); round(x) -> round(x, 2): the optional bound of
    a builtin call added (a method is matched by name, a function by a plain name)."""
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return
    f = node.func
    fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    if isinstance(f, ast.Name) and fname != "round":
        return
    if isinstance(f, ast.Attribute) and fname == "round":
        return
    for i, value in enumerate(OPTIONAL_ARGS.get((fname, len(node.args)), ())):
        args = [*node.args, ast.Constant(value=value)]
        yield Mutation(1.0 - 0.2 * i, target=node, new=ast.Call(func=f, args=args, keywords=[]))
