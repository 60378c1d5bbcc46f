"""Qualified names a module uses, from the standard library's ``ast`` (fast: no LibCST
metadata, so a pre-commit check of a few files stays well under a second).

``import numpy as np`` then ``np.float_`` -> ``numpy.float_``; ``from numpy import float_``
-> the import itself and every bare ``float_``. Scopes are not tracked (a local that
shadows an imported name is still read as the import): a finding is a hint with a line,
the codemod that fixes it works on the real binding (LibCST)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Use:
    line: int
    col: int
    qualified: str
    """``numpy.float_``."""
    text: str
    """As written: ``np.float_``."""
    alias: tuple[str, str]
    """(local spelling, qualified name) of the import it goes through: ``("np", "numpy")``."""


def _bindings(tree: ast.Module, roots: frozenset[str]) -> tuple[dict[str, str], list[Use]]:
    """Local name -> qualified name for imports of ``roots``; and the from-import uses."""
    bound: dict[str, str] = {}
    imported: list[Use] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                if top in roots:
                    if a.asname:
                        bound[a.asname] = a.name
                    else:
                        bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in roots:
                continue
            for a in node.names:
                if a.name == "*":
                    continue
                qualified = f"{node.module}.{a.name}"
                bound[a.asname or a.name] = qualified
                imported.append(Use(node.lineno, node.col_offset, qualified, a.name,
                                    (node.module, node.module)))  # fmt: skip
    return bound, imported


def _chain(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def qualified_uses(tree: ast.Module, roots: frozenset[str]) -> Iterator[Use]:
    """Every use of a name imported from one of the packages ``roots``, longest chain
    first (``np.lib.npyio.DataSource`` yields the full chain; the caller matches prefixes)."""
    bound, imported = _bindings(tree, roots)
    if not bound:
        return
    yield from imported
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            parts = _chain(node)
            sub = node.value
            while isinstance(sub, ast.Attribute):
                inner.add(id(sub))
                sub = sub.value
            if sub is not None and isinstance(sub, ast.Name):
                inner.add(id(sub))
            if parts and parts[0] in bound:
                base = bound[parts[0]]
                yield Use(node.lineno, node.col_offset, ".".join([base, *parts[1:]]),
                          ".".join(parts), (parts[0], base))  # fmt: skip
        elif (isinstance(node, ast.Name) and id(node) not in inner and node.id in bound
              and "." in bound[node.id] and bound[node.id].split(".")[0] != node.id):
            yield Use(node.lineno, node.col_offset, bound[node.id], node.id,
                      (node.id, bound[node.id]))  # fmt: skip
