"""Identifier templates: wrong variable, attribute, method, function, missing ``self.``."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator

from patchwright.propose.scope import FUNC
from patchwright.propose.site import Mutation, Site, name

MAX_VAR_ALTS = 4
# (old kind known, new kind known) -> affinity when the kinds differ (or both are unknown)
KIND_AFFINITY = {(True, True): 0.0, (True, False): 0.55, (False, True): 0.55, (False, False): 0.6}
METHOD_DUALS = {
    "append": "extend", "extend": "append", "startswith": "endswith", "endswith": "startswith",
    "lower": "upper", "upper": "lower", "lstrip": "rstrip", "rstrip": "lstrip", "find": "rfind",
    "rfind": "find", "appendleft": "append", "popleft": "pop", "floor": "ceil", "ceil": "floor",
    "keys": "values", "values": "keys", "heappop": "heappush", "heappush": "heappop",
}  # fmt: skip


def name_mutations(site: Site, node: ast.Name) -> Iterator[Mutation]:
    scope = site.scope
    parent, field, _ = site.parent(node)
    if isinstance(parent, ast.Call) and field == "func":
        if node.id in scope.functions:
            yield from _other_functions(site, node, parent)
        return
    variables = scope.variables()
    self_name = _self_name(site)
    if (
        self_name
        and isinstance(node.ctx, ast.Load)
        and node.id != self_name
        and node.id in site.facts.attr_bases.get(self_name, set())
    ):
        new_attr = ast.Attribute(value=name(self_name), attr=node.id, ctx=ast.Load())
        yield Mutation("var.self", 1.0, target=node, new=new_attr)
    if node.id not in variables or node.id in site.comprehension_names:
        return
    store = isinstance(node.ctx, ast.Store)
    if isinstance(node.ctx, ast.Del) or (store and isinstance(parent, ast.For | ast.comprehension)):
        return
    if store and isinstance(parent, ast.Tuple) and isinstance(site.stmt, ast.For | ast.AsyncFor):
        return
    near = set(site.stmt_names())
    scored: list[tuple[float, int, str]] = []
    for rank, v in enumerate(variables):
        if v == node.id or v in site.comprehension_names:
            continue
        if (store and v not in scope.locals) or (not store and not site.available(v)):
            continue
        s = _var_affinity(site, node.id, v, near)
        if s > 0:
            scored.append((-s, rank, v))
    template = "var.store" if store else "var.name"
    for neg, _, v in sorted(scored)[: 2 if store else MAX_VAR_ALTS]:
        yield Mutation(template, -neg, target=node, new=name(v, store=store))


def _other_functions(site: Site, node: ast.Name, call: ast.Call) -> Iterator[Mutation]:
    """f(x) -> g(x) for functions of the module that accept as many arguments."""
    nargs = len(call.args)
    scored: list[tuple[float, int, str]] = []
    for rank, f in enumerate(site.scope.functions):
        least, most = site.facts.arity.get(f, (0, 1 << 30))
        if f == node.id or not least <= nargs <= most:
            continue
        similarity = difflib.SequenceMatcher(None, f, node.id).ratio()
        scored.append((-similarity, rank, f))
    for i, (_, _, f) in enumerate(sorted(scored)[:2]):
        yield Mutation("var.func", 1.0 - 0.2 * i, target=node, new=name(f))


def _self_name(site: Site) -> str:
    """Name of the first parameter when the site is in a method ('self' / 'cls')."""
    fn = site.func
    if fn is None or not fn.args.args or len(site.chain) > 1:
        return ""
    parent = site.parent(fn)[0]
    first = fn.args.args[0].arg
    return first if isinstance(parent, ast.ClassDef) and first in ("self", "cls") else ""


def _var_affinity(site: Site, old: str, new: str, near: set[str]) -> float:
    scope = site.scope
    ko, kn = scope.kind(old), scope.kind(new)
    if FUNC in (ko, kn):
        return 0.0
    aff = KIND_AFFINITY[(bool(ko), bool(kn))] if ko != kn or not ko else 1.0
    lines = scope.loads.get(new, [])
    close = new in near or any(abs(n - site.line) <= 3 for n in lines)
    return aff * scope.locality(new) * (1.0 if close else 0.85)


def attribute_mutations(site: Site, node: ast.Attribute) -> Iterator[Mutation]:
    parent, field, _ = site.parent(node)
    is_method = isinstance(parent, ast.Call) and field == "func"
    facts = site.facts
    if not isinstance(node.ctx, ast.Load):
        return
    if (
        not is_method
        and isinstance(node.value, ast.Name)
        and node.value.id == _self_name(site)
        and node.attr in [*site.scope.params, *site.scope.locals]
        and site.available(node.attr)
    ):
        yield Mutation("var.self", 0.8, target=node, new=name(node.attr))
    if is_method and node.attr in METHOD_DUALS:
        new = ast.Attribute(value=node.value, attr=METHOD_DUALS[node.attr], ctx=ast.Load())
        yield Mutation("builtin.dual", 1.0, target=node, new=new)
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
    template = "var.method" if is_method else "var.attr"
    for neg, _, attr in sorted(scored)[:3]:
        new = ast.Attribute(value=node.value, attr=attr, ctx=ast.Load())
        yield Mutation(template, -neg, target=node, new=new)
