"""Literal templates: booleans, integers (+-1, 0 <-> 1) and wrong container constants
(PySStuBs "change numeric literal" / "change boolean literal"; TBar "mutate literal")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.templates.builders import const, is_int
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
