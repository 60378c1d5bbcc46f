"""Index loops: ``for i in range(len(s))`` whose body only reads ``s[i]`` iterates over
``s`` itself (a slice for a start or a step) instead of indexing it on every turn (ruff
PLC0200/FURB148's family, perflint's "use the sequence, not its indices")."""

from __future__ import annotations

import ast

from patchwright.propose.optimize.analysis import (
    fresh,
    int_const,
    loops,
    names_mutated,
    params,
    range_args,
    used_after,
)
from patchwright.propose.optimize.registry import Rewritten, rewrite


def _is_len(n: ast.AST | None) -> bool:
    """``len(name)``."""
    return (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len"
            and len(n.args) == 1 and not n.keywords and isinstance(n.args[0], ast.Name))  # fmt: skip


def nonneg(n: ast.AST | None, counters: set[str]) -> bool:
    """``n`` is an int >= 0 whenever it is evaluated: a constant, ``len(x)``, a name in
    ``counters``, or sums, products and floor quotients (by a positive constant) of those."""
    if isinstance(n, ast.Constant):
        return type(n.value) is int and n.value >= 0
    if isinstance(n, ast.Name):
        return n.id in counters
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add | ast.Mult):
        return nonneg(n.left, counters) and nonneg(n.right, counters)
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.FloorDiv):
        return nonneg(n.left, counters) and int_const(n.right, positive=True)
    return _is_len(n)


def counters(func: ast.FunctionDef) -> set[str]:
    """Names bound only as targets of ``for v in range(...)`` loops whose start is >= 0 (the
    only stores of the name in ``func``; not a parameter): never negative when read."""
    loops_of: dict[str, list[ast.expr | None]] = {}
    stores: dict[str, int] = {}
    for n in ast.walk(func):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            stores[n.id] = stores.get(n.id, 0) + 1
        elif isinstance(n, ast.For) and isinstance(n.target, ast.Name):
            args = range_args(n.iter)
            if args is not None and (len(args) < 3 or int_const(args[2], positive=True)):
                loops_of.setdefault(n.target.id, []).append(args[0] if len(args) > 1 else None)
    own = params(func)
    bound = {name for name, starts in loops_of.items()
             if stores.get(name) == len(starts) and name not in own}  # fmt: skip
    out: set[str] = set()
    while True:  # a start may be another counter plus one
        more = {v for v in bound - out if all(s is None or nonneg(s, out) for s in loops_of[v])}
        if not more:
            return out
        out |= more


def _over(loop: ast.For, counted: set[str]) -> tuple[str, ast.expr | None, ast.expr | None, ast.expr | None] | None:
    """(sequence name, start, stop, step) of ``range([start,] len(s)[ // c][, step])`` with a
    start that is never negative and a positive constant step (stop None for ``len(s)``)."""
    args = range_args(loop.iter)
    if args is None:
        return None
    stop = args[0] if len(args) == 1 else args[1]
    upper: ast.expr | None = None
    if (isinstance(stop, ast.BinOp) and isinstance(stop.op, ast.FloorDiv) and _is_len(stop.left)
            and int_const(stop.right, positive=True)):  # fmt: skip
        upper, length = stop, stop.left
    elif _is_len(stop):
        length = stop
    else:
        return None
    start = args[0] if len(args) >= 2 else None
    step = args[2] if len(args) == 3 else None
    if (start is not None and not nonneg(start, counted)) or (step is not None and not int_const(step, positive=True)):
        return None
    if int_const(start) and start.value == 0:  # type: ignore[union-attr]
        start = None
    return length.args[0].id, start, upper, step  # type: ignore[attr-defined]


def _from_end(index: ast.AST, seq: str, var: str) -> bool:
    """``len(s) - 1 - i``, ``len(s) - i - 1``, ``-1 - i``, ``-i - 1`` or ``~i``: the i-th
    element from the end (for ``0 <= i < len(s)``)."""
    return ast.unparse(index) in (f"len({seq}) - 1 - {var}", f"len({seq}) - {var} - 1",
                                  f"-1 - {var}", f"-{var} - 1", f"~{var}")  # fmt: skip


