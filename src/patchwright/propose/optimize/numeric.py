"""Number-theory and counting rewrites from the algorithm catalogues: trial division stops
at the square root (a divisor in [2, n) exists iff one exists in [2, isqrt(n)]); a list
built only to take its length becomes a counter."""

from __future__ import annotations

import ast

from patchwright.propose.optimize.analysis import (
    PURE_BUILTINS,
    loops,
    names_stored,
    sets_flag,
    used_after,
)
from patchwright.propose.optimize.registry import Rewritten, rewrite


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _bounded_by(end: ast.expr, n: ast.expr) -> bool:
    """``end`` is ``n`` or ``n - c`` with c a non-negative int constant (so end <= n)."""
    if _same(end, n):
        return True
    return (isinstance(end, ast.BinOp) and isinstance(end.op, ast.Sub) and _same(end.left, n)
            and isinstance(end.right, ast.Constant) and isinstance(end.right.value, int)
            and end.right.value >= 0)  # fmt: skip


def _divides(test: ast.expr, var: str) -> ast.expr | None:
    """N when ``test`` is ``N % var == 0`` or ``not N % var``."""
    mod = None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        mod = test.operand
    elif (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
          and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == 0):  # fmt: skip
        mod = test.left
    if (isinstance(mod, ast.BinOp) and isinstance(mod.op, ast.Mod)
            and isinstance(mod.right, ast.Name) and mod.right.id == var):  # fmt: skip
        return mod.left
    return None


def _exit_or_flag(body: list[ast.stmt], var: str) -> bool:
    """Statements that do not use the divisor and either leave the loop or only set flags
    to constants (running them for fewer divisors changes nothing)."""
    for s in body:
        if any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(s)):
            return False
        if not (isinstance(s, ast.Break | ast.Return) or sets_flag(s)):
            return False
    return True


@rewrite("perf.trial_division", weight=0.7, source="number theory: trial division up to sqrt(n)",
         example=("def p(n):\n    for d in range(2, n):\n        if n % d == 0:\n"
                  "            return False\n    return n > 1\n",
                  "import math\n\ndef p(n):\n    for d in range(2, min(n, math.isqrt(max(n, 0)) + 1)):\n"
                  "        if n % d == 0:\n            return False\n    return n > 1\n"))  # fmt: skip
def trial_division(func: ast.FunctionDef) -> Rewritten | None:
    """``for d in range(2, n): if n % d == 0: <exit or flag>`` -> d only up to isqrt(n)."""
    for _seq, _i, loop in loops(func):
        if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Name)
                and isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name)
                and loop.iter.func.id == "range" and len(loop.iter.args) == 2
                and isinstance(loop.iter.args[0], ast.Constant) and loop.iter.args[0].value == 2
                and len(loop.body) == 1 and isinstance(loop.body[0], ast.If)
                and not loop.body[0].orelse):  # fmt: skip
            continue
        var, end, cond = loop.target.id, loop.iter.args[1], loop.body[0]
        n = _divides(cond.test, var)
        if n is None or not _bounded_by(end, n) or not _exit_or_flag(cond.body, var):
            continue
        used = {x.id for x in ast.walk(n) if isinstance(x, ast.Name)}
        if used & names_stored([loop]) or any(isinstance(x, ast.Call) and not (
                isinstance(x.func, ast.Name) and x.func.id == "len") for x in ast.walk(n)):  # fmt: skip
            continue
        root = ast.Call(func=ast.Attribute(value=ast.Name(id="math", ctx=ast.Load()), attr="isqrt",
                                           ctx=ast.Load()),
                        args=[ast.Call(func=ast.Name(id="max", ctx=ast.Load()),
                                       args=[n, ast.Constant(0)], keywords=[])], keywords=[])  # fmt: skip
        bound = ast.Call(func=ast.Name(id="min", ctx=ast.Load()),
                         args=[end, ast.BinOp(left=root, op=ast.Add(), right=ast.Constant(1))],
                         keywords=[])  # fmt: skip
        loop.iter.args[1] = bound
        return func, ("import math",)
    return None


def _simple_value(e: ast.expr) -> bool:
    ok = (ast.Name, ast.Constant, ast.Tuple, ast.Subscript, ast.BinOp, ast.operator,
          ast.expr_context, ast.Slice, ast.UnaryOp, ast.unaryop)  # fmt: skip
    return all(isinstance(x, ok) for x in ast.walk(e))


