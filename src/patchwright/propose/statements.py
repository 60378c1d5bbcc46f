"""Statement-level templates on whole lines: delete, move, guard, insert (bounded).

They edit complete lines and reuse the indentation of the surrounding code; the inserted
code is rendered with ``ast.unparse`` around original sub-expressions kept as written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.pyedit import Splice
from patchwright.propose.scope import COLL, NUM, FuncDef, expr_kind, own_nodes
from patchwright.propose.site import Mutation, Site, names_in

_SIMPLE = ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Expr
_LOOPS = ast.For | ast.AsyncFor | ast.While
_INSERT_METHODS = ("append", "add", "appendleft", "put", "push")
MAX_GUARDS = 6
_NO_STMT_EDITS = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Global,
    ast.Nonlocal,
)  # fmt: skip


def _short(text: str, n: int = 50) -> str:
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


def _owns(site: Site, node: ast.stmt) -> bool:
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


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def statement_mutations(site: Site) -> Iterator[Mutation]:
    stmt = site.stmt
    parent, field, index = site.parent(stmt)
    yield from _keyword_swaps(site, parent, index)
    if parent is None or index is None or not _owns(site, stmt):
        return
    block = getattr(parent, field)
    if isinstance(stmt, _NO_STMT_EDITS) or _is_docstring(stmt):
        return
    lines = Lines(site)
    indent = site.src.indent(stmt.lineno)
    nl = site.src.newline
    yield from _guards(site, lines, indent)
    # delete
    if not isinstance(stmt, ast.Pass):
        start, end = lines.span(stmt)
        code = f"{indent}pass{nl}" if len(block) == 1 else ""
        aff = (1.0 if isinstance(stmt, _SIMPLE | ast.Return) else 0.6) * (0.7 if code else 1.0)
        desc = f"delete '{_short(site.src.line(stmt.lineno).strip())}'"
        yield Mutation("stmt.delete", aff, desc, splices=[Splice(start, end, code)])
    # move up / down by one
    for other, up in ((block[index - 1] if index > 0 else None, True),
                      (block[index + 1] if index + 1 < len(block) else None, False)):  # fmt: skip
        if other is None or not _owns(site, other) or isinstance(other, FuncDef | ast.ClassDef):
            continue
        if _is_docstring(other):
            continue
        first, second = (other, stmt) if up else (stmt, other)
        start, _ = lines.span(first)
        _, end = lines.span(second)
        gap = site.src.text[lines.span(first)[1] : lines.span(second)[0]]
        text = lines.block(second) + gap + lines.block(first)
        if end == len(site.src.text) and not site.src.text.endswith("\n"):
            text = text[: -len(site.src.newline)]
        where = "up" if up else "down"
        desc = f"move '{_short(site.src.line(stmt.lineno).strip())}' {where} one statement"
        yield Mutation("swap.stmt", 1.0, desc, splices=[Splice(start, end, text)])
    yield from _inserts(site, lines, indent)


def _keyword_swaps(site: Site, parent: ast.AST | None, index: int | None) -> Iterator[Mutation]:
    """break <-> continue; if <-> elif."""
    stmt = site.stmt
    line = site.src.line(stmt.lineno)
    indent = len(line) - len(line.lstrip())
    at = site.src.line_start(stmt.lineno) + indent
    word = line.lstrip().split(" ", 1)[0].split(":", 1)[0]
    if isinstance(stmt, ast.Break | ast.Continue) and word in ("break", "continue"):
        other = "continue" if word == "break" else "break"
        desc = f"replace '{word}' with '{other}'"
        yield Mutation("stmt.flow", 1.0, desc, splices=[Splice(at, at + len(word), other)])
    if not isinstance(stmt, ast.If) or site.src.offset(stmt.lineno, stmt.col_offset) != at:
        return
    if word == "elif":
        yield Mutation(
            "stmt.elif", 1.0, "replace 'elif' with 'if'", splices=[Splice(at, at + 4, "if")]
        )
    elif word == "if" and parent is not None and index:
        before = getattr(parent, site.parent(stmt)[1])[index - 1]
        if (
            isinstance(before, ast.If)
            and not before.orelse
            and _owns(site, stmt)
            and site.src.indent(before.lineno) == site.src.indent(stmt.lineno)
        ):
            desc = "replace 'if' with 'elif'"
            yield Mutation("stmt.elif", 1.0, desc, splices=[Splice(at, at + 2, "elif")])


# ------------------------------------------------------------------------------ guards


def _return_values(site: Site) -> list[str]:
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


def _guards(site: Site, lines: Lines, indent: str) -> Iterator[Mutation]:
    actions = [(a, 1.0 - 0.2 * i) for i, a in enumerate(_return_values(site))]
    if _in_loop(site):
        actions += [("continue", 0.6), ("break", 0.5)]
    if not actions:
        return
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
        kind = scope.kind(node.id)
        if kind == COLL and sum(c[1] == "guard.empty" for c in conds) < 2:
            conds.append((f"not {node.id}", "guard.empty", 1.0))
        elif (
            kind == ""
            and isinstance(parent, ast.Attribute | ast.Subscript)
            and field == "value"
            and not any(c[1] == "guard.none" for c in conds)
        ):
            conds.append((f"{node.id} is None", "guard.none", 1.0))
    out: list[Mutation] = []
    for cond, template, aff in conds:
        for action, aff2 in actions:
            nl = site.src.newline
            code = f"{indent}if {cond}:{nl}{indent}{site.indent_unit}{action}{nl}"
            desc = f"insert guard 'if {cond}: {action}' before line {site.stmt.lineno}"
            out.append(
                Mutation(template, aff * aff2, desc, splices=[lines.insert_before(site.stmt, code)])
            )
    out.sort(key=lambda m: -m.weight)
    yield from out[:MAX_GUARDS]


# ------------------------------------------------------------------------------ insertions


def _after(
    site: Site, lines: Lines, code_line: str, at_end: bool = False
) -> tuple[Splice, str] | None:
    """Splice inserting one line after the statement; for a loop header at the start (or,
    with ``at_end``, the end) of the loop body."""
    stmt = site.stmt
    if isinstance(stmt, ast.For | ast.AsyncFor | ast.While) and stmt.body:
        anchor = stmt.body[-1] if at_end else stmt.body[0]
        if not _owns(site, anchor):
            return None
        ind = site.src.indent(anchor.lineno)
        if at_end:
            return lines.insert_after(anchor, f"{ind}{code_line}{site.src.newline}"), ind
        return lines.insert_before(anchor, f"{ind}{code_line}{site.src.newline}"), ind
    if isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return None  # dead code
    ind = site.src.indent(stmt.lineno)
    return lines.insert_after(stmt, f"{ind}{code_line}{site.src.newline}"), ind


def _inserts(site: Site, lines: Lines, indent: str) -> Iterator[Mutation]:
    fn = site.func
    if fn is None:
        return
    stmt = site.stmt
    stmt_names = (
        set(names_in(stmt)) if isinstance(stmt, _SIMPLE | ast.Return) else set(site.stmt_names())
    )
    nodes = own_nodes(fn)
    # copy a single-line simple statement from elsewhere in the function
    donors: list[tuple[float, int, ast.stmt]] = []
    seen = {site.src.line(stmt.lineno).strip()}
    for node in nodes:
        if not isinstance(node, ast.Assign | ast.AugAssign | ast.Expr) or node is stmt:
            continue
        if node.lineno != node.end_lineno or not _owns(site, node) or _is_docstring(node):
            continue
        text = site.src.line(node.lineno).strip()
        shared = stmt_names & set(names_in(node))
        if text in seen or not shared:
            continue
        seen.add(text)
        score = len(shared) / len(stmt_names | set(names_in(node)))
        donors.append((-score, abs(node.lineno - site.line), node))
    for rank, (_, _, donor) in enumerate(sorted(donors, key=lambda d: d[:2])[:2]):
        text = site.src.line(donor.lineno).strip()
        after = _after(site, lines, text)
        if after is not None:
            desc = f"insert '{_short(text)}' after line {stmt.lineno}"
            yield Mutation("stmt.copy", 1.0 - 0.2 * rank, desc, splices=[after[0]])
        if not isinstance(stmt, ast.While | ast.For | ast.AsyncFor):
            desc = f"insert '{_short(text)}' before line {stmt.lineno}"
            code = f"{indent}{text}{site.src.newline}"
            yield Mutation(
                "stmt.copy", 0.8 - 0.2 * rank, desc, splices=[lines.insert_before(stmt, code)]
            )
    yield from _missing_updates(site, lines, stmt_names, nodes)


def _missing_updates(
    site: Site, lines: Lines, stmt_names: set[str], nodes: list[ast.AST]
) -> Iterator[Mutation]:
    scope = site.scope
    stmt = site.stmt
    local = [v for v in [*scope.params, *scope.locals] if v not in ("self", "cls", "_")]
    local = [v for v in local if v not in site.comprehension_names and site.available(v)]
    codes: list[tuple[str, str, float]] = []
    # a = b / a = a.attr for locals of the statement (forgotten update, e.g. a pointer advance)
    assigns: list[tuple[str, float]] = []
    for a in [v for v in local if v in stmt_names and v in scope.locals]:
        for b in local:
            if b == a or scope.kind(a) != scope.kind(b) or not scope.kind(a):
                continue
            assigns.append((f"{a} = {b}", 1.0))
        for attr in sorted(site.facts.attr_bases.get(a, set()) & set(site.facts.attrs)):
            assigns.append((f"{a} = {a}.{attr}", 0.9))
    codes += [(c, "stmt.assign", aff) for c, aff in assigns[:3]]
    # i += 1 for a numeric local of the enclosing while condition
    loop: ast.AST | None = stmt
    if not isinstance(stmt, ast.While):
        loop = next((a for a in site.ancestors(stmt) if isinstance(a, ast.While | FuncDef)), None)
    if isinstance(loop, ast.While):
        nums = [v for v in names_in(loop.test) if v in local and scope.kind(v) in (NUM, "")]
        for v in nums[:2]:
            codes += [(f"{v} += 1", "stmt.increment", 1.0), (f"{v} -= 1", "stmt.increment", 0.7)]
    # container.append(x) where the container is used with that method elsewhere
    targets = _assigned_names(stmt)
    calls = []
    for node in nodes:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.attr in _INSERT_METHODS
            and len(node.args) == 1
        ):
            calls.append((node.func.value.id, node.func.attr))
    for container, method in list(dict.fromkeys(calls))[:2]:
        for t in targets[:1]:
            if t != container:
                codes.append((f"{container}.{method}({t})", "stmt.call", 1.0))
    for code, template, aff in codes:
        after = _after(site, lines, code, at_end=template == "stmt.increment")
        if after is not None:
            desc = f"insert '{code}' after line {stmt.lineno}"
            yield Mutation(template, aff, desc, splices=[after[0]])


def _assigned_names(stmt: ast.stmt) -> list[str]:
    targets: list[ast.AST] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign | ast.For):
        targets = [stmt.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
