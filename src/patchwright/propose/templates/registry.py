"""The fix-template registry: the ``@template`` decorator, the :class:`Template` record and
the frozen :class:`Registry` that applies templates to a site.

A template is one function ``fn(site, node) -> Iterable[Mutation]`` decorated with its name,
its weight (the prior of its candidates is ``location score x weight x affinity``), the AST
node types it applies to and a before/after example (which is also its test)::

    @template("var.get", weight=0.40, on=ast.Subscript, example=("v = d[k]", "v = d.get(k)"))
    def subscript_get(site, node): ...

Decorating checks the record (a missing weight, a bad name, an example that does not parse
raise :class:`TemplateError` when the family module is imported); :func:`collect` builds a
registry from family modules in the order given and rejects duplicate names.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import Any

from patchwright.propose.templates.context import Mutation, Site

TemplateFn = Callable[[Site, Any], Iterable[Mutation]]
_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class TemplateError(Exception):
    """A fix template is declared wrongly (raised when its family module is imported)."""


@dataclass(frozen=True)
class Pool:
    """Templates that share one budget per site: their mutations are ranked together by
    weight and only the best ``cap`` are kept. Members must be declared one after another."""

    name: str
    cap: int


@dataclass(frozen=True)
class Template:
    """One registered fix template."""

    name: str
    weight: float
    on: tuple[type[ast.AST], ...]
    example: tuple[str, str]
    fn: TemplateFn
    family: str
    """The family module it is declared in (e.g. 'operators')."""
    pool: Pool | None = None

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip().split("\n", 1)[0]

    def applies_to(self, kind: type[ast.AST]) -> bool:
        return issubclass(kind, self.on)

    def __call__(self, site: Site, node: ast.AST) -> Iterator[Mutation]:
        for m in self.fn(site, node):
            m.template = self.name
            m.template_weight = self.weight
            yield m


def template(
    name: str,
    *,
    weight: float | None = None,
    on: type[ast.AST] | tuple[type[ast.AST], ...] = (),
    example: tuple[str, str] | None = None,
    pool: Pool | None = None,
) -> Callable[[TemplateFn], Template]:
    """Declares the decorated function as the fix template ``name`` (see the module doc)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise TemplateError(f"fix template name {name!r} is not 'family.name' (lower case)")
    if weight is None:
        raise TemplateError(f"fix template {name!r} has no weight: give @template(..., weight=)")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
        raise TemplateError(f"fix template {name!r}: weight {weight!r} is not in (0, 1]")
    kinds = on if isinstance(on, tuple) else (on,)
    if not kinds or not all(
        isinstance(k, type) and issubclass(k, ast.expr | ast.stmt) for k in kinds
    ):
        raise TemplateError(f"fix template {name!r}: 'on' must name ast.expr/ast.stmt classes")
    _check_example(name, example)
    assert example is not None
    if pool is not None and (not isinstance(pool, Pool) or pool.cap < 1):
        raise TemplateError(f"fix template {name!r}: pool must be a Pool with cap >= 1")

    def decorate(fn: TemplateFn) -> Template:
        family = fn.__module__.rsplit(".", 1)[-1]
        return Template(name, float(weight), kinds, example, fn, family, pool)

    return decorate


def _check_example(name: str, example: tuple[str, str] | None) -> None:
    if (
        not isinstance(example, tuple)
        or len(example) != 2
        or not all(isinstance(s, str) for s in example)
    ):
        raise TemplateError(f"fix template {name!r} needs example=(before, after) source texts")
    if example[0] == example[1]:
        raise TemplateError(f"fix template {name!r}: example before and after are the same")
    for text in example:
        try:
            ast.parse(text)
        except SyntaxError as exc:
            raise TemplateError(f"fix template {name!r}: example does not parse: {exc}") from exc


def _node_classes() -> list[type[ast.AST]]:
    out: list[type[ast.AST]] = []
    todo: list[type[ast.AST]] = [ast.expr, ast.stmt]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


class Registry:
    """An immutable, ordered set of templates. Order matters: at a site, templates run node
    by node (expressions in source order, then the statement), in registry order."""

    def __init__(self, templates: Sequence[Template]) -> None:
        by_name: dict[str, Template] = {}
        for t in templates:
            if not isinstance(t, Template):
                raise TemplateError(f"{t!r} is not a fix template")
            if t.name in by_name:
                other = by_name[t.name]
                raise TemplateError(
                    f"duplicate fix template name {t.name!r} ({other.family}.{other.fn.__name__}"
                    f" and {t.family}.{t.fn.__name__})"
                )
            by_name[t.name] = t
        self._order = tuple(templates)
        self._by_name = MappingProxyType(by_name)
        _check_pools(self._order)
        steps: dict[type[ast.AST], tuple[tuple[Template, ...], ...]] = {}
        for cls in _node_classes():
            steps[cls] = _steps([t for t in self._order if t.applies_to(cls)])
        self._steps = MappingProxyType(steps)

    def __iter__(self) -> Iterator[Template]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Template:
        return self._by_name[name]

    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self._order)

    def weights(self) -> dict[str, float]:
        return {t.name: t.weight for t in self._order}

    def only(self, *names: str) -> Registry:
        """The registry restricted to some templates (same order)."""
        return Registry([self[n] for n in self.names() if n in names])

    def mutations(self, site: Site) -> Iterator[Mutation]:
        """Every template applied at one site: each expression node of the statement, in
        source order, then the statement itself."""
        for node in site.nodes:
            yield from self._apply(site, node)
        yield from self._apply(site, site.stmt)

    def _apply(self, site: Site, node: ast.AST) -> Iterator[Mutation]:
        cls = type(node)
        steps = self._steps.get(cls)
        if steps is None:
            steps = _steps([t for t in self._order if t.applies_to(cls)])
        for step in steps:
            if len(step) == 1 and step[0].pool is None:
                yield from step[0](site, node)
                continue
            pooled = [m for t in step for m in t(site, node)]
            pooled.sort(key=lambda m: -m.weight)
            yield from pooled[: step[0].pool.cap if step[0].pool else len(pooled)]


def _steps(templates: list[Template]) -> tuple[tuple[Template, ...], ...]:
    """Groups templates of one pool (adjacent) into one step."""
    out: list[list[Template]] = []
    for t in templates:
        if t.pool is not None and out and out[-1][0].pool == t.pool:
            out[-1].append(t)
        else:
            out.append([t])
    return tuple(tuple(s) for s in out)


def _check_pools(order: tuple[Template, ...]) -> None:
    seen: dict[str, tuple[Pool, int]] = {}
    for i, t in enumerate(order):
        if t.pool is None:
            continue
        if t.pool.name in seen:
            pool, last = seen[t.pool.name]
            if pool != t.pool or last != i - 1 or order[last].on != t.on:
                raise TemplateError(
                    f"fix template {t.name!r}: members of pool {t.pool.name!r} must be declared"
                    " one after another, with the same cap and the same 'on'"
                )
        seen[t.pool.name] = (t.pool, i)


def collect(*modules: ModuleType) -> Registry:
    """The registry of the templates declared in ``modules``, in module order, then in
    declaration order within each module (imported templates are not counted twice)."""
    found: list[Template] = []
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, Template) and value.fn.__module__ == module.__name__:
                found.append(value)
    return Registry(found)
