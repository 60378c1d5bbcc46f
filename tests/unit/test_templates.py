"""The fix-template registry: every template's before/after example is reproduced by the
template itself; bad declarations (no weight, duplicate name, ...) fail when declared."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from patchwright.propose.mutations import apply_template
from patchwright.propose.templates import (
    FAMILIES,
    Mutation,
    Pool,
    Registry,
    Site,
    Template,
    TemplateError,
    collect,
    registry,
    template,
)

TEMPLATES = list(registry())


@pytest.mark.parametrize("t", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_example_is_reproduced_by_its_template(t: Template) -> None:
    before, after = t.example
    outputs = apply_template(t, before)
    assert after in outputs, f"{t.name}: example not reproduced; got:\n" + "\n---\n".join(outputs)


def test_registry_holds_every_decorated_function_once_in_declaration_order() -> None:
    declared: list[str] = []
    for module in FAMILIES:
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                for dec in node.decorator_list:
                    if (
                        isinstance(dec, ast.Call)
                        and isinstance(dec.func, ast.Name)
                        and dec.func.id == "template"
                    ):
                        first = dec.args[0]
                        assert isinstance(first, ast.Constant) and isinstance(first.value, str)
                        declared.append(first.value)
    assert list(registry().names()) == declared
    assert len(set(declared)) == len(declared)
    assert all(t.family == t.fn.__module__.rsplit(".", 1)[-1] for t in registry())
    assert all(0 < t.weight <= 1 and t.doc for t in registry())


def test_registry_is_built_once_and_deterministically() -> None:
    assert registry() is registry()
    again = collect(*FAMILIES)
    assert again.names() == registry().names()
    assert again.weights() == registry().weights()


def _fn(site: Site, node: ast.AST) -> Iterator[Mutation]:  # body for declaration tests
    yield Mutation(1.0)


def test_a_template_without_a_weight_is_rejected_when_declared() -> None:
    with pytest.raises(TemplateError, match=r"'x\.noweight' has no weight"):
        template("x.noweight", on=ast.Name, example=("a", "b"))(_fn)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"weight": 0.0}, "not in"),
        ({"weight": 1.5}, "not in"),
        ({"weight": "0.4"}, "not in"),
        ({"weight": 0.4, "on": int}, "'on'"),
        ({"weight": 0.4, "on": ()}, "'on'"),
        ({"weight": 0.4, "example": None}, "needs example"),
        ({"weight": 0.4, "example": ("a = 1", "a = 1")}, "the same"),
        ({"weight": 0.4, "example": ("a = (", "a = 1")}, "does not parse"),
    ],
)
def test_bad_declarations_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    decl = {"on": ast.Name, "example": ("a = 1", "a = 2"), **kwargs}
    with pytest.raises(TemplateError, match=message):
        template("x.bad", **decl)(_fn)


def test_a_malformed_name_is_rejected() -> None:
    with pytest.raises(TemplateError, match=r"family\.name"):
        template("NoFamily", weight=0.4, on=ast.Name, example=("a", "b"))


def test_a_duplicate_name_is_rejected_at_registration() -> None:
    first = template("x.dup", weight=0.4, on=ast.Name, example=("a", "b"))(_fn)
    second = template("x.dup", weight=0.5, on=ast.Call, example=("f()", "g()"))(_fn)
    with pytest.raises(TemplateError, match=r"duplicate fix template name 'x\.dup'"):
        Registry([first, second])
    existing = registry()["op.compare"]
    clash = template("op.compare", weight=0.4, on=ast.Name, example=("a", "b"))(_fn)
    with pytest.raises(TemplateError, match="duplicate"):
        Registry([*registry(), clash])
    assert existing.weight == 1.0


def test_pool_members_must_be_declared_together() -> None:
    pool = Pool("p", cap=2)
    a = template("x.a", weight=0.4, on=ast.Name, example=("a", "b"), pool=pool)(_fn)
    b = template("x.b", weight=0.4, on=ast.Name, example=("a", "b"))(_fn)
    c = template("x.c", weight=0.4, on=ast.Name, example=("a", "b"), pool=pool)(_fn)
    Registry([a, c, b])
    with pytest.raises(TemplateError, match="one after another"):
        Registry([a, b, c])


def test_a_pool_keeps_the_best_of_its_members_by_weight() -> None:
    source = "def f(xs):\n    x = xs.pop()\n    return x\n"
    cands = apply_template(registry()["guard.empty"], source)
    assert len(cands) == 1  # one collection read, one return action
    names = [t.name for t in registry() if t.pool is not None]
    assert names == ["guard.empty", "guard.none"]
