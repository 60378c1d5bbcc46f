"""Literal templates: booleans, integers (+-1, 0 <-> 1) and wrong container constants
(PySStuBs "change numeric literal" / "change boolean literal"; TBar "mutate literal")."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator

from patchwright.propose.templates.builders import const, is_int, per_tree
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template


@template(
    "lit.bool", weight=0.85, on=ast.Constant,
    example=("def f():\n    return True\n", "def f():\n    return False\n"),
)  # fmt: skip
def boolean(site: Site, node: ast.Constant) -> Iterator[Mutation]:
    """True <-> False."""
    if isinstance(node.value, bool):
        yield Mutation(1.0, target=node, new=ast.Constant(value=not node.value))


@template(
    "lit.int", weight=0.85, on=ast.Constant,
    example=("def f(x):\n    return x * 2\n", "def f(x):\n    return x * 3\n"),
)  # fmt: skip
def integer(site: Site, node: ast.Constant) -> Iterator[Mutation]:
    """Integer literal +-1 (``x + 1`` -> ``x`` where the literal would become 0)."""
    parent, field, _ = site.parent(node)
    if not is_int(node) or isinstance(parent, ast.UnaryOp):
        return
    value = node.value
    assert isinstance(value, int)
    index_slot = isinstance(parent, ast.Subscript | ast.Slice) and field != "value"
    for delta in (1, -1):
        new_value = value + delta
        if new_value < 0 and not index_slot:
            continue
        if (
            new_value == 0
            and isinstance(parent, ast.BinOp)
            and isinstance(parent.op, ast.Add | ast.Sub)
            and field == "right"
        ):
            yield Mutation(1.0, target=parent, new=parent.left)
            continue
        yield Mutation(1.0, target=node, new=const(new_value))


@template(
    "lit.container", weight=0.45, on=ast.List,
    example=("def f():\n    return []\n", "def f():\n    return [[]]\n"),
)  # fmt: skip
def container(site: Site, node: ast.List) -> Iterator[Mutation]:
    """[] <-> [[]] (a wrong data-structure constant)."""
    if not node.elts:
        new = ast.List(elts=[ast.List(elts=[], ctx=ast.Load())], ctx=ast.Load())
        yield Mutation(1.0, target=node, new=new)
    elif len(node.elts) == 1 and isinstance(node.elts[0], ast.List) and not node.elts[0].elts:
        yield Mutation(1.0, target=node, new=node.elts[0])


_MAX_STR_DONORS = 3
_MAX_STR_LEN = 40


def _strings(root: ast.AST) -> list[tuple[int, str]]:
    """(node id, value) of the short string constants of ``root`` (not docstrings, not parts
    of f-strings), in order of appearance."""
    inside_f = {id(v) for n in ast.walk(root) if isinstance(n, ast.JoinedStr) for v in n.values}
    docs = {
        id(n.body[0].value)
        for n in ast.walk(root)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    return [
        (id(n), n.value)
        for n in ast.walk(root)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and len(n.value) <= _MAX_STR_LEN
        and id(n) not in inside_f
        and id(n) not in docs
    ]


def _string_donors(root: ast.AST, skip: ast.AST) -> list[str]:
    """The distinct values of :func:`_strings` of ``root`` but ``skip``'s own."""
    found = per_tree(root, "strings", _strings)
    return list(dict.fromkeys(v for i, v in found if i != id(skip)))


@template(
    "lit.str", weight=0.30, on=ast.Constant,
    example=(
        "def f(d):\n    if d.get('mode') == 'r':\n        return 'rb'\n    return 'wb'\n",
        "def f(d):\n    if d.get('mode') == 'r':\n        return 'rb'\n    return 'rb'\n",
    ),
)  # fmt: skip
def string(site: Site, node: ast.Constant) -> Iterator[Mutation]:
    """'wb' -> 'rb': a string literal replaced by another of the same function, then of the
    file, the most similar first (TBar / PraPR "mutate literal": a constant of the same type
    in scope; ssFix's code search in the local context)."""
    if not isinstance(node.value, str) or len(node.value) > _MAX_STR_LEN:
        return
    parent = site.parent(node)[0]
    if isinstance(parent, ast.JoinedStr) or (
        isinstance(site.stmt, ast.Expr) and parent is site.stmt
    ):
        return  # part of an f-string, or a docstring / bare string statement
    own = _string_donors(site.func, node) if site.func is not None else []
    rest = [s for s in _string_donors(site.facts.tree, node) if s not in own]
    old = node.value
    ranked = sorted(
        [(1.0, s) for s in own if s != old] + [(0.7, s) for s in rest if s != old],
        key=lambda x: -(x[0] * (0.5 + 0.5 * difflib.SequenceMatcher(None, old, x[1]).ratio())),
    )
    for i, (aff, s) in enumerate(ranked[:_MAX_STR_DONORS]):
        yield Mutation(aff * (1.0 - 0.1 * i), target=node, new=ast.Constant(value=s))
