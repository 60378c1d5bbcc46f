"""Loop-invariant code motion: a pure call whose arguments the loop never changes is
computed once before the loop (perflint W8201/W8202's family, the wiki's 'avoid
re-computation in loops'); ``xs.count(v)`` in a loop over an unchanged list -> one
``collections.Counter`` before it (the nested-counting pattern)."""

from __future__ import annotations

import ast

from patchwright.propose.optimize.analysis import (
    PURE_BUILTINS,
    PURE_MODULES,
    fresh,
    loops,
    names_mutated,
    names_stored,
)
from patchwright.propose.optimize.registry import Rewritten, rewrite

_HOISTABLE = PURE_BUILTINS - {"range", "enumerate", "zip", "reversed", "list", "dict", "set",
                              "any", "all", "isinstance", "bool"}  # fmt: skip
"""Calls worth computing once: their value is immutable or only read (sorted's list too)."""


def _pure_call(n: ast.AST) -> bool:
    if not isinstance(n, ast.Call) or (n.keywords and not all(k.arg for k in n.keywords)):
        return False
    f = n.func
    if isinstance(f, ast.Name):
        return f.id in _HOISTABLE
    return isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in PURE_MODULES


def _simple(n: ast.AST) -> bool:
    """Only names, constants, operators and pure calls."""
    ok = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop,
          ast.expr_context, ast.Call, ast.keyword, ast.Attribute, ast.Tuple)  # fmt: skip
    for x in ast.walk(n):
        if not isinstance(x, ok) or (isinstance(x, ast.Call) and not _pure_call(x)):
            return False
        if isinstance(x, ast.Attribute) and not (isinstance(x.value, ast.Name)
                                                 and x.value.id in PURE_MODULES):  # fmt: skip
            return False
    return True


def _invariant_calls(loop: ast.For | ast.While) -> list[ast.Call]:
    changed = names_mutated([loop])
    inner = [loop.test] if isinstance(loop, ast.While) else []
    inner += loop.body
    found: list[ast.Call] = []
    skip: set[int] = set()
    for top in inner:
        for n in ast.walk(top):
            if isinstance(n, ast.Lambda | ast.FunctionDef | ast.GeneratorExp | ast.ListComp
                          | ast.SetComp | ast.DictComp):  # fmt: skip
                skip.update(id(x) for x in ast.walk(n))  # their own scope: names differ
            if id(n) in skip or not _pure_call(n) or not _simple(n):
                continue
            names = {x.id for x in ast.walk(n) if isinstance(x, ast.Name)}
            args = names - {n.func.id} if isinstance(n.func, ast.Name) else names - PURE_MODULES
            if args and not args & changed:
                found.append(n)
                skip.update(id(x) for x in ast.walk(n))
    return found


class _Replace(ast.NodeTransformer):
    def __init__(self, mapping: dict[int, str]) -> None:
        self.mapping = mapping

    def visit(self, node: ast.AST) -> ast.AST:
        name = self.mapping.get(id(node))
        if name is not None:
            return ast.Name(id=name, ctx=ast.Load())
        return super().visit(node)


@rewrite("perf.hoist", weight=0.5, source="perflint W8201/W8202 (loop-invariant code)",
         example=("def f(xs, ys):\n    for x in xs:\n        if x < len(ys):\n"
                  "            print(x)\n",
                  "def f(xs, ys):\n    _h = len(ys)\n    for x in xs:\n        if x < _h:\n"
                  "            print(x)\n"))  # fmt: skip
