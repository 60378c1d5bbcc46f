"""Rename uses of old library names as LibCST codemods (formatting and comments kept).

Handles ``import lib``, ``import lib as alias`` (``np.float_`` -> ``np.float64``), submodule
attribute chains (``np.foo`` -> ``np.exceptions.foo``) and ``from lib import old [as x]``
(the imported name is renamed, and the local name too unless it was aliased).

A rule's replacement may be an expression of qualified names (``numpy.NINF`` ->
``-numpy.inf``): its names are written with the site's own spelling of the module
(``-np.inf``), in parentheses where the context would bind tighter."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
)


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


def _binds_tighter(parent: cst.CSTNode | None) -> bool:
    """Whether ``parent`` binds tighter than a unary sign (the only operator a mined
    replacement holds): an attribute, call, subscript, power or another unary operator."""
    if isinstance(parent, cst.BinaryOperation):
        return isinstance(parent.operator, cst.Power)
    return isinstance(parent, (cst.Attribute, cst.Call, cst.Subscript, cst.UnaryOperation,
                               cst.Await))  # fmt: skip


def is_dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


class _Spell(cst.CSTTransformer):
    """Qualified names of an expression spelled with a site's prefixes (``numpy`` -> ``np``)."""

    def __init__(self, prefixes: Sequence[tuple[str, cst.BaseExpression]]) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.unmapped = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False

    def _map(self, node: cst.BaseExpression) -> cst.BaseExpression:
        dotted = _dotted(node) or ""
        for qname, code in self.prefixes:
            if dotted == qname:
                return code
            if dotted.startswith(qname + "."):
                return _chain(code, dotted[len(qname) + 1 :].split("."))
        if "." in dotted:
            self.unmapped = True
        return node

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return self._map(original)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self._map(original)


