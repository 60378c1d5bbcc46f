"""Templates on conditions (negate, loop condition, expansion) and returned expressions."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import BOOL, COLL, NUM, expr_kind, own_nodes
from patchwright.propose.site import (
    Mutation,
    Site,
    call,
    name,
    names_in,
    negate,
    plus,
    plus_const,
)

MAX_EXPAND = 6
_TERMINATORS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def condition_mutations(site: Site) -> Iterator[Mutation]:
    stmt = site.stmt
    tests: list[ast.expr] = []
    if isinstance(stmt, ast.If | ast.While | ast.Assert):
        tests.append(stmt.test)
    for node in site.nodes:
        if isinstance(node, ast.IfExp):
            tests.append(node.test)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            tests.extend(t for gen in node.generators for t in gen.ifs)
    for test in tests:
        if isinstance(test, ast.Constant):
            continue
        single_compare = isinstance(test, ast.Compare) and len(test.ops) == 1
        is_not = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        if not single_compare and not is_not:  # those have their own inverse templates
            yield Mutation("cond.negate", 1.0, target=test, new=negate(test))
    if isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant) and stmt.test.value:
        colls = [v for v in _local_vars(site) if site.scope.kind(v) == COLL]
        for i, v in enumerate(colls[:3]):
            yield Mutation("cond.loop", 1.0 - 0.15 * i, target=stmt.test, new=name(v))
    if isinstance(stmt, ast.If | ast.While) and not isinstance(stmt.test, ast.Constant):
        test = stmt.test
        used = set(names_in(test))
        bools = [v for v in _local_vars(site) if site.scope.kind(v) == BOOL and v not in used]
        for i, v in enumerate(bools[:2]):
            yield Mutation("cond.name", 1.0 - 0.2 * i, target=test, new=name(v))
        yield from _expand(site, stmt, test, used)


def _local_vars(site: Site) -> list[str]:
    scope = site.scope
    return [
        v
        for v in [*scope.params, *scope.locals]
        if v not in ("self", "cls", "_") and v not in site.comprehension_names and site.available(v)
    ]


def _join(op: ast.boolop, first: ast.expr, second: ast.expr) -> ast.BoolOp:
    values: list[ast.expr] = []
    for part in (first, second):
        if isinstance(part, ast.BoolOp) and type(part.op) is type(op):
            values.extend(part.values)
        else:
            values.append(part)
    return ast.BoolOp(op=op, values=values)


def _expand(
    site: Site, stmt: ast.If | ast.While, test: ast.expr, used: set[str]
) -> Iterator[Mutation]:
    """More specific / less specific condition: add a conjunct or disjunct."""
    guard = isinstance(stmt, ast.If) and isinstance(stmt.body[-1], _TERMINATORS)
    scope = site.scope
    extra: list[tuple[str, ast.BoolOp]] = []
    for v in _local_vars(site):
        if v in used:
            continue
        kind = scope.kind(v)
        if kind == COLL:
            if guard:
                extra.append(("or", _join(ast.Or(), test, negate(name(v)))))
            else:
                extra.append(("and", _join(ast.And(), test, name(v))))
        elif kind == "" and v in scope.params and guard:
            none = ast.Compare(left=name(v), ops=[ast.Is()], comparators=[ast.Constant(None)])
            extra.append(("none", _join(ast.Or(), none, test)))
    colls = [e for e in extra if e[0] != "none"][:2]
    nones = [e for e in extra if e[0] == "none"][:1]
    donors: list[ast.BoolOp] = []
    seen = {site.text(test)}
    for other in _other_conditions(site, test):
        text = site.text(other)
        if text in seen or not all(site.available(n) for n in names_in(other)):
            continue
        if set(names_in(other)) & site.comprehension_names:
            continue
        seen.add(text)
        donors.append(_join(ast.Or() if guard else ast.And(), test, other))
        if len(donors) == 2:
            break
    found = [new for _, new in colls] + [new for _, new in nones] + donors
    for i, new in enumerate(found[:MAX_EXPAND]):
        yield Mutation("cond.expand", 1.0 - 0.1 * i, target=test, new=new)


def _other_conditions(site: Site, test: ast.expr) -> list[ast.expr]:
    """Conditions used elsewhere in the same function (donor code, as in TBar / SimFix)."""
    root = site.func or site.facts.tree
    out: list[ast.expr] = []
    for node in own_nodes(root):
        cond = None
        if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
            cond = node.test
        if cond is None or cond is test or isinstance(cond, ast.Constant):
            continue
        parts = cond.values if isinstance(cond, ast.BoolOp) else [cond]
        for part in parts:
            if isinstance(part, ast.Compare | ast.UnaryOp | ast.Name | ast.Call):
                out.append(part)
    out.sort(key=lambda n: abs(getattr(n, "lineno", 0) - site.line))
    return out


# ------------------------------------------------------------------------------ returns


def return_mutations(site: Site) -> Iterator[Mutation]:
    stmt = site.stmt
    if isinstance(stmt, ast.For | ast.AsyncFor):
        it = stmt.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed":
            if len(it.args) == 1:
                yield Mutation("builtin.reversed", 1.0, target=it, new=it.args[0])
        elif _reversible(it):
            yield Mutation("builtin.reversed", 1.0, target=it, new=call("reversed", it))
        return
    value: ast.expr | None = None
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and site.func is not None:
        yield from _missing_return(site, stmt, stmt.value)
        return
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Yield):
        value = stmt.value.value
        if value is not None:
            yield from _unwrap_call(value)
        return
    if not isinstance(stmt, ast.Return) or site.func is None:
        return
    value = stmt.value
    returns = [
        n.value
        for n in own_nodes(site.func)
        if isinstance(n, ast.Return) and n.value is not None and n is not stmt
    ]
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        seen: list[str] = []
        for other in returns:
            text = site.text(other)
            if text in seen:
                continue
            seen.append(text)
            aff = 1.2 - 0.2 * len(seen)
            if value is None:
                yield Mutation("ret.value", aff, target=stmt, new=ast.Return(value=other))
            else:
                yield Mutation("ret.value", aff, target=value, new=other)
            if len(seen) >= 2:
                break
        return
    if isinstance(value, ast.List) and len(value.elts) == 1:
        if not isinstance(value.elts[0], ast.Starred):
            yield Mutation("ret.unwrap", 1.0, target=value, new=value.elts[0])
    elif not isinstance(value, ast.List | ast.Tuple | ast.Constant | ast.ListComp):
        yield Mutation("ret.wrap", 1.0, target=value, new=ast.List(elts=[value], ctx=ast.Load()))
    yield from _unwrap_call(value)
    kinds = site.scope.kinds
    if expr_kind(value, kinds) == BOOL:
        nums = [v for v in _local_vars(site) if site.scope.kind(v) == NUM]
        nums.sort(key=lambda v: v not in site.scope.locals)
        for i, v in enumerate(nums[:2]):
            cmp = ast.Compare(left=name(v), ops=[ast.Eq()], comparators=[ast.Constant(0)])
            yield Mutation("ret.compare", 1.0 - 0.2 * i, target=value, new=cmp)
    kind = expr_kind(value, kinds)
    if kind == BOOL and isinstance(value, ast.Name | ast.Call | ast.Attribute):
        yield Mutation("cond.negate", 0.8, target=value, new=negate(value))
    if kind == NUM and not isinstance(value, ast.Constant) and not plus_const(value):
        for delta in (1, -1):
            yield Mutation("off1.value", 1.0, target=value, new=plus(value, delta))
    if not isinstance(value, ast.Name):
        pool = [v for v in _local_vars(site) if v not in names_in(value)]
        pool.sort(key=lambda v: (v not in site.scope.locals, -_last_assign(site, v)))
        picked = [v for v in pool if not kind or site.scope.kind(v) in ("", kind)][:3]
        for i, v in enumerate(picked):
            yield Mutation("ret.var", 1.0 - 0.15 * i, target=value, new=name(v))


_MUTATORS = {"append", "extend", "add", "update", "insert", "remove", "pop", "sort", "print"}


def _missing_return(site: Site, stmt: ast.Expr, value: ast.Call) -> Iterator[Mutation]:
    """``f(x)`` evaluated and dropped where its value should be returned."""
    fn = site.func
    assert fn is not None
    f = value.func
    callee = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    if not callee or callee in _MUTATORS:
        return
    returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in own_nodes(fn))
    recursive = callee == fn.name
    if recursive or returns_value:
        yield Mutation(
            "ret.missing", 1.0 if recursive else 0.6, target=stmt, new=ast.Return(value=value)
        )


def _reversible(it: ast.expr) -> bool:
    if isinstance(it, ast.Name | ast.Attribute | ast.Subscript | ast.List | ast.Tuple):
        return True
    return (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id in ("range", "sorted", "list", "tuple", "str")
    )


def _unwrap_call(value: ast.expr) -> Iterator[Mutation]:
    if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
        arg = value.args[0]
        if not isinstance(arg, ast.Starred | ast.Constant):
            yield Mutation("ret.call", 1.0, target=value, new=arg)


def _last_assign(site: Site, var: str) -> int:
    """Last line before the site where ``var`` is assigned (0 if none)."""
    best = 0
    root = site.func or site.facts.tree
    for node in own_nodes(root):
        if (
            isinstance(node, ast.Name)
            and node.id == var
            and isinstance(node.ctx, ast.Store)
            and node.lineno <= site.line
        ):
            best = max(best, node.lineno)
    return best
