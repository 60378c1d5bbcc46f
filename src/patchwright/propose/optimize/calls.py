"""Rewrites of single expressions and statements: membership in a literal list -> a set
literal (ruff PLR6201, perflint W8201), ``sorted(x)[0]`` -> ``min(x)`` (ruff FURB192),
``xs += [v]`` -> ``xs.append(v)`` (perflint, FURB113's family)."""

from __future__ import annotations

import ast

from patchwright.propose.optimize.analysis import bound_names, loops
from patchwright.propose.optimize.registry import Rewritten, rewrite


def _hashable_literals(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.List | ast.Tuple)
        and len(node.elts) >= 2
        and all(isinstance(e, ast.Constant) and type(e.value) in (str, int, bytes)
                for e in node.elts)
    )  # fmt: skip


@rewrite("perf.literal_set", weight=0.6, source="ruff PLR6201 (literal-membership)",
         example=("def f(c):\n    return c in ['a', 'e']\n",
                  "def f(c):\n    return c in {'a', 'e'}\n"))  # fmt: skip
def literal_set(func: ast.FunctionDef) -> Rewritten | None:
    """``x in [consts]`` -> ``x in {consts}`` (a hashed lookup; CPython folds it)."""
    changed = False
    for n in ast.walk(func):
        if isinstance(n, ast.Compare):
            for i, (op, right) in enumerate(zip(n.ops, n.comparators, strict=True)):
                if isinstance(op, ast.In | ast.NotIn) and _hashable_literals(right):
                    assert isinstance(right, ast.List | ast.Tuple)
                    n.comparators[i] = ast.Set(elts=right.elts)
                    changed = True
    return (func, ()) if changed else None


def _sorted_call(node: ast.AST) -> ast.Call | None:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "sorted" and len(node.args) == 1
            and all(k.arg in ("key", "reverse") for k in node.keywords)):  # fmt: skip
        return node
    return None


class _SortedIndex(ast.NodeTransformer):
    changed = False

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        call = _sorted_call(node.value)
        if call is None or not isinstance(node.slice, ast.Constant | ast.UnaryOp):
            return node
        idx = ast.literal_eval(node.slice) if _literal(node.slice) else None
        if idx not in (0, -1):
            return node
        keys = {k.arg: k.value for k in call.keywords}
        rev = keys.get("reverse")
        if rev is not None and not (isinstance(rev, ast.Constant) and isinstance(rev.value, bool)):
            return node
        reverse = bool(rev.value) if isinstance(rev, ast.Constant) else False
        if idx == -1 and "key" in keys:
            return node  # ties: sorted(...)[-1] is the last of the equal keys, max the first
        fn = "max" if (idx == -1) != reverse else "min"
        if idx == -1 and reverse:
            return node
        kws = [k for k in call.keywords if k.arg == "key"]
        self.changed = True
        return ast.Call(func=ast.Name(id=fn, ctx=ast.Load()), args=call.args, keywords=kws)


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


@rewrite("perf.sorted_min", weight=0.7, source="ruff FURB192 (sorted-min-max)",
         example=("def f(x):\n    return sorted(x)[0]\n", "def f(x):\n    return min(x)\n"))
def sorted_min(func: ast.FunctionDef) -> Rewritten | None:
    """``sorted(x, key=k)[0]`` -> ``min(x, key=k)`` (reverse: max; ``[-1]`` without key: max)."""
    t = _SortedIndex()
    t.visit(func)
    return (func, ()) if t.changed else None


@rewrite("perf.append", weight=0.3, source="perflint / FURB113 (repeated-append)",
         example=("def f(r, x):\n    r += [x]\n", "def f(r, x):\n    r.append(x)\n"))
