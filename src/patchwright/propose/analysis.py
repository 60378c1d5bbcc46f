"""Per-file analysis: parse once, resolve a line to its statement and site, verify renders."""

from __future__ import annotations

import ast
import bisect
import warnings
from collections import Counter
from dataclasses import dataclass

from patchwright.propose.pyedit import EditError, Renderer, Source, Splice, apply_splices
from patchwright.propose.scope import (
    FuncDef,
    Scope,
    comprehension_names,
    function_scope,
    module_facts,
)
from patchwright.propose.templates.context import Mutation, Parents, Site

_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


@dataclass(frozen=True)
class Rendered:
    text: str
    """The whole new file."""
    desc: str
    splices: list[Splice]


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def quiet_parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _header_end(stmt: ast.stmt) -> int | None:
    """Last line of a compound statement's header; None for statements we never mutate."""
    if isinstance(stmt, ast.If | ast.While):
        return stmt.test.end_lineno
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return stmt.iter.end_lineno
    if isinstance(stmt, ast.With | ast.AsyncWith):
        last = stmt.items[-1]
        return (last.optional_vars or last.context_expr).end_lineno
    if isinstance(stmt, ast.Match):
        return stmt.subject.end_lineno
    if isinstance(stmt, FuncDef) and stmt.body:
        return max(stmt.lineno, stmt.body[0].lineno - 1)
    return None


def owned_expressions(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.If | ast.While):
        return [stmt.test]
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return [e for it in stmt.items for e in (it.context_expr, it.optional_vars) if e]
    if isinstance(stmt, ast.Match):
        return [stmt.subject]
    if isinstance(stmt, FuncDef):  # default values only
        return [*stmt.args.defaults, *(d for d in stmt.args.kw_defaults if d is not None)]
    if isinstance(stmt, ast.AnnAssign):
        return [stmt.target, *([stmt.value] if stmt.value else [])]
    if hasattr(stmt, "body"):
        return []
    return [n for n in ast.iter_child_nodes(stmt) if isinstance(n, ast.expr)]


