"""Small AST builders and predicates shared by the template families."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


def name(ident: str, store: bool = False) -> ast.Name:
    return ast.Name(id=ident, ctx=ast.Store() if store else ast.Load())


def const(value: int | float | bool | str | None) -> ast.expr:
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def plus(node: ast.expr, delta: int) -> ast.expr:
    op: ast.operator = ast.Add() if delta > 0 else ast.Sub()
    return ast.BinOp(left=node, op=op, right=ast.Constant(value=abs(delta)))


def call(func: str | ast.expr, *args: ast.expr, **kw: ast.expr) -> ast.Call:
    f = name(func) if isinstance(func, str) else func
    keywords = [ast.keyword(arg=k, value=v) for k, v in kw.items()]
    return ast.Call(func=f, args=list(args), keywords=keywords)


def negate(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return node.operand
    return ast.UnaryOp(op=ast.Not(), operand=node)


def is_int(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    )


def plus_const(node: ast.AST) -> bool:
    """``x + k`` / ``x - k`` with an integer literal k (its own literal template covers it)."""
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add | ast.Sub)
        and (is_int(node.right) or is_int(node.left))
    )


def names_in(node: ast.AST) -> list[str]:
    out: dict[str, None] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.setdefault(n.id, None)
    return list(out)


def assigned_name(node: ast.AST | None) -> str:
    """The identifier of a plain-name target ('' for anything else)."""
    return node.id if isinstance(node, ast.Name) else ""


def per_tree(tree: ast.AST, key: str, make: Callable[[ast.AST], T]) -> T:
    """``make(tree)`` computed once per parsed file: kept on the tree object itself (templates
    run at every node of every suspicious line, a file-wide walk each time adds up)."""
    cache: dict[str, Any] = tree.__dict__.setdefault("_pw_template_cache", {})
    if key not in cache:
        cache[key] = make(tree)
    return cast(T, cache[key])