def hoist(func: ast.FunctionDef) -> Rewritten | None:
    """Pure calls of names a loop never changes are computed once, before the loop."""
    for seq, i, loop in loops(func):
        calls = _invariant_calls(loop)
        if not calls:
            continue
        mapping: dict[int, str] = {}
        by_text: dict[str, str] = {}
        assigns: list[ast.stmt] = []
        for c in calls:
            text = ast.unparse(c)
            if text not in by_text:
                by_text[text] = fresh(func, "h") if not by_text else f"{fresh(func, 'h')}{len(by_text)}"
                assigns.append(ast.Assign(targets=[ast.Name(id=by_text[text], ctx=ast.Store())],
                                          value=c))  # fmt: skip
            mapping[id(c)] = by_text[text]
        new_loop = _Replace(mapping).visit(loop)
        assert isinstance(new_loop, ast.stmt)
        seq[i:i + 1] = [*assigns, new_loop]
        return func, ()
    return None


def _list_names(func: ast.FunctionDef) -> set[str]:
    """Names that hold lists: built by a list display, comprehension, list(), sorted() or
    str.split(), or annotated as list/List[...] parameters."""
    out: set[str] = set()
    for a in func.args.args:
        ann = a.annotation
        base = ann.value if isinstance(ann, ast.Subscript) else ann
        if isinstance(base, ast.Name) and base.id in ("list", "List"):
            out.add(a.arg)
    for n in ast.walk(func):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            v = n.value
            listy = isinstance(v, ast.List | ast.ListComp) or (
                isinstance(v, ast.Call) and (
                    (isinstance(v.func, ast.Name) and v.func.id in ("list", "sorted"))
                    or (isinstance(v.func, ast.Attribute) and v.func.attr in ("split", "rsplit"))
                )
            )  # fmt: skip
            if listy:
                out.add(n.targets[0].id)
    stored_twice = [n.id for n in ast.walk(func)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]  # fmt: skip
    return {x for x in out if stored_twice.count(x) <= 1}


@rewrite("perf.counter", weight=0.7, source="PerformanceTips (nested counting -> Counter)",
         example=("def f(xs: list):\n    for x in xs:\n        print(xs.count(x))\n",
                  "import collections\n\ndef f(xs: list):\n    _xs_counts = collections.Counter(xs)\n"
                  "    for x in xs:\n        print(_xs_counts[x])\n"))  # fmt: skip
def counter(func: ast.FunctionDef) -> Rewritten | None:
    """``xs.count(v)`` inside a loop that leaves the list ``xs`` alone -> a Counter lookup."""
    lists = _list_names(func)
    for seq, i, loop in loops(func):
        changed = names_stored([loop]) | _mutating_calls(loop)
        hits: dict[int, str] = {}
        names: list[str] = []
        for n in ast.walk(loop):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "count" and isinstance(n.func.value, ast.Name)
                    and n.func.value.id in lists and n.func.value.id not in changed
                    and len(n.args) == 1 and not n.keywords):  # fmt: skip
                name = f"_{n.func.value.id}_counts"
                hits[id(n)] = name
                if name not in names:
                    names.append(name)
        if not hits:
            continue
        t = _CountToLookup(hits)
        new_loop = t.visit(loop)
        assert isinstance(new_loop, ast.stmt)
        setup = [ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())],
                            value=ast.Call(func=ast.Attribute(value=ast.Name(id="collections", ctx=ast.Load()),
                                                              attr="Counter", ctx=ast.Load()),
                                           args=[ast.Name(id=name[1:-len("_counts")], ctx=ast.Load())],
                                           keywords=[]))
                 for name in names]  # fmt: skip
        seq[i:i + 1] = [*setup, new_loop]
        return func, ("import collections",)
    return None


def _mutating_calls(loop: ast.AST) -> set[str]:
    return {n.func.value.id for n in ast.walk(loop)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name) and n.func.attr != "count"}  # fmt: skip


class _CountToLookup(ast.NodeTransformer):
    def __init__(self, hits: dict[int, str]) -> None:
        self.hits = hits

    def visit_Call(self, node: ast.Call) -> ast.AST:
        name = self.hits.get(id(node))
        if name is None:
            self.generic_visit(node)
            return node
        return ast.Subscript(value=ast.Name(id=name, ctx=ast.Load()), slice=node.args[0],
                             ctx=ast.Load())  # fmt: skip
