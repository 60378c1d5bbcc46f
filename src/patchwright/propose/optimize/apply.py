"""Apply performance rewrites to one function of a module's text: the function's lines are
replaced by the rewritten definition (``ast.unparse``, at the same indentation) and the
imports it needs are added at the top; the result must compile."""

from __future__ import annotations

import ast
import copy
from collections.abc import Sequence
from dataclasses import dataclass

from patchwright.propose.optimize.registry import Rewrite

Func = ast.FunctionDef


@dataclass(frozen=True)
class Applied:
    text: str
    names: tuple[str, ...]
    """The rewrites applied, in order."""


def _functions(tree: ast.AST) -> list[Func]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def _start(f: Func) -> int:
    return min([f.lineno, *(d.lineno for d in f.decorator_list)])


def find_function(tree: ast.Module, line: int) -> Func | None:
    """The outermost function whose definition (decorators included) covers ``line``."""
    best: Func | None = None
    for f in _functions(tree):
        end = f.end_lineno or f.lineno
        if _start(f) <= line <= end and (best is None or _start(f) < _start(best)):
            best = f
    return best


def _nested(func: Func) -> list[Func]:
    return [n for n in ast.walk(func) if isinstance(n, ast.FunctionDef) and n is not func]


def _apply_one(rw: Rewrite, func: Func) -> tuple[Func, tuple[str, ...]] | None:
    """The rewrite on the function itself, else on the first nested function it fits."""
    got = rw(copy.deepcopy(func))
    if got is not None:
        return got
    for inner in _nested(func):
        work = copy.deepcopy(func)
        target = next(n for n in _nested(work) if n.lineno == inner.lineno and n.name == inner.name)
        done = rw(copy.deepcopy(target))
        if done is None:
            continue
        for parent in ast.walk(work):
            for attr in ("body", "orelse", "finalbody"):
                seq = getattr(parent, attr, None)
                if isinstance(seq, list) and target in seq:
                    seq[seq.index(target)] = done[0]
        return work, done[1]
    return None


def _with_imports(text: str, imports: Sequence[str]) -> str:
    tree = ast.parse(text)
    have = {ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}
    need = [i for i in imports if i not in have]
    if not need:
        return text
    at = 0
    for n in tree.body:
        docstring = isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(
            n.value.value, str
        )
        future = isinstance(n, ast.ImportFrom) and n.module == "__future__"
        if (docstring and at == 0) or future:
            at = n.end_lineno or n.lineno
        else:
            break
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:at], *(i + "\n" for i in need), *lines[at:]])


def apply_rewrite(text: str, line: int, rw: Rewrite) -> str | None:
    """``text`` with ``rw`` applied to the function covering ``line``, or None."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    func = find_function(tree, line)
    if func is None:
        return None
    got = _apply_one(rw, func)
    if got is None:
        return None
    new_func, imports = got
    ast.fix_missing_locations(new_func)
    indent = " " * func.col_offset
    body = ast.unparse(new_func)
    new_lines = "".join(indent + ln + "\n" if ln else "\n" for ln in body.splitlines())
    lines = text.splitlines(keepends=True)
    end = func.end_lineno or func.lineno
    out = "".join([*lines[: _start(func) - 1], new_lines, *lines[end:]])
    out = _with_imports(out, imports)
    try:
        compile(out, "<rewrite>", "exec")
    except SyntaxError:
        return None
    return out if out != text else None


def _shifted_line(text: str, name: str, near: int) -> int:
    """Where the function named ``name`` starts now (the closest to ``near``)."""
    tree = ast.parse(text)
    starts = [_start(f) for f in _functions(tree) if f.name == name and f.col_offset == 0] or [
        _start(f) for f in _functions(tree) if f.name == name
    ]
    return min(starts, key=lambda s: abs(s - near)) if starts else near


def apply_all(text: str, line: int, rewrites: Sequence[Rewrite], rounds: int = 3) -> Applied | None:
    """Every rewrite that applies, stacked on the same function (a few rounds, since one
    may open the way for another); None when none applies."""
    tree = ast.parse(text)
    func = find_function(tree, line)
    if func is None:
        return None
    name, names, cur = func.name, [], text
    for _ in range(rounds):
        progressed = False
        for rw in rewrites:
            at = _shifted_line(cur, name, line)
            new = apply_rewrite(cur, at, rw)
            if new is not None:
                cur, progressed = new, True
                names.append(rw.name)
        if not progressed:
            break
    return Applied(cur, tuple(names)) if names else None
