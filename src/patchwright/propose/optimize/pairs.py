"""Pair rewrites from the algorithm catalogues: a loop over all ordered pairs ``(i, j)``,
``i != j``, of one sequence whose body sees the two items only through symmetric
expressions visits each unordered pair twice; visiting ``j > i`` only is the same
computation in half the steps, when a second visit of a pair cannot change anything.

A second visit is a no-op when the body only (1) assigns temporaries, (2) returns, (3)
updates a tracked extreme under a strict comparison with the value it stores (``if d <
best: best = d; ...``: after the first visit ``best <= d``, so the strict test fails), or
(4) initialises under ``V is None`` a value it then sets. The first visits come in the same
order either way (pair {p, q}, p < q, is first met at ``(p, q)``), so ties break alike.
"""

from __future__ import annotations

import ast
import copy

from patchwright.propose.optimize.analysis import loops, names_mutated
from patchwright.propose.optimize.registry import Rewritten, rewrite

_SYM = "_pw_symmetric"


def _is(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


class _Symmetric(ast.NodeTransformer):
    """Replaces the expressions that are symmetric in (a, b) by a placeholder."""

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b

    def _pair(self, x: ast.AST, y: ast.AST) -> bool:
        return (_is(x, self.a) and _is(y, self.b)) or (_is(x, self.b) and _is(y, self.a))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        f = node.func
        name = f.id if isinstance(f, ast.Name) else ""
        args = node.args
        if not node.keywords and len(args) == 1 and name == "abs":
            e = args[0]
            if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Sub) and self._pair(e.left, e.right):
                return ast.Name(id=_SYM, ctx=ast.Load())
        if not node.keywords and len(args) == 2 and name in ("min", "max") and self._pair(*args):
            return ast.Name(id=_SYM, ctx=ast.Load())
        if not node.keywords and len(args) == 1 and name in ("sorted", "set", "frozenset"):
            e = args[0]
            if isinstance(e, ast.List | ast.Tuple | ast.Set) and len(e.elts) == 2 and self._pair(*e.elts):
                return ast.Name(id=_SYM, ctx=ast.Load())
        return self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        if (len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq)
                and self._pair(node.left, node.comparators[0])):  # fmt: skip
            return ast.Name(id=_SYM, ctx=ast.Load())
        return self.generic_visit(node)


def _symmetric(e: ast.AST, a: str, b: str, hidden: set[str]) -> bool:
    """``e`` reads ``a`` and ``b`` only inside symmetric expressions, and none of ``hidden``."""
    done = _Symmetric(a, b).visit(copy.deepcopy(e))
    return not any(isinstance(n, ast.Name) and n.id in {a, b, *hidden} for n in ast.walk(done))


