"""Missing ``else`` branches (TBar / PAR "add a missing branch"; Pan et al.'s "IF-APC"
addition of a branch to an if-chain): the statement after an ``if`` that should only run
when the test fails, and the case an if/elif chain of counters forgot."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.pyedit import Splice
from patchwright.propose.scope import own_nodes
from patchwright.propose.templates.builders import names_in
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template
from patchwright.propose.templates.statements import Lines, editable_block, owns, short

_EXITS = ast.Return | ast.Raise | ast.Continue | ast.Break


def _stored(nodes: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for stmt in nodes:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                out.add(n.id)
    return out


@template(
    "stmt.else", weight=0.25, on=ast.If,
    example=(
        "def f(x, y):\n    if x > y:\n        x -= y\n    x += y\n    return x\n",
        "def f(x, y):\n    if x > y:\n        x -= y\n    else:\n        x += y\n    return x\n",
    ),
)  # fmt: skip
def else_next(site: Site, stmt: ast.If) -> Iterator[Mutation]:
    """``if c: x -= v`` then ``x += v`` -> the second update moved into an ``else``: the
    branch and the next statement assign the same variable, so they are alternatives."""
    found = editable_block(site)
    if found is None or stmt.orelse or isinstance(stmt.body[-1], _EXITS):
        return
    if site.src.line(stmt.lineno).lstrip().startswith("elif"):
        return
    block, index = found
    if index + 1 >= len(block):
        return
    nxt = block[index + 1]
    simple = ast.Assign | ast.AugAssign | ast.Expr
    if not isinstance(nxt, simple) or nxt.lineno != nxt.end_lineno or not owns(site, nxt):
        return
    if not _stored(stmt.body) & _stored([nxt]):
        return
    indent = site.src.indent(stmt.lineno)
    nl = site.src.newline
    text = site.src.line(nxt.lineno).strip()
    start, end = Lines(site).span(nxt)
    code = f"{indent}else:{nl}{indent}{site.indent_unit}{text}{nl}"
    desc = f"move '{short(text)}' into an else branch"
    yield Mutation(1.0, desc, splices=[Splice(start, end, code)])


def _counter(body: list[ast.stmt]) -> tuple[str, str] | None:
    """(variable, update text without the variable) of a one-statement ``v += 1`` body."""
    if len(body) != 1 or not isinstance(body[0], ast.AugAssign):
        return None
    s = body[0]
    if not isinstance(s.target, ast.Name) or not isinstance(s.value, ast.Constant):
        return None
    op = {ast.Add: "+=", ast.Sub: "-="}.get(type(s.op))
    return (s.target.id, f"{op} {s.value.value!r}") if op else None


@template(
    "stmt.else_case", weight=0.25, on=ast.If,
    example=(
        "def f(xs):\n    a = b = 0\n    for x in xs:\n        if x:\n            a += 1\n"
        "    return a, b\n",
        "def f(xs):\n    a = b = 0\n    for x in xs:\n        if x:\n            a += 1\n"
        "        else:\n            b += 1\n    return a, b\n",
    ),
)  # fmt: skip
def else_case(site: Site, stmt: ast.If) -> Iterator[Mutation]:
    """An if/elif chain counting cases (``pos += 1`` / ``neg += 1``) gets an ``else`` that
    counts the remaining case in a counter initialised with them but never updated."""
    fn = site.func
    if fn is None or editable_block(site) is None:
        return
    if site.src.line(stmt.lineno).lstrip().startswith("elif"):
        return
    chain, node = [], stmt
    while True:
        found = _counter(node.body)
        if found is None:
            return
        chain.append(found)
        if not node.orelse:
            break
        if len(node.orelse) != 1 or not isinstance(node.orelse[0], ast.If):
            return
        node = node.orelse[0]
    counted = {v for v, _ in chain}
    updates = {u for _, u in chain}
    if len(updates) != 1:
        return
    stores: dict[str, int] = {}
    for n in own_nodes(fn):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    siblings: list[str] = []
    for n in own_nodes(fn):
        if isinstance(n, ast.Assign) and (
            len(n.targets) > 1 or isinstance(n.targets[0], ast.Tuple)
        ):
            names = [x for t in n.targets for x in names_in(t)]
            if counted & set(names):
                siblings += [x for x in names if x not in counted and stores.get(x) == 1]
    last = node.body[-1]
    indent = site.src.indent(stmt.lineno)
    nl = site.src.newline
    for i, var in enumerate(dict.fromkeys(siblings)):
        code = f"{indent}else:{nl}{indent}{site.indent_unit}{var} {next(iter(updates))}{nl}"
        yield Mutation(1.0 - 0.2 * i, f"add 'else: {var} {next(iter(updates))}'",
                       splices=[Lines(site).insert_after(last, code)])  # fmt: skip


_FLUSH_METHODS = ("append", "add", "extend", "put", "write")


@template(
    "stmt.flush", weight=0.30, on=(ast.For, ast.While),
    example=(
        "def f(xs):\n    out, cur = [], []\n    for x in xs:\n        if x is None:\n"
        "            if cur:\n                out.append(cur)\n            cur = []\n"
        "        else:\n            cur.append(x)\n    return out\n",
        "def f(xs):\n    out, cur = [], []\n    for x in xs:\n        if x is None:\n"
        "            if cur:\n                out.append(cur)\n            cur = []\n"
        "        else:\n            cur.append(x)\n    if cur:\n        out.append(cur)\n"
        "    return out\n",
    ),
)  # fmt: skip
def final_flush(site: Site, stmt: ast.For | ast.While) -> Iterator[Mutation]:
    """A loop that emits a buffer when a boundary is seen (``if buf: out.append(buf)``)
    forgets the last one: the same emit repeated after the loop (the "last group dropped"
    bug of tokenizers and groupers)."""
    if editable_block(site) is None or stmt.orelse:
        return
    seen: set[str] = set()
    for node in ast.walk(stmt):
        if node is stmt or not isinstance(node, ast.If) or not isinstance(node.test, ast.Name):
            continue
        buf = node.test.id
        for s in node.body:
            call = s.value if isinstance(s, ast.Expr) else None
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.attr in _FLUSH_METHODS
                and [a.id for a in call.args if isinstance(a, ast.Name)] == [buf]
                and len(call.args) == 1
            ):
                continue
            emit = f"{call.func.value.id}.{call.func.attr}({buf})"
            if emit in seen:
                continue
            seen.add(emit)
            indent = site.src.indent(stmt.lineno)
            nl = site.src.newline
            code = f"{indent}if {buf}:{nl}{indent}{site.indent_unit}{emit}{nl}"
            desc = f"insert 'if {buf}: {emit}' after the loop"
            yield Mutation(1.0, desc, splices=[Lines(site).insert_after(stmt, code)])