@rewrite("perf.count_only", weight=0.5, source="PerformanceTips (do not build a list to count it)",
         example=("def f(xs):\n    r = []\n    for x in xs:\n        if x > 0:\n"
                  "            r.append(x)\n    return len(r)\n",
                  "def f(xs):\n    r = 0\n    for x in xs:\n        if x > 0:\n"
                  "            r += 1\n    return r\n"))  # fmt: skip
def count_only(func: ast.FunctionDef) -> Rewritten | None:
    """A list that is only appended to (side-effect-free items) and measured with len()
    -> an int counter."""
    for node in ast.walk(func):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.List)
                and not node.value.elts):  # fmt: skip
            continue
        name = node.targets[0].id
        uses = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == name]
        ok_ids = {id(node.targets[0])}
        appends, lens = [], []
        for n in ast.walk(func):
            if (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                    and isinstance(n.value.func, ast.Attribute) and n.value.func.attr == "append"
                    and isinstance(n.value.func.value, ast.Name) and n.value.func.value.id == name
                    and len(n.value.args) == 1 and _simple_value(n.value.args[0])):  # fmt: skip
                appends.append(n)
                ok_ids.add(id(n.value.func.value))
            elif (isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == name
                  and isinstance(n.op, ast.Add) and isinstance(n.value, ast.List)
                  and len(n.value.elts) == 1 and _simple_value(n.value.elts[0])):  # fmt: skip
                appends.append(n)
                ok_ids.add(id(n.target))
            elif (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len"
                  and len(n.args) == 1 and isinstance(n.args[0], ast.Name) and n.args[0].id == name):  # fmt: skip
                lens.append(n)
                ok_ids.add(id(n.args[0]))
        if not appends or not lens or any(id(u) not in ok_ids for u in uses):
            continue
        node.value = ast.Constant(0)
        _Counting(name, {id(a) for a in appends}, {id(c) for c in lens}).visit(func)
        return func, ()
    return None


class _Counting(ast.NodeTransformer):
    def __init__(self, name: str, appends: set[int], lens: set[int]) -> None:
        self.name, self.appends, self.lens = name, appends, lens

    def visit(self, node: ast.AST) -> ast.AST:
        if id(node) in self.appends:
            return ast.AugAssign(target=ast.Name(id=self.name, ctx=ast.Store()), op=ast.Add(),
                                 value=ast.Constant(1))  # fmt: skip
        if id(node) in self.lens:
            return ast.Name(id=self.name, ctx=ast.Load())
        return super().visit(node)


_PURE_TEST = (ast.Name, ast.Constant, ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp,
              ast.Subscript, ast.Slice, ast.Tuple, ast.operator, ast.unaryop, ast.cmpop,
              ast.boolop, ast.expr_context, ast.Attribute, ast.Call)  # fmt: skip


def _pure_test(test: ast.expr) -> bool:
    """No side effects: operators, subscripts, and calls of a few pure builtins only."""
    for n in ast.walk(test):
        if not isinstance(n, _PURE_TEST):
            return False
        if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in PURE_BUILTINS):
            return False
    return True


@rewrite("perf.early_exit", weight=0.55, source="PerformanceTips (early exit once a loop's result is known)",
         example=("def f(xs):\n    found = False\n    for x in xs:\n        if x < 0:\n"
                  "            found = True\n    return found\n",
                  "def f(xs):\n    found = False\n    for x in xs:\n        if x < 0:\n"
                  "            found = True\n            break\n    return found\n"))  # fmt: skip
def early_exit(func: ast.FunctionDef) -> Rewritten | None:
    """A loop whose only effect is setting flags to constants when a pure test holds stops
    at the first hit (later hits would set the same values)."""
    for seq, i, loop in loops(func):
        if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) and not loop.orelse
                and len(loop.body) == 1 and isinstance(loop.body[0], ast.If)
                and not loop.body[0].orelse):  # fmt: skip
            continue
        cond = loop.body[0]
        it = loop.iter
        plain_iter = isinstance(it, ast.Name | ast.Subscript) or (
            isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range")
        flags = all(map(sets_flag, cond.body))
        parts = it.args if isinstance(it, ast.Call) else [it]
        if not (plain_iter and flags and _pure_test(cond.test) and all(map(_pure_test, parts))):
            continue
        if used_after(func, seq, i, loop.target.id):
            continue
        cond.body.append(ast.Break())
        return func, ()
    return None
