"""Memoization of a provably pure recursive function (the classic dynamic-programming
rewrite; ``functools.cache``): the cache lives for one outer call only, so nothing
persists across calls (a cross-call cache would be flagged as gaming the workload)."""

from __future__ import annotations

import ast

from patchwright.propose.optimize.analysis import PURE_BUILTINS, PURE_MODULES
from patchwright.propose.optimize.registry import Rewritten, rewrite

_SAFE = (ast.Return, ast.If, ast.Expr, ast.Assign, ast.AugAssign, ast.For, ast.While,
         ast.Pass, ast.Break, ast.Continue)  # fmt: skip


def _pure(func: ast.FunctionDef) -> bool:
    """Only its parameters, locals, constants, pure builtins and calls of itself: no global
    state read or written, no argument mutated, no I/O, no generator."""
    a = func.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or func.decorator_list:
        return False
    params = {x.arg for x in a.args}
    local = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for n in ast.walk(func):
        if n is not func and isinstance(n, ast.stmt) and not isinstance(n, _SAFE):
            return False
        if isinstance(n, ast.Yield | ast.YieldFrom | ast.Await | ast.Lambda | ast.Starred):
            return False
        if isinstance(n, ast.Attribute) and not (isinstance(n.value, ast.Name)
                                                 and n.value.id in PURE_MODULES):  # fmt: skip
            return False
        if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store | ast.Del):
            return False
        known = params | local | PURE_BUILTINS | PURE_MODULES | {func.name}
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in known:
            return False
        if isinstance(n, ast.Call):
            f = n.func
            ok = isinstance(f, ast.Name) and (f.id in PURE_BUILTINS or f.id == func.name)
            ok = ok or (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                        and f.value.id in PURE_MODULES)  # fmt: skip
            if not ok or n.keywords:
                return False
    return params.isdisjoint(local) and any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == func.name
        for n in ast.walk(func)
    )


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.old:
            return ast.Name(id=self.new, ctx=node.ctx)
        return node


@rewrite("perf.memoize", weight=0.75, source="functools.cache on pure recursion (dynamic programming)",
         example=("def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
                  "import functools\n\ndef fib(n):\n\n    @functools.cache\n    def _fib(n):\n"
                  "        if n < 2:\n            return n\n        return _fib(n - 1) + _fib(n - 2)\n"
                  "    return _fib(n)\n"))  # fmt: skip
def memoize(func: ast.FunctionDef) -> Rewritten | None:
    """A pure, directly recursive function gets a per-call ``functools.cache``d helper."""
    if not _pure(func):
        return None
    inner_name = f"_{func.name}"
    inner = ast.FunctionDef(
        name=inner_name, args=func.args, body=[_Rename(func.name, inner_name).visit(s) for s in func.body],
        decorator_list=[ast.Attribute(value=ast.Name(id="functools", ctx=ast.Load()), attr="cache",
                                      ctx=ast.Load())],
        returns=None, type_params=[],
    )  # fmt: skip
    body: list[ast.stmt] = []
    first = func.body[0] if func.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
        first.value.value, str
    ):
        body.append(first)
        inner.body = inner.body[1:]
    call = ast.Call(func=ast.Name(id=inner_name, ctx=ast.Load()),
                    args=[ast.Name(id=x.arg, ctx=ast.Load()) for x in func.args.args], keywords=[])  # fmt: skip
    body += [inner, ast.Return(value=call)]
    out = ast.FunctionDef(name=func.name, args=func.args, body=body, decorator_list=[],
                          returns=func.returns, type_params=[])  # fmt: skip
    return ast.fix_missing_locations(out), ("import functools",)
