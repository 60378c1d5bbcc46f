"""Loop rewrites: repeated string concatenation -> a list joined once (perflint W8102,
the wiki's string-concatenation tip), manual counting and accumulating loops -> ``count``
/ ``sum`` (FURB, perflint), a search loop returning True -> ``in`` (SIM110's family, early
exit), an append loop -> a comprehension (ruff PERF401), a nested equality search -> a set
lookup (the membership-in-a-list-inside-a-loop pattern)."""

from __future__ import annotations

import ast
import copy

from patchwright.propose.optimize.analysis import (
    has_flow,
    is_empty_str,
    loops,
    names_mutated,
    names_read,
    sets_flag,
    used_after,
)
from patchwright.propose.optimize.registry import Rewritten, rewrite


def _name(n: ast.AST, name: str) -> bool:
    return isinstance(n, ast.Name) and n.id == name


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _call(fn: ast.expr, *args: ast.expr) -> ast.Call:
    return ast.Call(func=fn, args=list(args), keywords=[])


def _method(obj: str, attr: str, *args: ast.expr) -> ast.Call:
    return _call(ast.Attribute(value=_load(obj), attr=attr, ctx=ast.Load()), *args)


def _concat_kind(loop: ast.AST, acc: str) -> str | None:
    """'append' when every use of ``acc`` in the loop is ``acc += e``, 'prepend' when every
    one is ``acc = e + acc``; None otherwise."""
    kinds, uses = set(), 0
    for n in ast.walk(loop):
        if isinstance(n, ast.AugAssign) and _name(n.target, acc) and isinstance(n.op, ast.Add):
            if acc in names_read([n.value]):
                return None
            kinds.add("append")
            uses += 1
        elif (isinstance(n, ast.Assign) and len(n.targets) == 1 and _name(n.targets[0], acc)
              and isinstance(n.value, ast.BinOp) and isinstance(n.value.op, ast.Add)
              and _name(n.value.right, acc) and acc not in names_read([n.value.left])):  # fmt: skip
            kinds.add("prepend")
            uses += 2  # the target and the read
    total = sum(1 for n in ast.walk(loop) if _name(n, acc))
    return kinds.pop() if len(kinds) == 1 and total == uses else None


class _ToAppend(ast.NodeTransformer):
    def __init__(self, acc: str, parts: str) -> None:
        self.acc, self.parts = acc, parts

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        if _name(node.target, self.acc):
            return ast.Expr(value=_method(self.parts, "append", node.value))
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        if len(node.targets) == 1 and _name(node.targets[0], self.acc):
            assert isinstance(node.value, ast.BinOp)
            return ast.Expr(value=_method(self.parts, "append", node.value.left))
        return node


@rewrite("perf.str_join", weight=0.8, source="perflint W8102 / PerformanceTips (string concatenation)",
         example=("def f(xs):\n    s = ''\n    for x in xs:\n        s += x\n    return s\n",
                  "def f(xs):\n    s = ''\n    _s_parts = []\n    for x in xs:\n"
                  "        _s_parts.append(x)\n    s = s + ''.join(_s_parts)\n    return s\n"))  # fmt: skip
