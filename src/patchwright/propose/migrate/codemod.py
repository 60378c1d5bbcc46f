"""Rename uses of old library names as LibCST codemods (formatting and comments kept).

Handles ``import lib``, ``import lib as alias`` (``np.float_`` -> ``np.float64``), submodule
attribute chains (``np.foo`` -> ``np.exceptions.foo``) and ``from lib import old [as x]``
(the imported name is renamed, and the local name too unless it was aliased)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider


@dataclass(frozen=True)
class Site:
    """One use of an old name: where, and what it becomes."""

    line: int
    old: str
    new: str
    text: str
    """Source text of the use as written (``np.float_``)."""
    replacement: str
    """Source text it becomes (``np.float64``)."""

    @property
    def key(self) -> tuple[int, str]:
        return (self.line, self.text)


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _chain(base: cst.BaseExpression, parts: Sequence[str]) -> cst.BaseExpression:
    out = base
    for part in parts:
        out = cst.Attribute(value=out, attr=cst.Name(part))
    return out


class _Renamer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, rules: Mapping[str, str], only: set[tuple[int, str]] | None) -> None:
        super().__init__()
        self.rules = rules
        self.only = only
        self.sites: list[Site] = []
        self._import_renames: dict[str, str] = {}
        self._depth = 0

    def _qualified(self, node: cst.CSTNode) -> str | None:
        names = self.get_metadata(QualifiedNameProvider, node, set())
        for q in names:
            if q.name in self.rules:
                return q.name
        return None

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _wanted(self, line: int, text: str) -> bool:
        return self.only is None or (line, text) in self.only

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return self._qualified(node) is None  # do not descend into a chain we rewrite

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        old = self._qualified(original)
        if old is None:
            return updated
        base_q = self.get_metadata(QualifiedNameProvider, original.value, set())
        new = self.rules[old]
        for q in base_q:
            if new.startswith(q.name + "."):
                text = _dotted(original) or ""
                line = self._line(original)
                if not self._wanted(line, text):
                    return updated
                result = _chain(original.value, new[len(q.name) + 1 :].split("."))
                replacement = cst.Module([]).code_for_node(result)
                self.sites.append(Site(line, old, new, text, replacement))
                return result.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return updated

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar) or node.relative or node.module is None:
            return
        module = _dotted(node.module)
        for alias in node.names:
            name = _dotted(alias.name)
            new = self.rules.get(f"{module}.{name}")
            if new and new.rpartition(".")[0] == module:
                self._import_renames[f"{module}.{name}"] = new

    def leave_ImportAlias(
        self, original: cst.ImportAlias, updated: cst.ImportAlias
    ) -> cst.ImportAlias:
        return updated

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> cst.ImportFrom:
        if isinstance(updated.names, cst.ImportStar) or updated.module is None:
            return updated
        module = _dotted(updated.module)
        line = self._line(original)
        names = []
        for alias in updated.names:
            name = _dotted(alias.name) or ""
            new = self._import_renames.get(f"{module}.{name}")
            if new and self._wanted(line, name):
                short = new.rpartition(".")[2]
                self.sites.append(Site(line, f"{module}.{name}", new, name, short))
                alias = alias.with_changes(name=cst.Name(short))
            names.append(alias)
        return updated.with_changes(names=names)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        old = self._qualified(original)
        new = self._import_renames.get(old or "")
        if not old or not new or original.value != old.rpartition(".")[2]:
            return updated  # not a from-import use, or the import had "as"
        line = self._line(original)
        if not self._wanted(line, original.value):
            return updated
        short = new.rpartition(".")[2]
        self.sites.append(Site(line, old, new, original.value, short))
        return updated.with_changes(value=short)


def rewrite(
    source: str, rules: Mapping[str, str], only: set[tuple[int, str]] | None = None
) -> tuple[str, list[Site]]:
    """``source`` with every use of a rule's old name renamed (only the sites in ``only``
    when given, keyed by (line, text)); returns the new text and the sites changed."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return source, []
    renamer = _Renamer(rules, only)
    new = MetadataWrapper(module).visit(renamer)
    return new.code, sorted(renamer.sites, key=lambda s: (s.line, s.text))


def scan(source: str, rules: Mapping[str, str]) -> list[Site]:
    """The sites :func:`rewrite` would change."""
    return rewrite(source, rules)[1]
