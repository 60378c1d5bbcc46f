"""Statement templates on whole lines: flow keywords, guards, delete, move, insert (bounded).

They edit complete lines and reuse the indentation of the surrounding code (GenProg-style
edits, TBar / PAR "insert null pointer / collection size checker", "remove buggy statement";
rarely the fix and the most numerous, so their weights are the lowest).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.pyedit import Splice
from patchwright.propose.scope import COLL, NUM, STR, FuncDef, expr_kind, own_nodes
from patchwright.propose.templates.builders import names_in
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import Pool, template

_SIMPLE = ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Expr
_LOOPS = ast.For | ast.AsyncFor | ast.While
GUARDS = Pool("guards", cap=6)
_NO_STMT_EDITS = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Global,
    ast.Nonlocal,
)  # fmt: skip


def short(text: str, n: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


class Lines:
    """Whole-line text operations around the site's statement."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.src = site.src

    def span(self, node: ast.stmt) -> tuple[int, int]:
        return self.src.line_start(_first_line(node)), self.src.line_end(node.end_lineno or 0)

    def block(self, node: ast.stmt) -> str:
        start, end = self.span(node)
        text = self.src.text[start:end]
        return text if text.endswith("\n") else text + self.src.newline

    def insert_before(self, node: ast.stmt, code: str) -> Splice:
        at = self.src.line_start(_first_line(node))
        return Splice(at, at, code)

    def insert_after(self, node: ast.stmt, code: str) -> Splice:
        at = self.src.line_end(node.end_lineno or 0)
        if at == len(self.src.text) and not self.src.text.endswith("\n"):
            code = self.src.newline + code.rstrip("\r\n")
        return Splice(at, at, code)


def owns(site: Site, node: ast.stmt) -> bool:
    try:
        return site.src.owns_lines(node) and not site.src.line(node.lineno).lstrip().startswith(
            ("elif", "else")
        )
    except ValueError:
        return False


def _in_loop(site: Site) -> bool:
    for anc in site.ancestors(site.stmt):
        if isinstance(anc, FuncDef | ast.ClassDef):
            return False
        if isinstance(anc, _LOOPS):
            return True
    return False


def is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def editable_block(site: Site) -> tuple[list[ast.stmt], int] | None:
    """(block, index) of the site's statement when whole-line edits may touch it."""
    stmt = site.stmt
    parent, field, index = site.parent(stmt)
    if parent is None or index is None or not owns(site, stmt):
        return None
    if isinstance(stmt, _NO_STMT_EDITS) or is_docstring(stmt):
        return None
    return getattr(parent, field), index


def _keyword_at(site: Site) -> tuple[str, int]:
    line = site.src.line(site.stmt.lineno)
    indent = len(line) - len(line.lstrip())
    word = line.lstrip().split(" ", 1)[0].split(":", 1)[0]
    return word, site.src.line_start(site.stmt.lineno) + indent


@template(
    "stmt.flow", weight=0.40, on=(ast.Break, ast.Continue),
    example=(
        "def f(xs):\n    for x in xs:\n        if x:\n            break\n",
        "def f(xs):\n    for x in xs:\n        if x:\n            continue\n",
    ),
)  # fmt: skip
def flow_keyword(site: Site, stmt: ast.Break | ast.Continue) -> Iterator[Mutation]:
    """break <-> continue."""
    word, at = _keyword_at(site)
    if word in ("break", "continue"):
        other = "continue" if word == "break" else "break"
        desc = f"replace '{word}' with '{other}'"
        yield Mutation(1.0, desc, splices=[Splice(at, at + len(word), other)])


@template(
    "stmt.elif", weight=0.30, on=ast.If,
    example=(
        "def f(x):\n    if x > 0:\n        x = 1\n    if x < 0:\n        x = 2\n    return x\n",
        "def f(x):\n    if x > 0:\n        x = 1\n    elif x < 0:\n        x = 2\n    return x\n",
    ),
)  # fmt: skip
def elif_keyword(site: Site, stmt: ast.If) -> Iterator[Mutation]:
    """if <-> elif (independent vs exclusive branches)."""
    word, at = _keyword_at(site)
    if site.src.offset(stmt.lineno, stmt.col_offset) != at:
        return
    parent, _, index = site.parent(stmt)
    if word == "elif":
        yield Mutation(1.0, "replace 'elif' with 'if'", splices=[Splice(at, at + 4, "if")])
    elif word == "if" and parent is not None and index:
        before = getattr(parent, site.parent(stmt)[1])[index - 1]
        if (
            isinstance(before, ast.If)
            and not before.orelse
            and owns(site, stmt)
            and site.src.indent(before.lineno) == site.src.indent(stmt.lineno)
        ):
            desc = "replace 'if' with 'elif'"
            yield Mutation(1.0, desc, splices=[Splice(at, at + 2, "elif")])


