"""The shipped config/*.yaml examples load, validate and say what they claim."""

from pathlib import Path

import pytest

from patchwright.core.registry import resolve
from patchwright.store.config_files import load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "config"


@pytest.mark.parametrize("name", ["offline", "openai", "docker"])
def test_example_loads_and_names_real_components(name):
    config = load_config([EXAMPLES / f"{name}.yaml"], [])
    resolve("strategy", config.search.strategy)
    resolve("sandbox", config.sandbox.kind)
    for proposer in config.search.proposers:
        resolve("proposer", proposer)


def test_examples_differ_where_they_should():
    offline = load_config([EXAMPLES / "offline.yaml"], [])
    assert offline.search.proposers == ["mutations"] and not offline.model.name
    openai = load_config([EXAMPLES / "openai.yaml"], [])
    assert "llm" in openai.search.proposers and openai.budget.max_dollars == 0.5
    assert load_config([EXAMPLES / "docker.yaml"], []).sandbox.kind == "docker"


def test_every_example_is_in_the_suite():
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == ["docker", "offline", "openai"]