class _Renamer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider, ParentNodeProvider)

    def __init__(self, rules: Mapping[str, str], only: set[tuple[int, str]] | None) -> None:
        super().__init__()
        self.rules = rules
        self.only = only
        self.sites: list[Site] = []
        self._import_renames: dict[str, str] = {}
        self._import_exprs: dict[str, tuple[cst.BaseExpression, list[str]]] = {}
        """From-imported names whose rule is an expression: (spelled expression, names
        the from-import must bring instead)."""
        self._module_alias: dict[str, cst.BaseExpression] = {}
        self._names: set[str] = set()
        self._from_imported: dict[str, set[str]] = {}
        self._in_import = False
        self._depth = 0

    def visit_Module(self, node: cst.Module) -> None:
        """Module-level ``import lib [as x]`` spellings, and every name the module uses
        (a name a from-import would add must not clash with one)."""
        for stmt in node.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if (isinstance(small, cst.ImportFrom) and small.module is not None
                        and not isinstance(small.names, cst.ImportStar) and not small.relative):
                    got = self._from_imported.setdefault(_dotted(small.module) or "", set())
                    got.update(_dotted(a.name) or "" for a in small.names if a.asname is None)
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        dotted = _dotted(alias.name) or ""
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            self._module_alias[dotted] = cst.Name(alias.asname.name.value)
                        elif "." not in dotted:
                            self._module_alias.setdefault(dotted, cst.Name(dotted))
        finder = _AllNames()
        node.visit(finder)
        self._names = finder.names

    def _from_import_expression(
        self, module: str, new: str
    ) -> tuple[cst.BaseExpression, list[str]] | None:
        """``new`` spelled for the uses of a from-imported name: with the module's own
        import alias, or with names the same from-import brings (``-inf``)."""
        try:
            expr = cst.parse_expression(new)
        except cst.ParserSyntaxError:
            return None
        spell = _Spell(sorted(self._module_alias.items(), key=lambda kv: -len(kv[0])))
        result = expr.visit(spell)
        if not spell.unmapped and isinstance(result, cst.BaseExpression):
            return result, []
        needed: list[str] = []
        bare = _Bare(module, needed)
        result = expr.visit(bare)
        if bare.unmapped or not isinstance(result, cst.BaseExpression):
            return None
        if any(n in self._names and n not in self._from_imported.get(module, ()) for n in needed):
            return None  # the name is bound to something else here
        return result, needed

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
        if not is_dotted(new) or not any(new.startswith(q.name + ".") for q in base_q):
            return self._expression(original, updated, old, new)
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

    def _prefixes(self, node: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
        """(qualified name, source node) of ``node`` and each shorter prefix of its chain."""
        out = []
        while isinstance(node, (cst.Attribute, cst.Name)):
            for q in self.get_metadata(QualifiedNameProvider, node, set()):
                out.append((q.name, node.with_changes(lpar=[], rpar=[])))
            node = node.value if isinstance(node, cst.Attribute) else None  # type: ignore[assignment]
        return sorted(out, key=lambda qc: -len(qc[0]))

    def _expression(
        self, original: cst.Attribute, updated: cst.Attribute, old: str, new: str
    ) -> cst.BaseExpression:
        """The use rewritten to an expression (or a name in another branch of the module)."""
        try:
            expr = cst.parse_expression(new)
        except cst.ParserSyntaxError:
            return updated
        spell = _Spell(self._prefixes(original.value))
        result = expr.visit(spell)
        if spell.unmapped or not isinstance(result, cst.BaseExpression):
            return updated
        text = _dotted(original) or ""
        line = self._line(original)
        if not self._wanted(line, text):
            return updated
        atomic = isinstance(result, (cst.Name, cst.Attribute, cst.Integer, cst.Float))
        parent = self.get_metadata(ParentNodeProvider, original, None)
        if not atomic and _binds_tighter(parent):
            result = result.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        replacement = cst.Module([]).code_for_node(result)
        self.sites.append(Site(line, old, new, text, replacement))
        if updated.lpar:
            result = result.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return result

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import = True
        if isinstance(node.names, cst.ImportStar) or node.relative or node.module is None:
            return
        module = _dotted(node.module) or ""
        for alias in node.names:
            name = _dotted(alias.name)
            new = self.rules.get(f"{module}.{name}")
            if new and is_dotted(new) and new.rpartition(".")[0] == module:
                self._import_renames[f"{module}.{name}"] = new
            elif new and not is_dotted(new) and self.only is None:
                spelled = self._from_import_expression(module, new)
                if spelled is not None:
                    self._import_exprs[f"{module}.{name}"] = spelled

    def leave_ImportAlias(
        self, original: cst.ImportAlias, updated: cst.ImportAlias
    ) -> cst.ImportAlias:
        return updated

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        self._in_import = False
        if isinstance(updated.names, cst.ImportStar) or updated.module is None:
            return updated
        module = _dotted(updated.module)
        line = self._line(original)
        names = []
        added: list[str] = []
        for alias in updated.names:
            name = _dotted(alias.name) or ""
            new = self._import_renames.get(f"{module}.{name}")
            if f"{module}.{name}" in self._import_exprs:
                needed = self._import_exprs[f"{module}.{name}"][1]
                added += needed
                self.sites.append(Site(line, f"{module}.{name}", self.rules[f"{module}.{name}"],
                                       name, ", ".join(needed) or "(import removed)"))
                continue  # its uses became the expression
            if new and self._wanted(line, name):
                short = new.rpartition(".")[2]
                self.sites.append(Site(line, f"{module}.{name}", new, name, short))
                alias = alias.with_changes(name=cst.Name(short))
            names.append(alias)
        have = {_dotted(a.name) for a in names}
        names += [cst.ImportAlias(name=cst.Name(n)) for n in dict.fromkeys(added) if n not in have]
        if not names:
            return cst.RemoveFromParent()
        if [a.name for a in names] != [a.name for a in updated.names]:
            first, end = updated.names[0].comma, updated.names[-1].comma
            sep = first if isinstance(first, cst.Comma) and first is not end else cst.Comma(
                whitespace_after=cst.SimpleWhitespace(" "))
            names = [a.with_changes(comma=sep) for a in names[:-1]] + [
                names[-1].with_changes(comma=end)]
        return updated.with_changes(names=names)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        old = self._qualified(original)
        if old in self._import_exprs and not self._in_import:
            return self._from_import_use(original, old)
        new = self._import_renames.get(old or "")
        if not old or not new or original.value != old.rpartition(".")[2]:
            return updated  # not a from-import use, or the import had "as"
        line = self._line(original)
        if not self._wanted(line, original.value):
            return updated
        short = new.rpartition(".")[2]
        self.sites.append(Site(line, old, new, original.value, short))
        return updated.with_changes(value=short)


    def _from_import_use(self, original: cst.Name, old: str) -> cst.BaseExpression:
        result = self._import_exprs[old][0]
        line = self._line(original)
        parent = self.get_metadata(ParentNodeProvider, original, None)
        if not isinstance(result, (cst.Name, cst.Attribute)) and _binds_tighter(parent):
            result = result.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        replacement = cst.Module([]).code_for_node(result)
        self.sites.append(Site(line, old, self.rules[old], original.value, replacement))
        return result


class _AllNames(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _Bare(cst.CSTTransformer):
    """``module.attr`` names of an expression as bare ``attr`` (to import from ``module``)."""

    def __init__(self, module: str, needed: list[str]) -> None:
        super().__init__()
        self.module = module
        self.needed = needed
        self.unmapped = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        owner, _, attr = (_dotted(original) or "").rpartition(".")
        if owner != self.module:
            self.unmapped = True
            return updated
        self.needed.append(attr)
        return cst.Name(attr)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return updated  # a builtin


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
    try:
        code = MetadataWrapper(module).visit(renamer).code
        ast.parse(code)
    except (SyntaxError, cst.CSTValidationError, ValueError):
        return source, []  # a rewrite that leaves no valid module (an emptied block) is none
    return code, sorted(renamer.sites, key=lambda s: (s.line, s.text))


def scan(source: str, rules: Mapping[str, str]) -> list[Site]:
    """The sites :func:`rewrite` would change."""
    return rewrite(source, rules)[1]


class _Uses(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, names: Mapping[str, str]) -> None:
        super().__init__()
        self.names = names
        self.found: list[Site] = []

    def _check(self, node: cst.Attribute | cst.Name) -> bool:
        for q in self.get_metadata(QualifiedNameProvider, node, set()):
            if q.name in self.names:
                line = self.get_metadata(PositionProvider, node).start.line
                text = _dotted(node) or ""
                self.found.append(Site(line, q.name, "", text, self.names[q.name]))
                return False
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return self._check(node)

    def visit_Name(self, node: cst.Name) -> bool:
        return self._check(node)

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False


def uses(source: str, names: Mapping[str, str]) -> list[Site]:
    """Uses of the qualified ``names`` (name -> why it matters, kept as the site's
    ``replacement``) in ``source``, imports not counted."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return []
    finder = _Uses(names)
    MetadataWrapper(module).visit(finder)
    return sorted(finder.found, key=lambda s: (s.line, s.text))


def is_test_path(path: str) -> bool:
    """Test code (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``): not migrated
    by the codemod, since the tests judge the migration."""
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in ("test", "tests", "testing") for p in parts[:-1])
        or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    )  # fmt: skip


class _LibraryNames(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider,)

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root
        self.found: set[str] = set()

    def _check(self, node: cst.Attribute | cst.Name) -> bool:
        for q in self.get_metadata(QualifiedNameProvider, node, set()):
            if q.name.startswith(self.root + "."):
                self.found.add(q.name)
                return False
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return self._check(node)

    def visit_Name(self, node: cst.Name) -> bool:
        return self._check(node)


def library_names(source: str, root: str) -> set[str]:
    """Qualified names under the package ``root`` that ``source`` uses (``numpy.NINF``
    for ``np.NINF`` or a from-imported ``NINF``); the longest chain of each use."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return set()
    finder = _LibraryNames(root)
    MetadataWrapper(module).visit(finder)
    return finder.found
