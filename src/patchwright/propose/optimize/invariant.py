"""Loop-invariant expressions: a part of the first statement of a ``range`` loop's body that
reads only what the loop never changes (items of unchanged sequences, arithmetic on them) is
computed once before the loop, under the loop's own non-empty test, so that nothing is
evaluated that the loop would not have evaluated (perflint W8201's loop-invariant code, the
compilers' loop-invariant code motion with loop rotation's guard)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.optimize.analysis import (
    PURE_BUILTINS,
    fresh,
    int_const,
    loops,
    names_mutated,
    range_args,
)
from patchwright.propose.optimize.registry import Rewritten, rewrite

_OPS = (ast.Add, ast.Sub, ast.Mult)


def _pure(n: ast.AST, changed: set[str]) -> bool:
    """Names the loop does not change, constants, ``+ - *``, negation and subscripts."""
    if isinstance(n, ast.Name):
        return n.id not in changed
    if isinstance(n, ast.Constant):
        return True
    if isinstance(n, ast.BinOp):
        return isinstance(n.op, _OPS) and _pure(n.left, changed) and _pure(n.right, changed)
    if isinstance(n, ast.UnaryOp):
        return isinstance(n.op, ast.USub) and _pure(n.operand, changed)
    if isinstance(n, ast.Slice):
        return all(x is None or _pure(x, changed) for x in (n.lower, n.upper, n.step))
    if isinstance(n, ast.Subscript):
        return isinstance(n.value, ast.Name) and _pure(n.value, changed) and _pure(n.slice, changed)
    return False


def _worth(n: ast.AST) -> bool:
    return any(isinstance(x, ast.Subscript) for x in ast.walk(n))


def _evaluated_first(stmt: ast.stmt) -> Iterator[ast.expr]:
    """Expressions of ``stmt`` that every run of it evaluates (before any branch)."""
    todo: list[ast.AST] = []
    if isinstance(stmt, ast.If | ast.While):
        todo.append(stmt.test)
    elif isinstance(stmt, ast.Assign | ast.Expr | ast.Return) and stmt.value is not None:
        todo.append(stmt.value)
    while todo:
        n = todo.pop()
        if not isinstance(n, ast.expr):
            continue
        yield n
        if isinstance(n, ast.Compare):
            todo += [n.left, n.comparators[0]]
        elif isinstance(n, ast.BinOp):
            todo += [n.left, n.right]
        elif isinstance(n, ast.UnaryOp):
            todo.append(n.operand)
        elif isinstance(n, ast.BoolOp):
            todo.append(n.values[0])
        elif isinstance(n, ast.Subscript):
            todo += [n.value, n.slice]
        elif isinstance(n, ast.Call):
            todo += [n.func, *n.args, *(k.value for k in n.keywords)]
        elif isinstance(n, ast.Tuple | ast.List):
            todo += n.elts


def _runs_once(loop: ast.For) -> ast.expr | None:
    """The test that ``for v in range(...)`` runs at least once (bounds that are names,
    constants and arithmetic, evaluated again by the test), else None."""
    args = range_args(loop.iter)
    if args is None or (len(args) == 3 and not int_const(args[2], positive=True)):
        return None
    low = args[0] if len(args) > 1 else ast.Constant(0)
    high = args[1] if len(args) > 1 else args[0]
    simple = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop,
              ast.expr_context, ast.Call)  # fmt: skip
    for x in (low, high):
        for n in ast.walk(x):
            if not isinstance(n, simple) or (isinstance(n, ast.Call) and ast.unparse(n.func) != "len"):
                return None
    return ast.Compare(left=low, ops=[ast.Lt()], comparators=[high])


def _changes_no_object(loop: ast.For) -> bool:
    """No call in the body but pure builtins, and no item or attribute stored: nothing there
    can change a sequence behind the loop's back (a function reaching a global list, an
    alias of the list assigned to)."""
    for top in loop.body:
        for n in ast.walk(top):
            if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in PURE_BUILTINS):
                return False
            if isinstance(n, ast.Subscript | ast.Attribute) and isinstance(n.ctx, ast.Store | ast.Del):
                return False
    return True


def _invariant(loop: ast.For) -> ast.expr | None:
    if not loop.body or not _changes_no_object(loop):
        return None
    changed = names_mutated([loop.target, *loop.body])
    for n in _evaluated_first(loop.body[0]):
        if _pure(n, changed) and _worth(n):
            return n
    return None


class _Swap(ast.NodeTransformer):
    def __init__(self, old: ast.AST, name: str) -> None:
        self.old, self.name = old, name

    def visit(self, node: ast.AST) -> ast.AST:
        if node is self.old:
            return ast.Name(id=self.name, ctx=ast.Load())
        return super().visit(node)


@rewrite("perf.hoist_expr", weight=0.5, source="perflint W8201 (loop-invariant statement); LICM",
         example=("def f(a, n):\n    for i in range(n):\n        for j in range(i + 1, n):\n"
                  "            if a[i] * a[j] > 0:\n                return True\n    return False\n",
                  "def f(a, n):\n    for i in range(n):\n        if i + 1 < n:\n            _e = a[i]\n"
                  "        for j in range(i + 1, n):\n            if _e * a[j] > 0:\n"
                  "                return True\n    return False\n"))  # fmt: skip
def hoist_expr(func: ast.FunctionDef) -> Rewritten | None:
    """An invariant part of a range loop's first statement is computed once, before it."""
    for seq, i, loop in loops(func):
        if not isinstance(loop, ast.For) or loop.orelse:
            continue
        guard = _runs_once(loop)
        expr = _invariant(loop) if guard is not None else None
        if guard is None or expr is None:
            continue
        name = fresh(func, "e")
        loop.body = [_Swap(expr, name).visit(s) for s in loop.body]
        assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=expr)
        seq[i:i + 1] = [ast.If(test=guard, body=[assign], orelse=[]), loop]
        return func, ()
    return None