class _Index(ast.NodeTransformer):
    """``s[i]`` -> ``name``; ``s[len(s) - 1 - i]`` (and the same from the end) -> ``back``."""

    def __init__(self, seq: str, var: str, name: str, back: str = "") -> None:
        self.seq, self.var, self.name, self.back = seq, var, name, back

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == self.seq:
            if isinstance(node.slice, ast.Name) and node.slice.id == self.var:
                return ast.Name(id=self.name, ctx=ast.Load())
            if self.back and _from_end(node.slice, self.seq, self.var):
                return ast.Name(id=self.back, ctx=ast.Load())
        self.generic_visit(node)
        return node


def _reads(loop: ast.For, seq: str, var: str) -> tuple[int, int]:
    """How many loads ``s[i]`` and ``s[<i from the end>]`` the loop's body makes."""
    ahead = back = 0
    for top in loop.body:
        for n in ast.walk(top):
            if (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == seq
                    and isinstance(n.ctx, ast.Load)):  # fmt: skip
                if isinstance(n.slice, ast.Name) and n.slice.id == var:
                    ahead += 1
                elif _from_end(n.slice, seq, var):
                    back += 1
    return ahead, back


def _sliced(value: ast.expr, start: ast.expr | None, stop: ast.expr | None,
            step: ast.expr | None) -> ast.expr:  # fmt: skip
    if start is None and stop is None and step is None:
        return value
    return ast.Subscript(value=value, slice=ast.Slice(lower=start, upper=stop, step=step),
                         ctx=ast.Load())  # fmt: skip


@rewrite("perf.index_loop", weight=0.45, source="ruff PLC0200 / FURB148 (loop over the sequence, not its indices)",
         example=("def f(s):\n    n = 0\n    for i in range(0, len(s), 2):\n        if s[i] == 'a':\n"
                  "            n += 1\n    return n\n",
                  "def f(s):\n    n = 0\n    for _c in s[::2]:\n        if _c == 'a':\n"
                  "            n += 1\n    return n\n"))  # fmt: skip
def index_loop(func: ast.FunctionDef) -> Rewritten | None:
    """``for i in range(a, len(s), k)`` reading ``i`` only as ``s[i]`` (or from the end,
    ``s[len(s) - 1 - i]``) -> ``for c in s[a::k]`` (``zip`` with ``s[::-1][a::k]``)."""
    counted = counters(func)
    for seq, i, loop in loops(func):
        if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name) or loop.orelse:
            continue
        over = _over(loop, counted)
        if over is None:
            continue
        name, start, stop, step = over
        var = loop.target.id
        uses = [n for n in ast.walk(loop) if isinstance(n, ast.Name) and n.id == var]
        ahead, back = _reads(loop, name, var)
        if not ahead + back or len(uses) != ahead + back + 1:  # the target, and each read
            continue
        if name in names_mutated(loop.body) or used_after(func, seq, i, var):
            continue
        elem = fresh(func, "c")
        last = fresh(func, "d") if back else ""
        body = [_Index(name, var, elem, last).visit(s) for s in loop.body]
        forward = _sliced(ast.Name(id=name, ctx=ast.Load()), start, stop, step)
        backward = _sliced(ast.parse(f"{name}[::-1]", mode="eval").body, start, stop, step)
        target: ast.expr
        if ahead and back:
            target = ast.Tuple(elts=[ast.Name(id=elem, ctx=ast.Store()), ast.Name(id=last, ctx=ast.Store())],
                               ctx=ast.Store())  # fmt: skip
            it: ast.expr = ast.Call(func=ast.Name(id="zip", ctx=ast.Load()), args=[forward, backward],
                                    keywords=[])  # fmt: skip
        elif back:
            target, it = ast.Name(id=last, ctx=ast.Store()), backward
        else:
            target, it = ast.Name(id=elem, ctx=ast.Store()), forward
        seq[i] = ast.For(target=target, iter=it, body=body, orelse=[], type_comment=None)
        return func, ()
    return None