class FileAnalysis:
    """A parsed file; builds :class:`Site` objects for its lines."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.src = Source(text)
        self.tree = quiet_parse(text)
        self.parents: Parents = {}
        for node in ast.walk(self.tree):
            for fname, value in ast.iter_fields(node):
                if isinstance(value, ast.AST):
                    self.parents[id(value)] = (node, fname, None)
                elif isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            self.parents[id(item)] = (node, fname, i)
        self.facts = module_facts(self.tree)
        self.renderer = Renderer(self.src, self.tree)
        self.indent_unit = self._indent_unit()
        self._scopes: dict[int, Scope] = {}

    def _indent_unit(self) -> str:
        counts: Counter[str] = Counter()
        for node in ast.walk(self.tree):
            body = getattr(node, "body", None)
            if isinstance(node, ast.stmt) and isinstance(body, list) and body:
                outer, inner = self.src.indent(node.lineno), self.src.indent(body[0].lineno)
                if body[0].lineno > node.lineno and inner.startswith(outer) and inner != outer:
                    counts[inner[len(outer) :]] += 1
        return counts.most_common(1)[0][0] if counts else "    "

    def statement_at(self, line: int) -> ast.stmt | None:
        body: list[ast.stmt] = self.tree.body
        while True:
            found = None
            for stmt in body:
                first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
                if first <= line <= (stmt.end_lineno or stmt.lineno):
                    found = stmt
                    break
            if found is None:
                return None
            if not hasattr(found, "body") and not isinstance(found, ast.Match):
                return found
            end = _header_end(found)
            if end is not None and found.lineno <= line <= end:
                return found
            children: list[ast.stmt] = []
            for fname in _BLOCK_FIELDS:
                for child in getattr(found, fname, []) or []:
                    if isinstance(child, ast.ExceptHandler | ast.match_case):
                        children.extend(child.body)
                    else:
                        children.append(child)
            body = children

    def site(self, line: int, symbol: str = "") -> Site | None:
        if not 1 <= line <= self.src.nlines:
            return None
        stmt = self.statement_at(line)
        if stmt is None:
            return None
        chain: list[FuncDef] = []
        names: list[str] = []
        p = self.parents.get(id(stmt), (None, "", None))[0]
        while p is not None:
            if isinstance(p, FuncDef):
                chain.append(p)
            if isinstance(p, FuncDef | ast.ClassDef):
                names.append(p.name)
            p = self.parents.get(id(p), (None, "", None))[0]
        chain.reverse()
        key = id(chain[-1]) if chain else 0
        if key not in self._scopes:
            self._scopes[key] = function_scope(self.facts, chain)
        nodes: list[ast.expr] = []
        todo: list[ast.AST] = list(owned_expressions(stmt))
        while todo:
            node = todo.pop()
            if isinstance(node, ast.JoinedStr):
                continue
            if isinstance(node, ast.expr) and (
                line == stmt.lineno or node.lineno <= line <= (node.end_lineno or 0)
            ):
                nodes.append(node)
            todo.extend(ast.iter_child_nodes(node))
        nodes.sort(
            key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0))
        )
        return Site(
            path=self.path,
            line=line,
            src=self.src,
            renderer=self.renderer,
            facts=self.facts,
            scope=self._scopes[key],
            stmt=stmt,
            nodes=nodes,
            parents=self.parents,
            chain=chain,
            indent_unit=self.indent_unit,
            symbol=symbol or ".".join(reversed(names)) or "<module>",
            comprehension_names=comprehension_names(stmt),
        )

    # ------------------------------------------------------------------------------ render

    def render(self, site: Site, m: Mutation) -> Rendered | None:
        """The new file text for a mutation, or None when it cannot be rendered faithfully."""
        text = self.src.text
        if m.splices is not None:
            try:
                return Rendered(apply_splices(text, m.splices), m.desc, m.splices)
            except EditError:
                return None
        assert m.target is not None and m.new is not None
        parent, fname, _ = site.parent(m.target)
        attempts = []
        try:
            attempts.append(self.renderer.splices(m.target, m.new, parent, fname))
        except (EditError, ValueError, AttributeError, TypeError):
            pass
        try:
            whole = [self.renderer.replace(m.target, m.new, parent, fname)]
        except (EditError, ValueError, AttributeError, TypeError):
            whole = []
        if whole and whole not in attempts:
            attempts.append(whole)
        expected: str | None = None
        for splices in attempts:
            if not splices:
                continue
            try:
                new_text = apply_splices(text, splices)
            except EditError:
                continue
            if expected is None:
                expected = self._expected_dump(m.target, m.new)
            if self._verify(m.target, splices, new_text, expected):
                desc = m.desc or self._describe(m.target, splices, new_text)
                return Rendered(new_text, desc, splices)
        return None

    def compiles(self, rendered: Rendered) -> bool:
        """The edited file compiles; only the top-level statements the edit touches are
        compiled (equivalent, and much cheaper on large files)."""
        splices = rendered.splices
        if not splices:
            return compiles(rendered.text, self.path)
        lo = min(s.start for s in splices)
        hi = max(s.end for s in splices)
        delta = sum(len(s.text) - (s.end - s.start) for s in splices)
        first = bisect.bisect_right(self.src.starts, lo) or 1
        last = bisect.bisect_right(self.src.starts, max(hi - 1, lo)) or 1
        tops = [
            t
            for t in self.tree.body
            if min([t.lineno, *(d.lineno for d in getattr(t, "decorator_list", []))]) <= last
            and (t.end_lineno or t.lineno) >= first
        ]
        if not tops or any(
            isinstance(t, ast.ImportFrom) and t.module == "__future__" for t in tops
        ):
            return compiles(rendered.text, self.path)
        first = min(
            [
                first,
                *(t.lineno for t in tops),
                *(d.lineno for d in getattr(tops[0], "decorator_list", [])),
            ]
        )
        last = max([last, *((t.end_lineno or t.lineno) for t in tops)])
        start, end = self.src.line_start(first), self.src.line_end(last)
        return compiles(rendered.text[start : end + delta], self.path)

    def _describe(self, target: ast.AST, splices: list[Splice], new_text: str) -> str:
        text = self.src.text
        start, end = self.src.span(target)
        whole = _short(text[start:end])
        if len(splices) == 1:
            s = splices[0]
            old = text[s.start : s.end]
            desc = f"replace '{_short(old)}' with '{_short(s.text)}'"
            if len(old.strip()) < 4 and whole != old:
                desc += f" in '{whole}'"
            return desc
        delta = sum(len(s.text) - (s.end - s.start) for s in splices)
        return f"replace '{whole}' with '{_short(new_text[start : end + delta])}'"

    def _unit(self, node: ast.AST) -> ast.stmt | None:
        """Innermost statement around ``node`` that owns its lines (None: the module)."""
        cur: ast.AST | None = node
        while cur is not None and not isinstance(cur, ast.Module):
            if isinstance(cur, ast.stmt):
                try:
                    line = self.src.line(cur.lineno).lstrip()
                    if self.src.owns_lines(cur) and not line.startswith(("elif", "else")):
                        return cur
                except EditError:
                    pass
            cur = self.parents.get(id(cur), (None, "", None))[0]
        return None

    def _expected_dump(self, target: ast.AST, new: ast.AST) -> str:
        unit = self._unit(target)
        root: ast.AST = unit if unit is not None else self.tree
        if root is target:
            return ast.dump(new)
        parent, fname, index = self.parents[id(target)]
        old_value = getattr(parent, fname)
        if index is None:
            setattr(parent, fname, new)
        else:
            items = list(old_value)
            items[index] = new
            setattr(parent, fname, items)
        try:
            return ast.dump(root)
        finally:
            setattr(parent, fname, old_value)

    def _verify(self, target: ast.AST, splices: list[Splice], new_text: str, expected: str) -> bool:
        unit = self._unit(target)
        try:
            if unit is None:
                return ast.dump(quiet_parse(new_text)) == expected
            first = min([unit.lineno, *(d.lineno for d in getattr(unit, "decorator_list", []))])
            start = self.src.line_start(first)
            end = self.src.line_end(unit.end_lineno or unit.lineno)
            delta = sum(len(s.text) - (s.end - s.start) for s in splices)
            snippet = new_text[start : end + delta]
            wrapped = bool(self.src.indent(first))
            tree = quiet_parse("if 1:\n" + snippet if wrapped else snippet)
            body = tree.body[0].body if wrapped else tree.body  # type: ignore[attr-defined]
            return len(body) == 1 and ast.dump(body[0]) == expected
        except (SyntaxError, ValueError, RecursionError, IndexError):
            return False