def str_join(func: ast.FunctionDef) -> Rewritten | None:
    """``s = ''`` then ``s += e`` (or ``s = e + s``) in a loop -> parts appended, joined once."""
    for seq, i, loop in loops(func):
        if i == 0:
            continue
        init = seq[i - 1]
        if not (isinstance(init, ast.Assign) and len(init.targets) == 1
                and isinstance(init.targets[0], ast.Name) and is_empty_str(init.value)):  # fmt: skip
            continue
        acc = init.targets[0].id
        kind = _concat_kind(loop, acc)
        if kind is None or loop.orelse:
            continue
        parts = f"_{acc}_parts"
        _ToAppend(acc, parts).visit(loop)
        joined: ast.expr = _call(ast.Attribute(value=ast.Constant(""), attr="join", ctx=ast.Load()),
                                 _load(parts) if kind == "append"
                                 else _call(_load("reversed"), _load(parts)))  # fmt: skip
        value = ast.BinOp(left=_load(acc), op=ast.Add(), right=joined)
        if kind == "prepend":
            value = ast.BinOp(left=joined, op=ast.Add(), right=_load(acc))
        seq.insert(i, ast.Assign(targets=[ast.Name(id=parts, ctx=ast.Store())],
                                 value=ast.List(elts=[], ctx=ast.Load())))  # fmt: skip
        seq.insert(i + 2, ast.Assign(targets=[ast.Name(id=acc, ctx=ast.Store())], value=value))
        return func, ()
    return None


def _counter_step(stmt: ast.stmt) -> tuple[str, ast.expr | None, ast.operator] | None:
    """``n += 1`` -> (n, None, Add); ``n += e`` -> (n, e, Add); ``n *= e`` -> (n, e, Mult)."""
    if not (isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add | ast.Mult)
            and isinstance(stmt.target, ast.Name)):  # fmt: skip
        return None
    one = isinstance(stmt.op, ast.Add) and isinstance(stmt.value, ast.Constant) and stmt.value.value == 1
    return stmt.target.id, None if one else stmt.value, stmt.op


def _loop_parts(loop: ast.For) -> tuple[ast.expr | None, ast.stmt] | None:
    """A for loop of one statement, maybe under one ``if`` without else: (condition, stmt)."""
    if loop.orelse or len(loop.body) != 1:
        return None
    s = loop.body[0]
    if isinstance(s, ast.If):
        if s.orelse or len(s.body) != 1:
            return None
        return s.test, s.body[0]
    return None, s


@rewrite("perf.sum_loop", weight=0.55, source="perflint / FURB (manual sum and count loops)",
         example=("def f(xs):\n    n = 0\n    for x in xs:\n        if x == 'a':\n"
                  "            n += 1\n    return n\n",
                  "def f(xs):\n    n = 0\n    n += xs.count('a')\n    return n\n"))  # fmt: skip
def sum_loop(func: ast.FunctionDef) -> Rewritten | None:
    """A loop that only adds to a counter -> ``x.count(c)`` (an equality with a constant) or
    ``sum(...)`` over a generator."""
    for seq, i, loop in loops(func):
        if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name):
            continue
        parts = _loop_parts(loop)
        if parts is None:
            continue
        cond, stmt = parts
        step = _counter_step(stmt)
        var = loop.target.id
        if step is None or step[0] == var or used_after(func, seq, i, var):
            continue
        acc, value, op = step
        if acc in names_read([loop.iter, *([cond] if cond else []), *([value] if value else [])]):
            continue
        if isinstance(op, ast.Mult):
            assert value is not None
            prod = ast.Attribute(value=_load("math"), attr="prod", ctx=ast.Load())
            seq[i] = ast.AugAssign(target=ast.Name(id=acc, ctx=ast.Store()), op=op,
                                   value=_call(prod, _generator(loop, value, cond)))  # fmt: skip
            return func, ("import math",)
        new: ast.expr | None = None
        if value is not None and cond is None and _const_eq(value, var):
            cond, value = value, None  # ``n += x == c`` adds a bool: counts the matches
        if value is None and cond is not None and _const_eq(cond, var):
            assert isinstance(cond, ast.Compare)
            const = cond.comparators[0] if _name(cond.left, var) else cond.left
            new = _call(ast.Attribute(value=loop.iter, attr="count", ctx=ast.Load()), const)
        if new is None:
            new = _call(_load("sum"), _generator(loop, value if value is not None else ast.Constant(1), cond))
        seq[i] = ast.AugAssign(target=ast.Name(id=acc, ctx=ast.Store()), op=ast.Add(), value=new)
        return func, ()
    return None