def append_one(func: ast.FunctionDef) -> Rewritten | None:
    """``xs += [v]`` -> ``xs.append(v)`` (no one-element list built per call)."""
    changed = False
    for n in ast.walk(func):
        for attr in ("body", "orelse", "finalbody"):
            seq = getattr(n, attr, None)
            if not isinstance(seq, list):
                continue
            for i, s in enumerate(seq):
                if (isinstance(s, ast.AugAssign) and isinstance(s.op, ast.Add)
                        and isinstance(s.target, ast.Name) and isinstance(s.value, ast.List)
                        and len(s.value.elts) == 1
                        and not isinstance(s.value.elts[0], ast.Starred)):  # fmt: skip
                    call = ast.Call(func=ast.Attribute(value=ast.Name(id=s.target.id, ctx=ast.Load()),
                                                       attr="append", ctx=ast.Load()),
                                    args=[s.value.elts[0]], keywords=[])  # fmt: skip
                    seq[i] = ast.Expr(value=call)
                    changed = True
    return (func, ()) if changed else None


_MAPPABLE = frozenset({"abs", "bin", "chr", "float", "hex", "int", "len", "oct", "ord", "str"})
"""Builtins of one argument that ``map`` calls without a Python frame per element."""
_CONSUMERS = frozenset({"all", "any", "list", "max", "min", "set", "sorted", "sum", "tuple"})


def _mapped(gen: ast.AST, local: set[str]) -> ast.Call | None:
    """``f(x) for x in xs`` (f a builtin above, not shadowed) -> ``map(f, xs)``, else None."""
    if not isinstance(gen, ast.GeneratorExp | ast.ListComp) or len(gen.generators) != 1:
        return None
    g = gen.generators[0]
    elt = gen.elt
    if (g.ifs or g.is_async or not isinstance(g.target, ast.Name) or not isinstance(elt, ast.Call)
            or not isinstance(elt.func, ast.Name) or elt.func.id not in _MAPPABLE
            or elt.func.id in local or elt.keywords or len(elt.args) != 1
            or not isinstance(elt.args[0], ast.Name) or elt.args[0].id != g.target.id):  # fmt: skip
        return None
    return ast.Call(func=ast.Name(id="map", ctx=ast.Load()),
                    args=[ast.Name(id=elt.func.id, ctx=ast.Load()), g.iter], keywords=[])  # fmt: skip


@rewrite("perf.map_builtin", weight=0.4, source="PerformanceTips (map with a builtin, no Python-level loop)",
         example=("def f(xs):\n    return sum(len(x) for x in xs)\n",
                  "def f(xs):\n    return sum(map(len, xs))\n"))  # fmt: skip
def map_builtin(func: ast.FunctionDef) -> Rewritten | None:
    """``sum(f(x) for x in xs)`` (any/all/min/max/sorted/set/list/tuple/str.join too) with
    ``f`` a one-argument builtin -> ``sum(map(f, xs))``."""
    local = bound_names(func)
    if "map" in local:
        return None
    changed = False
    for n in ast.walk(func):
        if not isinstance(n, ast.Call) or not n.args:
            continue
        f = n.func
        consumer = (isinstance(f, ast.Name) and f.id in _CONSUMERS and f.id not in local) or (
            isinstance(f, ast.Attribute) and f.attr == "join" and isinstance(f.value, ast.Constant)
            and isinstance(f.value.value, str))  # fmt: skip
        if not consumer:
            continue
        new = _mapped(n.args[0], local)
        if new is not None:
            n.args[0] = new
            changed = True
    return (func, ()) if changed else None


def _two_plain(n: ast.AST, local: set[str]) -> tuple[str, ast.expr, ast.expr] | None:
    """(``max``/``min``, a, b) of ``max(a, b)`` with a and b names or constants."""
    if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("max", "min")
            and n.func.id not in local and not n.keywords and len(n.args) == 2):  # fmt: skip
        return None
    a, b = n.args
    if not all(isinstance(x, ast.Name | ast.Constant) for x in (a, b)):
        return None
    return n.func.id, a, b


