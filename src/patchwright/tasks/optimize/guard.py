"""Anti-gaming checks on an optimize candidate: a patch may not touch the tests or the
workload (they judge it), and a cache that outlives one call (a module-level container
the code writes into, ``lru_cache``/``cache`` on a module-level function) is flagged: the
workload repeats its inputs, so such a cache measures the workload, not the code."""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from patchwright.core.domain import Patch

_CACHE_DECORATORS = {"cache", "lru_cache", "cached", "memoize", "cached_property"}


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in ("test", "tests", "testing") for p in parts[:-1])
        or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    )  # fmt: skip


@dataclass
class Vetting:
    refused: list[str] = field(default_factory=list)
    """Why the patch may not be used at all (tests or workload edited)."""
    flags: list[str] = field(default_factory=list)
    """Cross-call caches found in the patched code (the candidate is not accepted)."""

    @property
    def ok(self) -> bool:
        return not self.refused and not self.flags


def _decorator_name(d: ast.expr) -> str:
    d = d.func if isinstance(d, ast.Call) else d
    if isinstance(d, ast.Attribute):
        return d.attr
    return d.id if isinstance(d, ast.Name) else ""


def cross_call_caches(text: str) -> set[str]:
    """Caches in a module that outlive one call: memoizing decorators on module-level
    functions or methods, and module-level containers that functions write into."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    out: set[str] = set()
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        defs += [n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for f in defs:
        for d in f.decorator_list:
            if _decorator_name(d) in _CACHE_DECORATORS:
                out.add(f"@{_decorator_name(d)} on {f.name}")
    containers = set()
    for n in tree.body:
        if isinstance(n, ast.Assign | ast.AnnAssign):
            value = n.value
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if isinstance(value, ast.Dict | ast.List | ast.Set) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in ("dict", "list", "set", "defaultdict", "OrderedDict")
            ):  # fmt: skip
                containers.update(t.id for t in targets if isinstance(t, ast.Name))
    for f in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        local = {a.arg for a in ast.walk(f.args) if isinstance(a, ast.arg)}
        for n in ast.walk(f):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                local.add(n.id)
        for n in ast.walk(f):
            base = None
            if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store):
                base = n.value
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in (
                "setdefault", "update", "append", "add", "__setitem__"
            ):
                base = n.func.value
            if isinstance(base, ast.Name) and base.id in containers and base.id not in local:
                out.add(f"module-level {base.id} written by {f.name}")
    return out


def vet(
    patch: Patch,
    base: Mapping[str, str],
    after: Mapping[str, str],
    protected: Collection[str],
) -> Vetting:
    """Refuse edits of tests and of the ``protected`` files (the workload); flag caches
    the patch adds that persist across calls (``after``: the patched files' texts)."""
    v = Vetting()
    for path in patch.files:
        if is_test_path(path):
            v.refused.append(f"edits a test file: {path}")
        elif path in protected:
            v.refused.append(f"edits the workload: {path}")
    for path in patch.files:
        if path.endswith(".py") and path in after:
            new = cross_call_caches(after[path]) - cross_call_caches(base.get(path, ""))
            v.flags += [f"cross-call cache in {path}: {c}" for c in sorted(new)]
    return v


__all__ = ["Vetting", "cross_call_caches", "is_test_path", "vet"]