def _generator(loop: ast.For, elt: ast.expr, cond: ast.expr | None) -> ast.expr:
    """``elt for target in iter [if cond]``; the iterable itself for ``x for x in xs``."""
    if cond is None and isinstance(loop.target, ast.Name) and _name(elt, loop.target.id):
        return loop.iter
    return ast.GeneratorExp(elt=elt, generators=[ast.comprehension(
        target=loop.target, iter=loop.iter, ifs=[cond] if cond else [], is_async=0)])


def _const_eq(cond: ast.expr, var: str) -> bool:
    """``var == C`` or ``C == var`` with C a constant (a one-character string when a str)."""
    if not (isinstance(cond, ast.Compare) and len(cond.ops) == 1 and isinstance(cond.ops[0], ast.Eq)):
        return False
    left, right = cond.left, cond.comparators[0]
    other = right if _name(left, var) else left if _name(right, var) else None
    if not isinstance(other, ast.Constant) or isinstance(other.value, bool | float):
        return False
    return not isinstance(other.value, str) or len(other.value) == 1


@rewrite("perf.any_in", weight=0.6, source="ruff SIM110 (reimplemented-builtin) / early exit",
         example=("def f(xs, v):\n    for x in xs:\n        if x == v:\n            return True\n"
                  "    return False\n", "def f(xs, v):\n    return v in xs\n"))  # fmt: skip
def any_in(func: ast.FunctionDef) -> Rewritten | None:
    """``for x in xs: if x == v: return True`` then ``return False`` -> ``return v in xs``."""
    for seq, i, loop in loops(func):
        if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name) or i + 1 >= len(seq):
            continue
        parts = _loop_parts(loop)
        after = seq[i + 1]
        if parts is None or parts[0] is None or not isinstance(after, ast.Return):
            continue
        cond, stmt = parts
        var = loop.target.id
        if not (isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Constant)
                and isinstance(after.value, ast.Constant)
                and {stmt.value.value, after.value.value} == {True, False}):  # fmt: skip
            continue
        if not (isinstance(cond, ast.Compare) and len(cond.ops) == 1
                and isinstance(cond.ops[0], ast.Eq)):  # fmt: skip
            continue
        left, right = cond.left, cond.comparators[0]
        other = right if _name(left, var) else left if _name(right, var) else None
        if other is None or var in names_read([other]) or used_after(func, seq, i, var):
            continue
        op: ast.cmpop = ast.In() if stmt.value.value is True else ast.NotIn()
        seq[i:i + 2] = [ast.Return(value=ast.Compare(left=other, ops=[op], comparators=[loop.iter]))]
        return func, ()
    return None


@rewrite("perf.listcomp", weight=0.45, source="ruff PERF401 (manual-list-comprehension)",
         example=("def f(xs):\n    r = []\n    for x in xs:\n        if x:\n"
                  "            r.append(x * 2)\n    return r\n",
                  "def f(xs):\n    r = [x * 2 for x in xs if x]\n    return r\n"))  # fmt: skip
def listcomp(func: ast.FunctionDef) -> Rewritten | None:
    """``r = []`` then a loop of one ``r.append(e)`` (maybe under an if) -> a comprehension."""
    for seq, i, loop in loops(func):
        if i == 0 or not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name | ast.Tuple):
            continue
        init = seq[i - 1]
        if not (isinstance(init, ast.Assign) and len(init.targets) == 1
                and isinstance(init.targets[0], ast.Name) and isinstance(init.value, ast.List)
                and not init.value.elts):  # fmt: skip
            continue
        acc = init.targets[0].id
        cond: ast.expr | None = None
        elt = _appends_both_ways(loop, acc)
        if elt is None:
            parts = _loop_parts(loop)
            if parts is None:
                continue
            cond, stmt = parts
            elt = _appended(stmt, acc)
        if elt is None:
            continue
        targets = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
        if acc in names_read([elt, loop.iter, *([cond] if cond else [])]):
            continue
        if any(used_after(func, seq, i, t) for t in targets):
            continue
        comp = ast.ListComp(elt=elt, generators=[ast.comprehension(
            target=loop.target, iter=loop.iter, ifs=[cond] if cond else [], is_async=0)])
        seq[i - 1:i + 1] = [ast.Assign(targets=[ast.Name(id=acc, ctx=ast.Store())], value=comp)]
        return func, ()
    return None