def _strict_update(test: ast.expr, body: list[ast.stmt]) -> bool:
    """``X < V`` / ``X > V`` / ``V < X`` / ``V > X`` with ``V = X`` in ``body``; or
    ``V is None`` with ``V`` set in ``body``."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    left, op, right = test.left, test.ops[0], test.comparators[0]
    sets = {ast.dump(s.value): s.targets[0].id for s in body  # value -> the name it is stored in
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)}  # fmt: skip
    if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value is None:
        return isinstance(left, ast.Name) and left.id in sets.values() and not any(
            isinstance(s.value, ast.Constant) and s.value.value is None
            for s in body if isinstance(s, ast.Assign)
        )  # fmt: skip
    if not isinstance(op, ast.Lt | ast.Gt):
        return False
    return any(isinstance(v, ast.Name) and sets.get(ast.dump(x)) == v.id
               for x, v in ((left, right), (right, left)))  # fmt: skip


def _idempotent(stmts: list[ast.stmt], a: str, b: str, hidden: set[str], temps: set[str],
                guarded: bool, state: frozenset[str] = frozenset()) -> bool:  # fmt: skip
    """Each statement is a no-op on a second visit of a pair (see the module's notes);
    ``state``: names the body stores that are no temporaries (a return may not hang on
    them: they may have moved between the two visits)."""
    for s in stmts:
        if isinstance(s, ast.Assign):
            if not (all(isinstance(t, ast.Name) for t in s.targets) and _symmetric(s.value, a, b, hidden)):
                return False
            if not guarded and not all(t.id in temps for t in s.targets if isinstance(t, ast.Name)):
                return False
        elif isinstance(s, ast.Return):
            if s.value is not None and not _symmetric(s.value, a, b, hidden):
                return False
        elif isinstance(s, ast.If):
            if not _symmetric(s.test, a, b, hidden):
                return False
            returns = any(isinstance(n, ast.Return) for n in ast.walk(s))
            if returns and any(isinstance(n, ast.Name) and n.id in state for n in ast.walk(s.test)):
                return False
            inner = guarded or _strict_update(s.test, s.body)
            if not (_idempotent(s.body, a, b, hidden, temps, inner, state)
                    and _idempotent(s.orelse, a, b, hidden, temps, guarded, state)):  # fmt: skip
                return False
        else:
            return False
    return True


def _temps(func: ast.FunctionDef, outer: ast.For, body: list[ast.stmt]) -> set[str]:
    """Names the body stores that nothing outside the loop nest reads or writes and whose
    first mention in the body is a store (values of one visit only)."""
    inside = {id(n) for n in ast.walk(outer)}
    outside = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and id(n) not in inside}
    first: dict[str, bool] = {}
    for n in _in_order(body):
        first.setdefault(n.id, isinstance(n.ctx, ast.Store))
    return {name for name, store in first.items() if store and name not in outside}


def _in_order(nodes: list[ast.stmt] | list[ast.expr]) -> list[ast.Name]:
    """The names of ``nodes`` in the order they are evaluated (an assignment's value before
    its targets; an augmented target is read first)."""
    out: list[ast.Name] = []
    for node in nodes:
        if isinstance(node, ast.Assign):
            out += _in_order([node.value]) + _in_order(node.targets)
        elif isinstance(node, ast.AugAssign):
            read = ast.Name(id=getattr(node.target, "id", ""), ctx=ast.Load())
            out += [read, *_in_order([node.value])]
        elif isinstance(node, ast.Name):
            out.append(node)
        else:
            kids = list(ast.iter_child_nodes(node))
            out += _in_order(kids)  # type: ignore[arg-type]
    return out


def _stored(body: list[ast.stmt]) -> set[str]:
    return {n.id for s in body for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _pair_loops(outer: ast.For) -> tuple[str, str, str, str, str] | None:
    """(seq, i, a, j, b) for ``for i, a in enumerate(S): for j, b in enumerate(S): if i != j:``,
    or ``for i in range(len(S)): for j in range(len(S)): if i != j:`` (a, b are '' there)."""
    if not (len(outer.body) == 1 and isinstance(outer.body[0], ast.For) and not outer.orelse):
        return None
    inner = outer.body[0]
    if inner.orelse:
        return None
    heads = []
    for loop in (outer, inner):
        it, tgt = loop.iter, loop.target
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and len(it.args) == 1
                and not it.keywords):  # fmt: skip
            return None
        if (it.func.id == "enumerate" and isinstance(it.args[0], ast.Name) and isinstance(tgt, ast.Tuple)
                and len(tgt.elts) == 2 and all(isinstance(e, ast.Name) for e in tgt.elts)):  # fmt: skip
            heads.append((it.args[0].id, tgt.elts[0].id, tgt.elts[1].id))  # type: ignore[attr-defined]
        elif (it.func.id == "range" and isinstance(it.args[0], ast.Call) and _is(it.args[0].func, "len")
              and len(it.args[0].args) == 1 and isinstance(it.args[0].args[0], ast.Name)
              and isinstance(tgt, ast.Name)):  # fmt: skip
            heads.append((it.args[0].args[0].id, tgt.id, ""))
        else:
            return None
    (s1, i, a), (s2, j, b) = heads
    if s1 != s2 or i == j or bool(a) != bool(b) or len({i, j, a, b} - {""}) != (4 if a else 2):
        return None
    return s1, i, a, j, b


class _Items(ast.NodeTransformer):
    """``S[i]`` / ``S[j]`` -> placeholders named a / b (range form)."""

    def __init__(self, seq: str, i: str, j: str) -> None:
        self.seq, self.map = seq, {i: "_pw_a", j: "_pw_b"}

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if _is(node.value, self.seq) and isinstance(node.slice, ast.Name) and node.slice.id in self.map:
            return ast.Name(id=self.map[node.slice.id], ctx=ast.Load())
        return self.generic_visit(node)


@rewrite("perf.pairs_once", weight=0.6,
         source="algorithm catalogues: enumerate each unordered pair once (symmetric relation)",
         example=("def f(xs, t):\n    for i, a in enumerate(xs):\n        for j, b in enumerate(xs):\n"
                  "            if i != j:\n                if abs(a - b) < t:\n"
                  "                    return True\n    return False\n",
                  "def f(xs, t):\n    for i, a in enumerate(xs):\n"
                  "        for j, b in enumerate(xs[i + 1:], i + 1):\n"
                  "            if abs(a - b) < t:\n                return True\n    return False\n"))  # fmt: skip
def pairs_once(func: ast.FunctionDef) -> Rewritten | None:
    """All ordered pairs ``i != j`` of one sequence with a symmetric, revisit-proof body ->
    the pairs ``j > i`` only."""
    for _seq, _at, outer in loops(func):
        if not isinstance(outer, ast.For):
            continue
        found = _pair_loops(outer)
        if found is None:
            continue
        seq, i, a, j, b = found
        inner = outer.body[0]
        assert isinstance(inner, ast.For)
        guard = inner.body[0] if len(inner.body) == 1 else None
        if not (isinstance(guard, ast.If) and not guard.orelse and isinstance(guard.test, ast.Compare)
                and len(guard.test.ops) == 1 and isinstance(guard.test.ops[0], ast.NotEq)
                and {getattr(guard.test.left, "id", ""), getattr(guard.test.comparators[0], "id", "")}
                == {i, j}):  # fmt: skip
            continue
        if seq in names_mutated([outer]):
            continue
        body = guard.body
        checked = body
        pa, pb = a, b
        if not a:  # range form: the items are S[i] and S[j]
            checked = [_Items(seq, i, j).visit(copy.deepcopy(s)) for s in body]
            pa, pb = "_pw_a", "_pw_b"
        temps = _temps(func, outer, body)
        state = frozenset(_stored(body) - temps)
        if not _idempotent(checked, pa, pb, {i, j}, temps, False, state):
            continue
        start = ast.BinOp(left=ast.Name(id=i, ctx=ast.Load()), op=ast.Add(), right=ast.Constant(1))
        if a:
            rest = ast.Subscript(value=ast.Name(id=seq, ctx=ast.Load()),
                                 slice=ast.Slice(lower=copy.deepcopy(start)), ctx=ast.Load())  # fmt: skip
            inner.iter = ast.Call(func=ast.Name(id="enumerate", ctx=ast.Load()), args=[rest, start],
                                  keywords=[])  # fmt: skip
        else:
            assert isinstance(inner.iter, ast.Call)
            inner.iter.args = [start, inner.iter.args[0]]
        inner.body = body
        return func, ()
    return None
