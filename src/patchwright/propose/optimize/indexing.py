"""Index loops: ``for i in range(len(s))`` whose body only reads ``s[i]`` iterates over
``s`` itself (a slice for a start or a step) instead of indexing it on every turn (ruff
PLC0200/FURB148's family, perflint's "use the sequence, not its indices")."""

from __future__ import annotations

import ast

from patchwright.propose.optimize.analysis import fresh, loops, names_mutated, used_after
from patchwright.propose.optimize.registry import Rewritten, rewrite


def _int(n: ast.AST | None, *, positive: bool = False) -> bool:
    ok = isinstance(n, ast.Constant) and type(n.value) is int
    return ok and (not positive or n.value > 0)  # type: ignore[union-attr]


def _over(loop: ast.For) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    """(sequence name, start, step) of ``range([start,] len(s)[, step])``, else None."""
    it = loop.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            and not it.keywords and 1 <= len(it.args) <= 3):  # fmt: skip
        return None
    args = it.args
    stop = args[0] if len(args) == 1 else args[1]
    if not (isinstance(stop, ast.Call) and isinstance(stop.func, ast.Name) and stop.func.id == "len"
            and len(stop.args) == 1 and isinstance(stop.args[0], ast.Name) and not stop.keywords):  # fmt: skip
        return None
    start = args[0] if len(args) >= 2 else None
    step = args[2] if len(args) == 3 else None
    if (start is not None and not _int(start)) or (step is not None and not _int(step, positive=True)):
        return None
    if start is not None and start.value < 0:  # type: ignore[attr-defined]
        return None
    return stop.args[0].id, start, step


class _Index(ast.NodeTransformer):
    def __init__(self, seq: str, var: str, name: str) -> None:
        self.seq, self.var, self.name = seq, var, name

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if (isinstance(node.value, ast.Name) and node.value.id == self.seq
                and isinstance(node.slice, ast.Name) and node.slice.id == self.var):  # fmt: skip
            return ast.Name(id=self.name, ctx=ast.Load())
        self.generic_visit(node)
        return node


@rewrite("perf.index_loop", weight=0.45, source="ruff PLC0200 / FURB148 (loop over the sequence, not its indices)",
         example=("def f(s):\n    n = 0\n    for i in range(0, len(s), 2):\n        if s[i] == 'a':\n"
                  "            n += 1\n    return n\n",
                  "def f(s):\n    n = 0\n    for _c in s[::2]:\n        if _c == 'a':\n"
                  "            n += 1\n    return n\n"))  # fmt: skip
def index_loop(func: ast.FunctionDef) -> Rewritten | None:
    """``for i in range(a, len(s), k)`` reading ``i`` only as ``s[i]`` -> ``for c in s[a::k]``."""
    for seq, i, loop in loops(func):
        if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name) or loop.orelse:
            continue
        over = _over(loop)
        if over is None:
            continue
        name, start, step = over
        var = loop.target.id
        uses = [n for n in ast.walk(loop) if isinstance(n, ast.Name) and n.id == var]
        reads = [n for top in loop.body for n in ast.walk(top)
                 if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)
                 and n.value.id == name and isinstance(n.slice, ast.Name) and n.slice.id == var
                 and isinstance(n.ctx, ast.Load)]  # fmt: skip
        if not reads or len(uses) != len(reads) + 1:  # the target, and each read s[i]
            continue
        if name in names_mutated(loop.body) or used_after(func, seq, i, var):
            continue
        elem = fresh(func, "c")
        body = [_Index(name, var, elem).visit(s) for s in loop.body]
        it: ast.expr = ast.Name(id=name, ctx=ast.Load())
        if start is not None and start.value == 0:  # type: ignore[attr-defined]
            start = None
        if start is not None or step is not None:
            it = ast.Subscript(value=it, slice=ast.Slice(lower=start, upper=None, step=step),
                               ctx=ast.Load())  # fmt: skip
        seq[i] = ast.For(target=ast.Name(id=elem, ctx=ast.Store()), iter=it, body=body, orelse=[],
                         type_comment=None)  # fmt: skip
        return func, ()
    return None