def _appended(stmt: ast.stmt, acc: str) -> ast.expr | None:
    """``e`` of ``acc.append(e)``, else None."""
    if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute) and _name(stmt.value.func.value, acc)
            and stmt.value.func.attr == "append" and len(stmt.value.args) == 1
            and not stmt.value.keywords):  # fmt: skip
        return stmt.value.args[0]
    return None


def _appends_both_ways(loop: ast.For, acc: str) -> ast.expr | None:
    """A loop of one ``if c: acc.append(a) else: acc.append(b)`` -> ``a if c else b``."""
    if loop.orelse or len(loop.body) != 1 or not isinstance(loop.body[0], ast.If):
        return None
    s = loop.body[0]
    if len(s.body) != 1 or len(s.orelse) != 1:
        return None
    a, b = _appended(s.body[0], acc), _appended(s.orelse[0], acc)
    if a is None or b is None:
        return None
    return ast.IfExp(test=s.test, body=a, orelse=b)


def _idempotent(stmt: ast.stmt) -> bool:
    """Running it twice in a row does what running it once does."""
    if isinstance(stmt, ast.Return | ast.Break):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        f = stmt.value.func
        return isinstance(f, ast.Attribute) and f.attr in ("add", "discard")
    return sets_flag(stmt)


@rewrite("perf.nested_in_set", weight=0.65, source="PerformanceTips (membership in a loop -> set)",
         example=("def f(a, b):\n    r = set()\n    for x in a:\n        for y in b:\n"
                  "            if x == y:\n                r.add(x)\n    return r\n",
                  "def f(a, b):\n    r = set()\n    _b_set = set(b)\n    for x in a:\n"
                  "        if x in _b_set:\n            r.add(x)\n    return r\n"))  # fmt: skip
def nested_in_set(func: ast.FunctionDef) -> Rewritten | None:
    """An inner loop looking for an element equal to the outer one -> one set lookup (the
    set built once before the outer loop; the action must be idempotent)."""
    for seq, i, outer in loops(func):
        if not isinstance(outer, ast.For) or outer.orelse:
            continue
        for j, inner in enumerate(outer.body):
            if not (isinstance(inner, ast.For) and isinstance(inner.target, ast.Name)
                    and isinstance(inner.iter, ast.Name)):  # fmt: skip
                continue
            parts = _loop_parts(inner)
            if parts is None or parts[0] is None:
                continue
            cond, stmt = parts
            var, coll = inner.target.id, inner.iter.id
            if not (isinstance(cond, ast.Compare) and len(cond.ops) == 1
                    and isinstance(cond.ops[0], ast.Eq)):  # fmt: skip
                continue
            left, right = cond.left, cond.comparators[0]
            other = right if _name(left, var) else left if _name(right, var) else None
            if other is None or var in names_read([other, stmt]) or not _idempotent(stmt):
                continue
            if has_flow([stmt], (ast.Break,)) or used_after(func, outer.body, j, var):
                continue
            if coll in names_mutated([outer]) - {var}:
                continue
            name = f"_{coll}_set"
            test = ast.Compare(left=copy.deepcopy(other), ops=[ast.In()], comparators=[_load(name)])
            outer.body[j] = ast.If(test=test, body=[stmt], orelse=[])
            seq.insert(i, ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())],
                                     value=_call(_load("set"), _load(coll))))  # fmt: skip
            return func, ()
    return None
