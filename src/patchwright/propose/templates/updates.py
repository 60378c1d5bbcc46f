"""Update templates: a state change the code forgets or writes to the wrong place.

TBar's "insert missing method invocation" (a collection that is read or tested but never
filled: ``visited.add(node)``, ``stack.append(tok)``, ``out.append(rest)``), "insert
missing assignment" between in-scope variables inside a loop (a loop-carried variable
read in the loop but never updated there: ``prev = node``), a running extreme that is
overwritten instead of kept (``best = x`` -> ``best = max(best, x)``) and a relaxation
that writes its result to the wrong target (``d1[u, v] = min(d2[u] + w, d2[v])`` ->
``d2[v] = min(...)``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import COLL, FUNC, NUM, FuncDef, own_nodes
from patchwright.propose.templates.builders import call, name, names_in
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template
from patchwright.propose.templates.statements import Lines, editable_block, owns, short

_LOOPS = ast.For | ast.AsyncFor | ast.While
_FILL = ("append", "add", "appendleft", "push", "put")
_EMPTY_INIT = {"set": "add", "list": "append", "deque": "append"}
_MAX_COLLECT = 4
_EXT = ("max", "min")


def _fill_method(site: Site, coll: str) -> str:
    """How ``coll`` is filled: a fill method called on it in the file, else the one of its
    empty initializer (``set()`` -> add, ``[]`` -> append); '' when it is not a collection
    built in the function chain."""
    used = site.facts.attr_bases.get(coll, set())
    for m in _FILL:
        if m in used:
            return m
    for fn in site.chain:
        for node in own_nodes(fn):
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            t, v = node.targets[0], node.value
            if not isinstance(t, ast.Name) or t.id != coll:
                continue
            if isinstance(v, ast.List) and not v.elts:
                return "append"
            if (
                isinstance(v, ast.Call)
                and isinstance(v.func, ast.Name)
                and not v.args
                and v.func.id in _EMPTY_INIT
            ):
                return _EMPTY_INIT[v.func.id]
    return ""


def _members(site: Site) -> list[tuple[str, str]]:
    """(element, collection) pairs from ``x in c`` / ``x not in c`` tests in the chain."""
    out: dict[tuple[str, str], None] = {}
    for fn in site.chain:
        for node in ast.walk(fn):
            if not isinstance(node, ast.Compare) or len(node.ops) != 1:
                continue
            left, right = node.left, node.comparators[0]
            if (
                isinstance(node.ops[0], ast.In | ast.NotIn)
                and isinstance(left, ast.Name)
                and isinstance(right, ast.Name)
            ):
                out.setdefault((left.id, right.id), None)
    return list(out)


def _loop_targets(site: Site) -> list[str]:
    out: list[str] = []
    for anc in site.ancestors(site.stmt):
        if isinstance(anc, FuncDef | ast.ClassDef):
            break
        if isinstance(anc, ast.For | ast.AsyncFor):
            out += [n for n in names_in(anc.target)]
    return out


def _visible(site: Site, var: str) -> bool:
    return var in site.scope.variables() and site.available(var)


def _fill_calls(site: Site) -> list[tuple[str, float]]:
    """(code, affinity) of the fill calls worth inserting at the site: elements tested for
    membership, the variables of the enclosing for loops, and (before a return, after a loop) variables of
    the kind the collection is filled with elsewhere."""
    scope = site.scope
    flush = isinstance(site.stmt, ast.Return | _LOOPS)
    colls = [
        v for v in scope.variables()
        if scope.kind(v) in (COLL, "") and _visible(site, v) and _fill_method(site, v)
    ]  # fmt: skip
    existing = {
        site.src.line(n.lineno).strip() for fn in site.chain[-1:] for n in own_nodes(fn)
        if isinstance(n, ast.Expr)
    }  # fmt: skip
    out: dict[str, float] = {}

    def add(coll: str, elem: str, aff: float) -> None:
        if elem == coll or not _visible(site, elem) or scope.kind(elem) == FUNC:
            return
        code = f"{coll}.{_fill_method(site, coll)}({elem})"
        if code not in existing and out.get(code, 0.0) < aff:
            out[code] = aff

    for elem, coll in _members(site):
        if coll in colls:
            add(coll, elem, 1.0)
    near = _loop_targets(site)
    for coll in colls:
        args = [
            n.args[0] for fn in site.chain[-1:] for n in own_nodes(fn)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name) and n.func.value.id == coll
            and n.func.attr in _FILL and len(n.args) == 1
        ]  # fmt: skip
        kinds = {scope.kind(a.id) for a in args if isinstance(a, ast.Name)} - {""}
        for v in scope.params + scope.locals:
            if kinds and scope.kind(v) in kinds and scope.kind(v) != COLL:
                add(coll, v, 0.8)
            elif flush and args:
                add(coll, v, 0.6)  # the last element is not flushed after the loop
        for v in near:
            if scope.kind(v) != COLL:
                add(coll, v, 0.7)
    ranked = sorted(out.items(), key=lambda kv: -kv[1])
    return ranked[:_MAX_COLLECT]


@template(
    "stmt.collect", weight=0.30, on=ast.stmt,
    example=(
        "def f(xs):\n    seen = set()\n    for x in xs:\n        if x in seen:\n"
        "            return True\n    return False\n",
        "def f(xs):\n    seen = set()\n    for x in xs:\n        if x in seen:\n"
        "            return True\n        seen.add(x)\n    return False\n",
    ),
)  # fmt: skip
def fill_collection(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """coll.add(x) / coll.append(x) after the statement (before a return): a collection
    tested for membership, or filled elsewhere, misses an element."""
    if editable_block(site) is None or site.func is None:
        return
    if isinstance(stmt, ast.Raise | ast.Continue | ast.Break):
        return
    lines = Lines(site)
    indent = site.src.indent(stmt.lineno)
    nl = site.src.newline
    for code, aff in _fill_calls(site):
        if isinstance(stmt, ast.Return):
            splice = lines.insert_before(stmt, f"{indent}{code}{nl}")
            where = "before"
        else:
            splice = lines.insert_after(stmt, f"{indent}{code}{nl}")
            where = "after"
        yield Mutation(aff, f"insert '{code}' {where} line {stmt.lineno}", splices=[splice])


def _loop_of(site: Site) -> ast.For | ast.AsyncFor | ast.While | None:
    if isinstance(site.stmt, _LOOPS):
        return site.stmt
    for anc in site.ancestors(site.stmt):
        if isinstance(anc, FuncDef | ast.ClassDef):
            return None
        if isinstance(anc, _LOOPS):
            return anc
    return None


@template(
    "stmt.carry", weight=0.30, on=ast.stmt,
    example=(
        "def f(x):\n    prev = None\n    while x:\n        x.last = prev\n        x = x.next\n"
        "    return prev\n",
        "def f(x):\n    prev = None\n    while x:\n        x.last = prev\n        prev = x\n"
        "        x = x.next\n    return prev\n",
    ),
)  # fmt: skip
def loop_carried(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """``a = b`` inside a loop, before or after the statement, where ``a`` is set before
    the loop and read in it but never updated there, and ``b`` is a variable the loop
    assigns or tests."""
    loop = _loop_of(site)
    if loop is None or editable_block(site) is None or isinstance(stmt, _LOOPS):
        return
    if isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return
    first, last = loop.lineno, loop.end_lineno or loop.lineno
    scope = site.scope
    mutated = {
        n.func.value.id for n in ast.walk(loop)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
    }  # fmt: skip
    carried = [
        v for v in scope.locals
        if scope.binds.get(v) and all(n < first for n in scope.binds[v])
        and any(first <= n <= last for n in scope.loads.get(v, []))
        and scope.kind(v) != FUNC and v not in mutated
    ]  # fmt: skip
    moving = [
        v for v in [*names_in(loop.test if isinstance(loop, ast.While) else loop.target),
                    *scope.locals]
        if any(first <= n <= last for n in scope.binds.get(v, []))
    ]  # fmt: skip
    lines = Lines(site)
    indent = site.src.indent(stmt.lineno)
    nl = site.src.newline
    made = 0
    for a in carried[:2]:
        for b in dict.fromkeys(moving):
            if b == a or made >= 3 or scope.kind(b) == FUNC:
                continue
            if scope.kind(a) != scope.kind(b):
                continue
            code = f"{a} = {b}"
            made += 1
            aff = 1.0 - 0.15 * (made - 1)
            after = lines.insert_after(stmt, f"{indent}{code}{nl}")
            yield Mutation(aff, f"insert '{code}' after line {stmt.lineno}", splices=[after])
            before = lines.insert_before(stmt, f"{indent}{code}{nl}")
            yield Mutation(aff * 0.9, f"insert '{code}' before line {stmt.lineno}",
                           splices=[before])  # fmt: skip


@template(
    "assign.extreme", weight=0.50, on=ast.Assign,
    example=(
        "def f(xs):\n    best = 0\n    for x in xs:\n        if x != best:\n"
        "            best = x + 1\n    return best\n",
        "def f(xs):\n    best = 0\n    for x in xs:\n        if x != best:\n"
        "            best = max(best, x + 1)\n    return best\n",
    ),
)  # fmt: skip
def keep_extreme(site: Site, stmt: ast.Assign) -> Iterator[Mutation]:
    """a = e -> a = max(a, e) / min(a, e) inside a loop, where the number a holds a value
    from before and the loop compares it (a running maximum overwritten, not kept)."""
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        return
    a = stmt.targets[0].id
    value = stmt.value
    if a in names_in(value) or isinstance(value, ast.Constant) or _loop_of(site) is None:
        return
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _EXT:
        return
    binds = site.scope.binds.get(a, [])
    if site.scope.kind(a) != NUM or not any(n < stmt.lineno for n in binds):
        return
    loop = _loop_of(site)
    compared = loop is not None and any(
        isinstance(n, ast.Compare) and a in names_in(n) for n in ast.walk(loop)
    )
    if not compared:  # a running extreme is compared with the new candidates
        return
    for fn, aff in (("max", 1.0), ("min", 0.9)):
        new = ast.Assign(targets=stmt.targets, value=call(fn, name(a), value))
        yield Mutation(aff, target=stmt, new=new)


def _store(node: ast.expr) -> ast.expr | None:
    if isinstance(node, ast.Name):
        return name(node.id, store=True)
    if isinstance(node, ast.Subscript):
        return ast.Subscript(value=node.value, slice=node.slice, ctx=ast.Store())
    if isinstance(node, ast.Attribute):
        return ast.Attribute(value=node.value, attr=node.attr, ctx=ast.Store())
    return None


@template(
    "assign.retarget", weight=0.35, on=ast.Assign,
    example=(
        "def f(d, e, u, v, w):\n    e[u, v] = min(d[u] + w, d[v])\n",
        "def f(d, e, u, v, w):\n    d[v] = min(d[u] + w, d[v])\n",
    ),
)  # fmt: skip
def retarget(site: Site, stmt: ast.Assign) -> Iterator[Mutation]:
    """t = min(x + w, y) -> y = min(x + w, y): a relaxation / running extreme stores its
    result into the operand it compares against."""
    if len(stmt.targets) != 1 or not owns(site, stmt):
        return
    target, value = stmt.targets[0], stmt.value
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
        return
    if value.func.id not in ("min", "max") or value.keywords:
        return
    old = site.text(target)
    seen = {old}
    for i, arg in enumerate(value.args):
        new_target = _store(arg)
        text = site.text(arg)
        if new_target is None or text in seen:
            continue
        seen.add(text)
        new = ast.Assign(targets=[new_target], value=value)
        desc = f"store into '{short(text)}' instead of '{short(old)}'"
        yield Mutation(1.0 - 0.1 * i, desc, target=stmt, new=new)
