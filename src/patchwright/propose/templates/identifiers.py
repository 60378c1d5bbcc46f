"""Identifier templates: wrong variable, attribute, method or function, missing ``self.``
(TBar "mutate variable" / "mutate method invocation"; PySStuBs "change identifier used")."""

from __future__ import annotations

import ast
import builtins
import difflib
from collections.abc import Iterator

from patchwright.propose.scope import FUNC
from patchwright.propose.templates.builders import name
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template

MAX_VAR_ALTS = 4
BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))
# (old kind known, new kind known) -> affinity when the kinds differ (or both are unknown)
KIND_AFFINITY = {(True, True): 0.0, (True, False): 0.55, (False, True): 0.55, (False, False): 0.6}
METHOD_DUALS = {
    "append": "extend", "extend": "append", "startswith": "endswith", "endswith": "startswith",
    "lower": "upper", "upper": "lower", "lstrip": "rstrip", "rstrip": "lstrip", "find": "rfind",
    "rfind": "find", "appendleft": "append", "popleft": "pop", "floor": "ceil", "ceil": "floor",
    "keys": "values", "values": "keys", "heappop": "heappush", "heappush": "heappop",
    "partition": "rpartition", "rpartition": "partition", "split": "rsplit", "rsplit": "split",
    "index": "rindex", "rindex": "index", "ljust": "rjust", "rjust": "ljust",
    "removeprefix": "removesuffix", "removesuffix": "removeprefix",
}  # fmt: skip


def _called(site: Site, node: ast.expr) -> bool:
    parent, field, _ = site.parent(node)
    return isinstance(parent, ast.Call) and field == "func"


@template(
    "var.func", weight=0.45, on=ast.Name,
    example=(
        "def lo(x):\n    return x\n\ndef hi(x):\n    return x\n\ndef f(x):\n    return lo(x)\n",
        "def lo(x):\n    return x\n\ndef hi(x):\n    return x\n\ndef f(x):\n    return hi(x)\n",
    ),
)  # fmt: skip
def other_function(site: Site, node: ast.Name) -> Iterator[Mutation]:
    """f(x) -> g(x) for functions of the module that accept as many arguments."""
    call = site.parent(node)[0]
    if not isinstance(call, ast.Call) or not _called(site, node):
        return
    if node.id not in site.scope.functions:
        return
    nargs = len(call.args)
    scored: list[tuple[float, int, str]] = []
    for rank, f in enumerate(site.scope.functions):
        least, most = site.facts.arity.get(f, (0, 1 << 30))
        if f == node.id or not least <= nargs <= most:
            continue
        similarity = difflib.SequenceMatcher(None, f, node.id).ratio()
        scored.append((-similarity, rank, f))
    for i, (_, _, f) in enumerate(sorted(scored)[:2]):
        yield Mutation(1.0 - 0.2 * i, target=node, new=name(f))


def self_name(site: Site) -> str:
    """Name of the first parameter when the site is in a method ('self' / 'cls')."""
    fn = site.func
    if fn is None or not fn.args.args or len(site.chain) > 1:
        return ""
    parent = site.parent(fn)[0]
    first = fn.args.args[0].arg
    return first if isinstance(parent, ast.ClassDef) and first in ("self", "cls") else ""


@template(
    "var.self", weight=0.45, on=(ast.Name, ast.Attribute),
    example=(
        "class C:\n    def f(self):\n        self.n = 1\n        return n\n",
        "class C:\n    def f(self):\n        self.n = 1\n        return self.n\n",
    ),
)  # fmt: skip
def self_attribute(site: Site, node: ast.Name | ast.Attribute) -> Iterator[Mutation]:
    """x -> self.x for an attribute of self; self.x -> x for a local of that name."""
    owner = self_name(site)
    if isinstance(node, ast.Name):
        if (
            owner
            and not _called(site, node)
            and isinstance(node.ctx, ast.Load)
            and node.id != owner
            and node.id in site.facts.attr_bases.get(owner, set())
        ):
            new_attr = ast.Attribute(value=name(owner), attr=node.id, ctx=ast.Load())
            yield Mutation(1.0, target=node, new=new_attr)
        return
    if (
        isinstance(node.ctx, ast.Load)
        and not _called(site, node)
        and isinstance(node.value, ast.Name)
        and node.value.id == owner
        and node.attr in [*site.scope.params, *site.scope.locals]
        and site.available(node.attr)
    ):
        yield Mutation(0.8, target=node, new=name(node.attr))


def _var_affinity(site: Site, old: str, new: str, near: set[str]) -> float:
    scope = site.scope
    ko, kn = scope.kind(old), scope.kind(new)
    if FUNC in (ko, kn):
        return 0.0
    aff = KIND_AFFINITY[(bool(ko), bool(kn))] if ko != kn or not ko else 1.0
    lines = scope.loads.get(new, [])
    close = new in near or any(abs(n - site.line) <= 3 for n in lines)
    return aff * scope.locality(new) * (1.0 if close else 0.85)