# ------------------------------------------------------------------------------ guards


def return_actions(site: Site) -> list[str]:
    """What an inserted guard does: return what the function returns elsewhere (simple
    values first, else a default of the returned kind)."""
    fn = site.func
    if fn is None:
        return []
    values = [n.value for n in own_nodes(fn) if isinstance(n, ast.Return)]
    real = [v for v in values if v is not None]
    if not real:
        return ["return"]
    simple: dict[str, int] = {}
    for v in real:
        if (
            (isinstance(v, ast.UnaryOp) and isinstance(v.operand, ast.Constant))
            or isinstance(v, ast.Constant)
            or (
                isinstance(v, ast.List | ast.Tuple | ast.Dict | ast.Set)
                and not getattr(v, "elts", 1)
            )
        ):
            simple[site.text(v)] = simple.get(site.text(v), 0) + 1
    texts = sorted(simple, key=lambda t: -simple[t])
    if not texts:
        kinds = {expr_kind(v, site.scope.kinds) for v in real} - {""}
        default = {"coll": "[]", "num": "0", "bool": "False", "str": "''"}
        texts = [default[k] for k in sorted(kinds) if k in default] or ["None"]
    return [f"return {t}" for t in texts[:2]]


def guard_actions(site: Site) -> list[tuple[str, float]]:
    actions = [(a, 1.0 - 0.2 * i) for i, a in enumerate(return_actions(site))]
    if _in_loop(site):
        actions += [("continue", 0.6), ("break", 0.5)]
    return actions


def _guard_conditions(site: Site) -> list[tuple[str, str, float]]:
    """(condition, template, affinity) for names read by the statement: empty collections
    (at most two) and one None test of a name used as an object whose kind is unknown, or a
    parameter only inferred to be a string from its use (callers pass None for "no value")."""
    scope = site.scope
    variables = set(scope.variables()) - site.comprehension_names
    conds: list[tuple[str, str, float]] = []
    seen: set[str] = set()
    test = getattr(site.stmt, "test", None)
    existing = site.text(test) if isinstance(test, ast.expr) else ""
    for node in site.nodes:
        if not isinstance(node, ast.Name) or node.id not in variables or node.id in seen:
            continue
        if not isinstance(node.ctx, ast.Load) or not site.available(node.id):
            continue
        if f"not {node.id}" in existing or f"{node.id} is None" in existing:
            continue
        seen.add(node.id)
        parent, field, _ = site.parent(node)
        kind = COLL if site.is_collection(node.id) else scope.kind(node.id)
        if kind == COLL and sum(c[1] == "guard.empty" for c in conds) < 2:
            conds.append((f"not {node.id}", "guard.empty", 1.0))
        elif (
            (kind == "" or (kind == STR and node.id in scope.params))
            and isinstance(parent, ast.Attribute | ast.Subscript)
            and field == "value"
            and not any(c[1] == "guard.none" for c in conds)
        ):
            conds.append((f"{node.id} is None", "guard.none", 1.0))
    return conds


def guard(site: Site, cond: str, action: str, aff: float) -> Mutation:
    """``if <cond>: <action>`` inserted before the site's statement."""
    indent = site.src.indent(site.stmt.lineno)
    nl = site.src.newline
    code = f"{indent}if {cond}:{nl}{indent}{site.indent_unit}{action}{nl}"
    desc = f"insert guard 'if {cond}: {action}' before line {site.stmt.lineno}"
    return Mutation(aff, desc, splices=[Lines(site).insert_before(site.stmt, code)])


def _guards(site: Site, template_name: str) -> Iterator[Mutation]:
    if editable_block(site) is None:
        return
    actions = guard_actions(site)
    if not actions:
        return
    for cond, name, aff in _guard_conditions(site):
        if name == template_name:
            for action, aff2 in actions:
                yield guard(site, cond, action, aff * aff2)


