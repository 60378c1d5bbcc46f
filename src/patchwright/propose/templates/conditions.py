"""Condition templates: negate, drop or add a conjunct, replace a loop condition or a whole
condition (Pan et al. 2009 IF-CC "more / less specific if"; TBar "mutate conditional
expression"; SimFix / ssFix donor conditions from the same function)."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from patchwright.propose.scope import BOOL, COLL, expr_kind, own_nodes
from patchwright.propose.templates.builders import name, names_in, negate
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.off_by_one import returned_value
from patchwright.propose.templates.operators import is_test
from patchwright.propose.templates.registry import template

MAX_EXPAND = 6
_TERMINATORS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _tests(site: Site) -> list[ast.expr]:
    stmt = site.stmt
    tests: list[ast.expr] = []
    if isinstance(stmt, ast.If | ast.While | ast.Assert):
        tests.append(stmt.test)
    for node in site.nodes:
        if isinstance(node, ast.IfExp):
            tests.append(node.test)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            tests.extend(t for gen in node.generators for t in gen.ifs)
    return tests


@template(
    "cond.negate", weight=0.70, on=(ast.UnaryOp, ast.stmt),
    example=(
        "def f(a, b):\n    if a and b:\n        return 1\n    return 0\n",
        "def f(a, b):\n    if not (a and b):\n        return 1\n    return 0\n",
    ),
)  # fmt: skip
def negation(site: Site, node: ast.UnaryOp | ast.stmt) -> Iterator[Mutation]:
    """if c -> if not c (and back); return flag -> return not flag."""
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not) and is_test(site, node):
            yield Mutation(1.0, target=node, new=node.operand)
        return
    for test in _tests(site):
        if isinstance(test, ast.Constant):
            continue
        single_compare = isinstance(test, ast.Compare) and len(test.ops) == 1
        is_not = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        if not single_compare and not is_not:  # those have their own inverse templates
            yield Mutation(1.0, target=test, new=negate(test))
    value = returned_value(site, node) if isinstance(node, ast.Return) else None
    if isinstance(value, ast.Name | ast.Call | ast.Attribute) and (
        expr_kind(value, site.scope.kinds) == BOOL
    ):
        yield Mutation(0.8, target=value, new=negate(value))


@template(
    "cond.drop", weight=0.70, on=ast.BoolOp,
    example=("def f(a, b):\n    return a and b\n", "def f(a, b):\n    return a\n"),
)  # fmt: skip
def drop_operand(site: Site, node: ast.BoolOp) -> Iterator[Mutation]:
    """Drop one operand of and/or (a less specific condition)."""
    for i in range(len(node.values)):
        rest = node.values[:i] + node.values[i + 1 :]
        new = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
        yield Mutation(1.0 - 0.05 * i, target=node, new=new)


@template(
    "cond.loop", weight=0.60, on=ast.While,
    example=(
        "def f(xs):\n    while True:\n        xs.pop()\n",
        "def f(xs):\n    while xs:\n        xs.pop()\n",
    ),
)  # fmt: skip
def loop_condition(site: Site, stmt: ast.While) -> Iterator[Mutation]:
    """while True -> while <collection in scope>."""
    if isinstance(stmt.test, ast.Constant) and stmt.test.value:
        colls = [v for v in site.local_vars() if site.scope.kind(v) == COLL]
        for i, v in enumerate(colls[:3]):
            yield Mutation(1.0 - 0.15 * i, target=stmt.test, new=name(v))


@template(
    "cond.name", weight=0.30, on=(ast.If, ast.While),
    example=(
        "def f(x, ok: bool):\n    if x > 0:\n        return 1\n    return 0\n",
        "def f(x, ok: bool):\n    if ok:\n        return 1\n    return 0\n",
    ),
)  # fmt: skip
def boolean_name(site: Site, stmt: ast.If | ast.While) -> Iterator[Mutation]:
    """The condition replaced by a boolean variable in scope."""
    if isinstance(stmt.test, ast.Constant):
        return
    used = set(names_in(stmt.test))
    bools = [v for v in site.local_vars() if site.scope.kind(v) == BOOL and v not in used]
    for i, v in enumerate(bools[:2]):
        yield Mutation(1.0 - 0.2 * i, target=stmt.test, new=name(v))


def _join(op: ast.boolop, first: ast.expr, second: ast.expr) -> ast.BoolOp:
    values: list[ast.expr] = []
    for part in (first, second):
        if isinstance(part, ast.BoolOp) and type(part.op) is type(op):
            values.extend(part.values)
        else:
            values.append(part)
    return ast.BoolOp(op=op, values=values)


@template(
    "cond.expand", weight=0.45, on=(ast.If, ast.While),
    example=(
        "def f(x, xs):\n    if x > 0:\n        xs.pop()\n",
        "def f(x, xs):\n    if x > 0 and xs:\n        xs.pop()\n",
    ),
)  # fmt: skip
def expand(site: Site, stmt: ast.If | ast.While) -> Iterator[Mutation]:
    """Add a conjunct / disjunct (a more specific condition): a collection in scope, a None
    test of a parameter, or a condition used elsewhere in the function."""
    test = stmt.test
    if isinstance(test, ast.Constant):
        return
    used = set(names_in(test))
    guard = isinstance(stmt, ast.If) and isinstance(stmt.body[-1], _TERMINATORS)
    scope = site.scope
    extra: list[tuple[str, ast.BoolOp]] = []
    for v in site.local_vars():
        if v in used:
            continue
        kind = COLL if site.is_collection(v) else scope.kind(v)
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
        yield Mutation(1.0 - 0.1 * i, target=test, new=new)


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


_GUARDED_READS = 3


def _read_objects(test: ast.expr, local: set[str]) -> list[ast.expr]:
    """The objects a condition reads into before checking them: ``x`` of ``len(x)``,
    ``x.attr``, ``x[i]``, where ``x`` is a local name or an attribute of one
    (``self.columns``), not ``self`` itself."""
    found: list[ast.expr] = []
    for node in ast.walk(test):
        obj: ast.expr | None = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len":
            obj = node.args[0] if len(node.args) == 1 else None
        elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.ctx, ast.Load):
            obj = node.value
        root = obj
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in local and not (obj is root and root.id in ("self", "cls")):
            found.append(obj)
    return found


@template(
    "cond.guard", weight=0.40, on=(ast.If, ast.While),
    example=(
        "def f(self):\n    if len(self.columns) > 0:\n        return 1\n    return 0\n",
        "def f(self):\n    if self.columns and len(self.columns) > 0:\n        return 1\n    return 0\n",
    ),
)  # fmt: skip
def read_guard(site: Site, stmt: ast.If | ast.While) -> Iterator[Mutation]:
    """if len(x) > 0 -> if x and len(x) > 0 / if x is not None and ...: a condition that
    reads into an object first checks that it is there (TBar's NullPointerChecker and
    PraPR's short-circuit guard, placed inside the condition instead of before it)."""
    test = stmt.test
    first = test.values[0] if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else None
    seen = {site.text(first)} if first is not None else set()
    count = 0
    local = {*site.local_vars(), *(p for p in ("self", "cls") if p in site.scope.params)}
    for obj in _read_objects(test, local):
        text = site.text(obj)
        if text in seen:
            continue
        seen.add(text)
        present = ast.Compare(left=copy.deepcopy(obj), ops=[ast.IsNot()], comparators=[ast.Constant(None)])
        yield Mutation(1.0 - 0.1 * count, target=test, new=_join(ast.And(), copy.deepcopy(obj), test))
        yield Mutation(0.8 - 0.1 * count, target=test, new=_join(ast.And(), present, test))
        count += 1
        if count == _GUARDED_READS:
            break