def _variables(site: Site, node: ast.Name, store: bool) -> Iterator[Mutation]:
    """Other variables of the same kind in scope (shared by var.name and var.store)."""
    scope = site.scope
    parent = site.parent(node)[0]
    if _called(site, node) or node.id not in scope.variables():
        return
    if node.id in site.comprehension_names or isinstance(node.ctx, ast.Store) != store:
        return
    if isinstance(node.ctx, ast.Del) or (store and isinstance(parent, ast.For | ast.comprehension)):
        return
    if store and isinstance(parent, ast.Tuple) and isinstance(site.stmt, ast.For | ast.AsyncFor):
        return
    near = set(site.stmt_names())
    scored: list[tuple[float, int, str]] = []
    for rank, v in enumerate(scope.variables()):
        if v == node.id or v in site.comprehension_names:
            continue
        if (store and v not in scope.locals) or (not store and not site.available(v)):
            continue
        s = _var_affinity(site, node.id, v, near)
        if s > 0:
            scored.append((-s, rank, v))
    for neg, _, v in sorted(scored)[: 2 if store else MAX_VAR_ALTS]:
        yield Mutation(-neg, target=node, new=name(v, store=store))


@template(
    "var.name", weight=0.70, on=ast.Name,
    example=("def f(a, b):\n    c = a\n    return c\n", "def f(a, b):\n    c = b\n    return c\n"),
)  # fmt: skip
def variable(site: Site, node: ast.Name) -> Iterator[Mutation]:
    """Wrong variable read (another of the same kind, in scope, bound here)."""
    yield from _variables(site, node, store=False)


def _defined(tree: ast.Module) -> set[str] | None:
    """Every name the module binds anywhere (None: a star import hides some)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                found.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            found.update(node.names)
    return found


@template(
    "var.undefined", weight=0.80, on=ast.Name,
    example=("LIMIT = 5\n\ndef f():\n    return LIMT\n", "LIMIT = 5\n\ndef f():\n    return LIMIT\n"),
)  # fmt: skip
def undefined_name(site: Site, node: ast.Name) -> Iterator[Mutation]:
    """A name read but bound nowhere (pyflakes' "undefined name", a NameError) -> the most
    similar name the module binds or a builtin (the interpreter's "Did you mean")."""
    if not isinstance(node.ctx, ast.Load) or node.id in BUILTIN_NAMES:
        return
    defined = _defined(site.facts.tree)
    if defined is None or node.id in defined:
        return
    pool = sorted(defined | BUILTIN_NAMES)
    for i, close in enumerate(difflib.get_close_matches(node.id, pool, n=2, cutoff=0.75)):
        yield Mutation(1.0 - 0.2 * i, target=node, new=name(close))


@template(
    "var.store", weight=0.35, on=ast.Name,
    example=(
        "def f(a):\n    b = 0\n    c = 0\n    b = a\n    return b + c\n",
        "def f(a):\n    b = 0\n    c = 0\n    c = a\n    return b + c\n",
    ),
)  # fmt: skip
def stored_variable(site: Site, node: ast.Name) -> Iterator[Mutation]:
    """Assign to another local."""
    yield from _variables(site, node, store=True)


def _other_attributes(site: Site, node: ast.Attribute, is_method: bool) -> Iterator[Mutation]:
    facts = site.facts
    if not isinstance(node.ctx, ast.Load) or _called(site, node) != is_method:
        return
    pool = facts.methods if is_method else facts.attrs
    base = node.value.id if isinstance(node.value, ast.Name) else ""
    same_base = facts.attr_bases.get(base, set())
    scored: list[tuple[float, int, str]] = []
    for attr, count in pool.items():
        if attr == node.attr or attr == METHOD_DUALS.get(node.attr) or attr.startswith("__"):
            continue
        if not is_method and attr in facts.methods and attr not in facts.attrs:
            continue
        if attr in same_base:
            aff = 1.0
        elif difflib.SequenceMatcher(None, attr, node.attr).ratio() >= 0.6:
            aff = 0.6  # similar name used on another object (e.g. get_keys / get_values)
        else:
            continue
        scored.append((-aff, -count, attr))
    for neg, _, attr in sorted(scored)[:3]:
        new = ast.Attribute(value=node.value, attr=attr, ctx=ast.Load())
        yield Mutation(-neg, target=node, new=new)


@template(
    "var.attr", weight=0.50, on=ast.Attribute,
    example=(
        "def f(p):\n    p.x = 1\n    p.y = 2\n    return p.x\n",
        "def f(p):\n    p.x = 1\n    p.y = 2\n    return p.y\n",
    ),
)  # fmt: skip
def other_attribute(site: Site, node: ast.Attribute) -> Iterator[Mutation]:
    """x.foo -> x.bar (an attribute used in the same file)."""
    yield from _other_attributes(site, node, is_method=False)


@template(
    "var.method", weight=0.50, on=ast.Attribute,
    example=(
        "def f(s):\n    s.push(1)\n    return s.peek()\n",
        "def f(s):\n    s.push(1)\n    return s.push()\n",
    ),
)  # fmt: skip
def other_method(site: Site, node: ast.Attribute) -> Iterator[Mutation]:
    """x.foo() -> x.bar() (a method called in the same file)."""
    yield from _other_attributes(site, node, is_method=True)