class _InlineMinMax(ast.NodeTransformer):
    def __init__(self, local: set[str]) -> None:
        self.local, self.count = local, 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        got = _two_plain(node, self.local)
        if got is None:
            self.generic_visit(node)
            return node
        fn, a, b = got
        self.count += 1
        op: ast.cmpop = ast.Gt() if fn == "max" else ast.Lt()
        # max(a, b) keeps a unless b > a (min: unless b < a): the same comparison, no call
        return ast.IfExp(test=ast.Compare(left=b, ops=[op], comparators=[a]), body=b, orelse=a)


@rewrite("perf.inline_minmax", weight=0.35,
         source="PerformanceTips (function-call overhead: inline a builtin in a hot loop)",
         example=("def f(xs):\n    m = 0\n    for x in xs:\n        m = max(x, m)\n    return m\n",
                  "def f(xs):\n    m = 0\n    for x in xs:\n        m = m if m > x else x\n    return m\n"))  # fmt: skip
def inline_minmax(func: ast.FunctionDef) -> Rewritten | None:
    """``max(a, b)`` / ``min(a, b)`` of two names or constants inside a loop -> the one
    comparison ``max`` makes (``b if b > a else a``), without the call."""
    local = bound_names(func)
    done = 0
    for _, _, loop in loops(func):
        tool = _InlineMinMax(local)
        loop.body = [tool.visit(s) for s in loop.body]
        done += tool.count
    return (func, ()) if done else None


def _lambda_of_one(n: ast.AST) -> ast.Lambda | None:
    if not isinstance(n, ast.Lambda):
        return None
    a = n.args
    if a.posonlyargs or a.vararg or a.kwonlyargs or a.kwarg or a.defaults or len(a.args) != 1:
        return None
    return n


def _as_comprehension(n: ast.AST, local: set[str]) -> tuple[str, ast.expr, ast.comprehension] | None:
    """(kind, element, generator) of ``map(lambda v: e, xs)`` / ``filter(lambda v: t, xs)``."""
    if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("map", "filter")
            and n.func.id not in local and not n.keywords and len(n.args) == 2):  # fmt: skip
        return None
    fn = _lambda_of_one(n.args[0])
    if fn is None:
        return None
    var = fn.args.args[0].arg
    target = ast.Name(id=var, ctx=ast.Store())
    if n.func.id == "map":
        return "map", fn.body, ast.comprehension(target=target, iter=n.args[1], ifs=[], is_async=0)
    gen = ast.comprehension(target=target, iter=n.args[1], ifs=[fn.body], is_async=0)
    return "filter", ast.Name(id=var, ctx=ast.Load()), gen


class _LambdaComp(ast.NodeTransformer):
    def __init__(self, local: set[str]) -> None:
        self.local, self.count = local, 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        f = node.func
        if (isinstance(f, ast.Name) and f.id == "list" and f.id not in self.local and len(node.args) == 1
                and not node.keywords and _as_comprehension(node.args[0], self.local)):  # fmt: skip
            inner = node.args[0]
            self.generic_visit(inner)  # its lambda and iterable, not the call itself
            got = _as_comprehension(inner, self.local)
            assert got is not None
            self.count += 1
            return ast.ListComp(elt=got[1], generators=[got[2]])
        self.generic_visit(node)
        got = _as_comprehension(node, self.local)
        if got is None:
            return node
        self.count += 1
        return ast.GeneratorExp(elt=got[1], generators=[got[2]])


@rewrite("perf.lambda_comp", weight=0.4,
         source="ruff C417 (map with a lambda -> a comprehension), the same for filter",
         example=("def f(xs):\n    return list(filter(lambda x: x > 0, xs))\n",
                  "def f(xs):\n    return [x for x in xs if x > 0]\n"))  # fmt: skip
def lambda_comp(func: ast.FunctionDef) -> Rewritten | None:
    """``map``/``filter`` with a one-argument lambda -> a generator expression (a list
    comprehension inside ``list(...)``): no Python call per element."""
    local = bound_names(func)
    tool = _LambdaComp(local)
    func.body = [tool.visit(s) for s in func.body]
    return (func, ()) if tool.count else None
