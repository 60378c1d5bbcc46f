"""Small AST facts the performance rewrites rely on (names read, written, mutated)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

PURE_BUILTINS = frozenset({
    "abs", "all", "any", "bin", "bool", "chr", "divmod", "float", "frozenset", "hex", "int",
    "len", "max", "min", "oct", "ord", "pow", "range", "round", "set", "sorted", "str", "sum",
    "tuple", "enumerate", "zip", "reversed", "isinstance", "list", "dict",
})
"""Builtins without side effects on their arguments (hoisting, purity)."""
PURE_MODULES = frozenset({"math"})


def names_stored(nodes: Iterable[ast.AST]) -> set[str]:
    out: set[str] = set()
    for top in nodes:
        for n in ast.walk(top):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
                out.add(n.id)
            elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                out.add(n.name)
            elif isinstance(n, ast.Global | ast.Nonlocal):
                out.update(n.names)
            elif isinstance(n, ast.alias):
                out.add((n.asname or n.name).split(".")[0])
    return out


def names_read(nodes: Iterable[ast.AST]) -> set[str]:
    return {n.id for top in nodes for n in ast.walk(top)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}  # fmt: skip


def names_mutated(nodes: Iterable[ast.AST]) -> set[str]:
    """Names whose object may change in ``nodes``: stored, a method called on them, an item
    or attribute assigned or deleted, or passed to a call that is not a pure builtin."""
    out = names_stored(nodes)
    for top in nodes:
        for n in ast.walk(top):
            if isinstance(n, ast.Call):
                f = n.func
                if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                        and f.value.id not in PURE_MODULES):  # fmt: skip
                    out.add(f.value.id)
                pure = (isinstance(f, ast.Name) and f.id in PURE_BUILTINS) or (
                    isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                    and f.value.id in PURE_MODULES
                )
                if not pure:
                    for a in [*n.args, *(k.value for k in n.keywords)]:
                        out.update(x.id for x in ast.walk(a) if isinstance(x, ast.Name))
            elif isinstance(n, ast.Subscript | ast.Attribute) and isinstance(
                n.ctx, ast.Store | ast.Del
            ):
                base = n.value
                while isinstance(base, ast.Subscript | ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name):
                    out.add(base.id)
    return out


def bodies(node: ast.AST) -> Iterator[list[ast.stmt]]:
    """Every statement list under ``node`` (its own bodies and nested ones)."""
    for n in ast.walk(node):
        for attr in ("body", "orelse", "finalbody"):
            seq = getattr(n, attr, None)
            if isinstance(seq, list) and seq and isinstance(seq[0], ast.stmt):
                yield seq
        if isinstance(n, ast.Try):
            for h in n.handlers:
                yield h.body


def loops(node: ast.AST) -> Iterator[tuple[list[ast.stmt], int, ast.For | ast.While]]:
    """(statement list, index, loop) for every for/while loop under ``node``."""
    for seq in list(bodies(node)):
        for i, s in enumerate(seq):
            if isinstance(s, ast.For | ast.While):
                yield seq, i, s


def is_empty_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == ""


def used_after(func: ast.FunctionDef, seq: list[ast.stmt], index: int, name: str) -> bool:
    """``name`` is read anywhere in ``func`` outside ``seq[index]`` (conservative), except
    where it is rebound first: inside a comprehension whose target it is, and in the body
    of any other ``for name in ...`` (its iterable, its ``else`` and what follows it still
    count: that loop may not have run)."""
    skip = {id(n) for n in ast.walk(seq[index])}
    for n in ast.walk(func):
        if isinstance(n, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) and any(
            name in names_stored([g.target]) for g in n.generators
        ):
            outer = {id(x) for x in ast.walk(n.generators[0].iter)}  # the enclosing scope's
            skip.update(id(x) for x in ast.walk(n) if id(x) not in outer)
        elif (isinstance(n, ast.For) and name in names_stored([n.target])
                and not any(x is seq[index] for x in ast.walk(n))):  # not a loop around this one
            skip.update(id(x) for top in [n.target, *n.body] for x in ast.walk(top))
    return any(
        isinstance(n, ast.Name) and n.id == name and id(n) not in skip
        for n in ast.walk(func)
    )


def sets_flag(stmt: ast.stmt) -> bool:
    """``a = b = CONSTANT``: running it again changes nothing."""
    return (isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant))  # fmt: skip


def int_const(n: ast.AST | None, *, positive: bool = False) -> bool:
    """An int literal (> 0 with ``positive``)."""
    ok = isinstance(n, ast.Constant) and type(n.value) is int
    return ok and (not positive or n.value > 0)  # type: ignore[union-attr]


def range_args(it: ast.AST) -> list[ast.expr] | None:
    """The arguments of ``range(...)`` (one to three positional), else None."""
    if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            and not it.keywords and 1 <= len(it.args) <= 3):  # fmt: skip
        return it.args
    return None


def params(func: ast.FunctionDef) -> set[str]:
    return {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)}


def bound_names(func: ast.FunctionDef) -> set[str]:
    """Names the function binds itself (its parameters and every store in its body): a
    builtin of one of these names is shadowed."""
    return names_stored(func.body) | params(func)


def has_flow(nodes: Iterable[ast.AST], kinds: tuple[type, ...]) -> bool:
    return any(isinstance(n, kinds) for top in nodes for n in ast.walk(top))


def fresh(func: ast.FunctionDef, stem: str) -> str:
    """A name not used anywhere in ``func``."""
    used = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | {
        a.arg for a in ast.walk(func) if isinstance(a, ast.arg)
    }
    name, i = f"_{stem}", 1
    while name in used:
        name, i = f"_{stem}{i}", i + 1
    return name