@template(
    "guard.empty", weight=0.45, on=ast.stmt, pool=GUARDS,
    example=(
        "def f(xs):\n    x = xs.pop()\n    return x\n",
        "def f(xs):\n    if not xs:\n        return None\n    x = xs.pop()\n    return x\n",
    ),
)  # fmt: skip
def empty_guard(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """if not xs: return ... before a statement reading a collection."""
    yield from _guards(site, "guard.empty")


@template(
    "guard.none", weight=0.35, on=ast.stmt, pool=GUARDS,
    example=(
        "def f(node):\n    x = node.next\n    return x\n",
        "def f(node):\n    if node is None:\n        return None\n    x = node.next\n    return x\n",
    ),
)  # fmt: skip
def none_guard(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """if x is None: return ... before a statement using x as an object."""
    yield from _guards(site, "guard.none")


@template(
    "guard.range", weight=0.15, on=ast.stmt,
    example=(
        "def f(xs, i):\n    x = xs[i]\n    return x\n",
        "def f(xs, i):\n    if not 0 <= i < len(xs):\n        return None\n"
        "    x = xs[i]\n    return x\n",
    ),
)  # fmt: skip
def range_guard(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """if not 0 <= i < len(xs): return ... before a statement indexing xs[i] (PAR's "range
    checker", TBar FP4 "insert range checker"); the first such index of the statement."""
    if editable_block(site) is None:
        return
    kinds = site.scope.kinds
    for node in site.nodes:
        if not isinstance(node, ast.Subscript) or not isinstance(node.ctx, ast.Load | ast.Store):
            continue
        seq, index = node.value, node.slice
        if not isinstance(seq, ast.Name) or site.scope.kind(seq.id) not in (COLL, STR, ""):
            continue
        if isinstance(index, ast.Constant | ast.Slice | ast.Tuple | ast.Starred):
            continue
        if expr_kind(index, kinds) not in (NUM, ""):
            continue
        names = [seq.id, *names_in(index)]
        if any(n in site.comprehension_names or not site.available(n) for n in names):
            continue
        text = site.text(index)
        if not text or "\n" in text:
            continue
        for action, aff in guard_actions(site):
            yield guard(site, f"not 0 <= {text} < len({seq.id})", action, aff)
        return


# ------------------------------------------------------------------------------ delete, move


@template(
    "stmt.delete", weight=0.30, on=ast.stmt,
    example=("def f(x):\n    x = x + 1\n    return x\n", "def f(x):\n    return x\n"),
)  # fmt: skip
def delete(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """Delete the statement (``pass`` where it is alone in its block)."""
    found = editable_block(site)
    if found is None or isinstance(stmt, ast.Pass):
        return
    block, _ = found
    start, end = Lines(site).span(stmt)
    code = f"{site.src.indent(stmt.lineno)}pass{site.src.newline}" if len(block) == 1 else ""
    aff = (1.0 if isinstance(stmt, _SIMPLE | ast.Return) else 0.6) * (0.7 if code else 1.0)
    desc = f"delete '{short(site.src.line(stmt.lineno).strip())}'"
    yield Mutation(aff, desc, splices=[Splice(start, end, code)])


@template(
    "swap.stmt", weight=0.30, on=ast.stmt,
    example=(
        "def f(x):\n    y = x\n    x = 0\n    return x + y\n",
        "def f(x):\n    x = 0\n    y = x\n    return x + y\n",
    ),
)  # fmt: skip
def move(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """Move the statement up / down by one statement."""
    found = editable_block(site)
    if found is None:
        return
    block, index = found
    lines = Lines(site)
    for other, up in ((block[index - 1] if index > 0 else None, True),
                      (block[index + 1] if index + 1 < len(block) else None, False)):  # fmt: skip
        if other is None or not owns(site, other) or isinstance(other, FuncDef | ast.ClassDef):
            continue
        if is_docstring(other):
            continue
        first, second = (other, stmt) if up else (stmt, other)
        start, _ = lines.span(first)
        _, end = lines.span(second)
        gap = site.src.text[lines.span(first)[1] : lines.span(second)[0]]
        text = lines.block(second) + gap + lines.block(first)
        if end == len(site.src.text) and not site.src.text.endswith("\n"):
            text = text[: -len(site.src.newline)]
        where = "up" if up else "down"
        desc = f"move '{short(site.src.line(stmt.lineno).strip())}' {where} one statement"
        yield Mutation(1.0, desc, splices=[Splice(start, end, text)])
