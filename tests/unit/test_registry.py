"""The component registry: every built-in name resolves to a class that carries the name
it is registered under; dotted paths work; unknown names and bad settings are one-line
ConfigErrors that list what exists."""

import pytest
from pydantic import BaseModel

from patchwright.core.errors import ConfigError
from patchwright.core.registry import BUILTIN, component_config, names, resolve


@pytest.mark.parametrize(
    ("kind", "name"), [(k, n) for k, table in BUILTIN.items() for n in table]
)
def test_every_builtin_component_resolves(kind, name):
    cls = resolve(kind, name)
    assert isinstance(cls, type), f"{kind} {name} is not a class"
    if kind in ("proposer", "strategy", "objective", "benchmark", "localizer", "runner"):
        assert getattr(cls, "name", None) == name


def test_components_are_built_by_their_class():
    for kind in ("proposer", "localizer", "runner"):
        for name in names(kind):
            assert callable(getattr(resolve(kind, name), "build", None)), f"{kind} {name}"


def test_a_dotted_path_is_a_component_too():
    assert resolve("strategy", "patchwright.search.strategies.mcts:MctsStrategy") is resolve(
        "strategy", "mcts"
    )
    assert resolve("strategy", "patchwright.search.strategies.greedy.GreedyStrategy").name == "greedy"


def test_unknown_names_list_what_exists():
    with pytest.raises(ConfigError, match=r"unknown proposer 'mutatoins' \(available: mutations"):
        resolve("proposer", "mutatoins")
    with pytest.raises(ConfigError, match="cannot be loaded: module nope is missing"):
        resolve("sandbox", "nope.mod:Thing")
    with pytest.raises(ConfigError, match="has no Missing"):
        resolve("sandbox", "patchwright.core.registry:Missing")


def test_component_settings_are_checked_by_its_config():
    class Thing:
        class Config(BaseModel):
            size: int = 3

    assert component_config(Thing, {}).size == 3
    assert component_config(Thing, {"size": 5}).size == 5
    with pytest.raises(ConfigError, match="invalid Thing setting size"):
        component_config(Thing, {"size": "big"})
    mutations = resolve("proposer", "mutations")
    with pytest.raises(ConfigError, match="invalid MutationProposer setting max_line"):
        component_config(mutations, {"max_line": 3})
