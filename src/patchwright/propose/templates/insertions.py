"""Insertion templates: a statement copied from the same function, a forgotten update
(``a = b``, ``i += 1``, ``xs.append(x)``) after the suspicious line (GenProg / SimFix-style
donor code from the same function; PySStuBs "add missing statement" cases)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.pyedit import Splice
from patchwright.propose.scope import NUM, FuncDef, own_nodes
from patchwright.propose.templates.builders import names_in
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template
from patchwright.propose.templates.statements import (
    Lines,
    editable_block,
    is_docstring,
    owns,
    short,
)

_SIMPLE = ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Expr
_INSERT_METHODS = ("append", "add", "appendleft", "put", "push")


def _after(site: Site, code_line: str, at_end: bool = False) -> Splice | None:
    """Splice inserting one line after the statement; for a loop header at the start (or,
    with ``at_end``, the end) of the loop body."""
    stmt = site.stmt
    lines = Lines(site)
    if isinstance(stmt, ast.For | ast.AsyncFor | ast.While) and stmt.body:
        anchor = stmt.body[-1] if at_end else stmt.body[0]
        if not owns(site, anchor):
            return None
        ind = site.src.indent(anchor.lineno)
        if at_end:
            return lines.insert_after(anchor, f"{ind}{code_line}{site.src.newline}")
        return lines.insert_before(anchor, f"{ind}{code_line}{site.src.newline}")
    if isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return None  # dead code
    ind = site.src.indent(stmt.lineno)
    return lines.insert_after(stmt, f"{ind}{code_line}{site.src.newline}")


def _insertable(site: Site) -> FuncDef | None:
    """The enclosing function when lines may be inserted around the statement."""
    return site.func if editable_block(site) is not None else None


def _stmt_names(site: Site) -> set[str]:
    stmt = site.stmt
    if isinstance(stmt, _SIMPLE | ast.Return):
        return set(names_in(stmt))
    return set(site.stmt_names())


def _donor_statements(site: Site, fn: FuncDef) -> Iterator[tuple[ast.AST, bool]]:
    """Nodes of the function (own=True), then for a method those of its sibling methods: a
    side-effect call one method makes on shared state (``self.data.move_to_end(key)``) is
    often the one another method forgot (ssFix / PAR: code from similar methods)."""
    for node in own_nodes(fn):
        yield node, True
    cls = next((a for a in site.ancestors(fn) if isinstance(a, ast.ClassDef)), None)
    if cls is None:
        return
    for other in cls.body:
        if isinstance(other, FuncDef) and other is not fn:
            for node in own_nodes(other):
                yield node, False


@template(
    "stmt.copy", weight=0.20, on=ast.stmt,
    example=(
        "def f(a, b):\n    a = a + b\n    b = b * 2\n    return a\n",
        "def f(a, b):\n    a = a + b\n    b = b * 2\n    a = a + b\n    return a\n",
    ),
)  # fmt: skip
def copy(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """A single-line statement of the same function sharing names, inserted after (or
    before) the statement."""
    fn = _insertable(site)
    if fn is None:
        return
    stmt_names = _stmt_names(site)
    donors: list[tuple[float, int, ast.stmt]] = []
    seen = {site.src.line(stmt.lineno).strip()}
    for node, own in _donor_statements(site, fn):
        if not isinstance(node, ast.Assign | ast.AugAssign | ast.Expr) or node is stmt:
            continue
        if not own and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        if node.lineno != node.end_lineno or not owns(site, node) or is_docstring(node):
            continue
        text = site.src.line(node.lineno).strip()
        shared = stmt_names & set(names_in(node))
        if text in seen or not shared:
            continue
        seen.add(text)
        score = len(shared) / len(stmt_names | set(names_in(node))) * (1.0 if own else 0.8)
        donors.append((-score, abs(node.lineno - site.line), node))
    indent = site.src.indent(stmt.lineno)
    for rank, (_, _, donor) in enumerate(sorted(donors, key=lambda d: d[:2])[:2]):
        text = site.src.line(donor.lineno).strip()
        after = _after(site, text)
        if after is not None:
            desc = f"insert '{short(text)}' after line {stmt.lineno}"
            yield Mutation(1.0 - 0.2 * rank, desc, splices=[after])
        if not isinstance(stmt, ast.While | ast.For | ast.AsyncFor):
            desc = f"insert '{short(text)}' before line {stmt.lineno}"
            code = f"{indent}{text}{site.src.newline}"
            yield Mutation(0.8 - 0.2 * rank, desc, splices=[Lines(site).insert_before(stmt, code)])


def _insert(site: Site, codes: list[tuple[str, float]], at_end: bool = False) -> Iterator[Mutation]:
    for code, aff in codes:
        after = _after(site, code, at_end=at_end)
        if after is not None:
            desc = f"insert '{code}' after line {site.stmt.lineno}"
            yield Mutation(aff, desc, splices=[after])


@template(
    "stmt.assign", weight=0.20, on=ast.stmt,
    example=(
        "def f(head):\n    node, n = head, 0\n    while node.next:\n        n += 1\n    return n\n",
        "def f(head):\n    node, n = head, 0\n    while node.next:\n        node = node.next\n"
        "        n += 1\n    return n\n",
    ),
)  # fmt: skip
def missing_assignment(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """A forgotten update after the statement: a = b (same kind) or a = a.attr."""
    if _insertable(site) is None:
        return
    scope = site.scope
    stmt_names = _stmt_names(site)
    local = site.local_vars()
    assigns: list[tuple[str, float]] = []
    for a in [v for v in local if v in stmt_names and v in scope.locals]:
        for b in local:
            if b == a or scope.kind(a) != scope.kind(b) or not scope.kind(a):
                continue
            assigns.append((f"{a} = {b}", 1.0))
        for attr in sorted(site.facts.attr_bases.get(a, set()) & set(site.facts.attrs)):
            assigns.append((f"{a} = {a}.{attr}", 0.9))
    yield from _insert(site, assigns[:3])


@template(
    "stmt.increment", weight=0.25, on=ast.stmt,
    example=(
        "def f(xs):\n    i = 0\n    while i < len(xs):\n        print(xs[i])\n",
        "def f(xs):\n    i = 0\n    while i < len(xs):\n        print(xs[i])\n        i += 1\n",
    ),
)  # fmt: skip
def missing_increment(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """i += 1 (or -= 1) at the end of a while loop testing i."""
    if _insertable(site) is None:
        return
    local = site.local_vars()
    loop: ast.AST | None = stmt
    if not isinstance(stmt, ast.While):
        loop = next((a for a in site.ancestors(stmt) if isinstance(a, ast.While | FuncDef)), None)
    if not isinstance(loop, ast.While):
        return
    nums = [v for v in names_in(loop.test) if v in local and site.scope.kind(v) in (NUM, "")]
    codes: list[tuple[str, float]] = []
    for v in nums[:2]:
        codes += [(f"{v} += 1", 1.0), (f"{v} -= 1", 0.7)]
    yield from _insert(site, codes, at_end=True)


def _assigned_names(stmt: ast.stmt) -> list[str]:
    targets: list[ast.AST] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign | ast.For):
        targets = [stmt.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


@template(
    "stmt.call", weight=0.20, on=ast.stmt,
    example=(
        "def f(xs, ys):\n    out = []\n    for x in xs:\n        y = x * 2\n"
        "    out.append(x)\n    return out\n",
        "def f(xs, ys):\n    out = []\n    for x in xs:\n        y = x * 2\n"
        "        out.append(y)\n    out.append(x)\n    return out\n",
    ),
)  # fmt: skip
def missing_call(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """container.append(x) after assigning x, where the container is filled that way
    elsewhere in the function."""
    fn = _insertable(site)
    if fn is None:
        return
    targets = _assigned_names(stmt)
    calls = []
    for node in own_nodes(fn):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.attr in _INSERT_METHODS
            and len(node.args) == 1
        ):
            calls.append((node.func.value.id, node.func.attr))
    codes: list[tuple[str, float]] = []
    for container, method in list(dict.fromkeys(calls))[:2]:
        for t in targets[:1]:
            if t != container:
                codes.append((f"{container}.{method}({t})", 1.0))
    yield from _insert(site, codes)
