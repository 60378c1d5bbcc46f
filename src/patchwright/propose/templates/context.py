"""What a fix template sees at one suspicious line (:class:`Site`) and what it yields
(:class:`Mutation`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from patchwright.propose.pyedit import Renderer, Source, Splice
from patchwright.propose.scope import FuncDef, ModuleFacts, Scope


@dataclass
class Mutation:
    """One proposed edit: an AST replacement (``target`` -> ``new``) or ready splices.

    A template yields it with an ``affinity`` in [0, 1] that ranks alternatives inside the
    template (e.g. '<' -> '<=' above '<' -> '=='); the registry stamps the template's name
    and weight on it, so the prior weight is ``template weight x affinity``.
    """

    affinity: float
    desc: str = ""
    target: ast.AST | None = None
    new: ast.AST | None = None
    splices: list[Splice] | None = None
    template: str = ""
    template_weight: float = 0.0

    @property
    def weight(self) -> float:
        return self.template_weight * self.affinity


Parents = dict[int, tuple[ast.AST, str, int | None]]


@dataclass
class Site:
    """A suspicious line resolved to its statement, expressions and scope."""

    path: str
    line: int
    src: Source
    renderer: Renderer
    facts: ModuleFacts
    scope: Scope
    stmt: ast.stmt
    nodes: list[ast.expr]
    """Expression nodes owned by the statement on this line, in source order."""
    parents: Parents
    chain: list[FuncDef] = field(default_factory=list)
    indent_unit: str = "    "
    symbol: str = ""
    comprehension_names: set[str] = field(default_factory=set)

    @property
    def func(self) -> FuncDef | None:
        return self.chain[-1] if self.chain else None

    def parent(self, node: ast.AST) -> tuple[ast.AST | None, str, int | None]:
        return self.parents.get(id(node), (None, "", None))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        p = self.parent(node)[0]
        while p is not None:
            yield p
            p = self.parent(p)[0]

    def loop_span(self) -> tuple[int, int] | None:
        """Lines of the innermost loop around the statement (within its function)."""
        for anc in self.ancestors(self.stmt):
            if isinstance(anc, FuncDef | ast.ClassDef):
                return None
            if isinstance(anc, ast.For | ast.AsyncFor | ast.While):
                return anc.lineno, anc.end_lineno or anc.lineno
        return None

    def available(self, var: str) -> bool:
        """``var`` may be read at this statement without being unbound."""
        return self.scope.bound_before(var, self.stmt.lineno, self.loop_span())

    def local_vars(self) -> list[str]:
        """Parameters and locals readable here (no self/cls/_, no comprehension names)."""
        scope = self.scope
        return [
            v
            for v in [*scope.params, *scope.locals]
            if v not in ("self", "cls", "_")
            and v not in self.comprehension_names
            and self.available(v)
        ]

    def text(self, node: ast.AST) -> str:
        return self.src.segment(node)

    def is_collection(self, var: str) -> bool:
        """``var`` holds a collection: its guessed kind, or it is unpacked into a starred
        target (``first, *rest = var``) in the function."""
        if self.scope.kind(var) == "coll":
            return True
        if self.func is None or self.scope.kind(var):
            return False
        for node in ast.walk(self.func):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                if node.value.id != var:
                    continue
                for t in node.targets:
                    elts = t.elts if isinstance(t, ast.Tuple | ast.List) else []
                    if any(isinstance(e, ast.Starred) for e in elts):
                        return True
        return False

    def stmt_names(self) -> list[str]:
        return [n.id for n in self.nodes if isinstance(n, ast.Name)]
