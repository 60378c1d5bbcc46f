"""Price table: lookup rules, cost arithmetic, the bundled data file."""

import json

import pytest

from patchwright.core.domain import Message
from patchwright.model.prices import (
    Price,
    estimate_prompt_tokens,
    estimate_tokens,
    load_table,
    lookup,
    parse_table,
)


def test_bundled_table_is_versioned_and_has_common_models():
    table = load_table()
    for name in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "qwen2.5-coder-0.5b"):
        assert name in table
    assert all(p.input >= 0 and p.output >= 0 for p in table.values())


def test_lookup_rules():
    table = {"gpt-4o": Price(2.5, 10.0), "gpt-4o-mini": Price(0.15, 0.6), "gpt-4": Price(30, 60)}
    assert lookup("gpt-4o", table) == Price(2.5, 10.0)
    assert lookup("GPT-4o", table) == Price(2.5, 10.0)
    assert lookup("gpt-4o-2024-08-06", table) == Price(2.5, 10.0)
    assert lookup("gpt-4o-mini-2024-07-18", table) == Price(0.15, 0.6)
    assert lookup("openai/gpt-4o-mini", table) == Price(0.15, 0.6)
    assert lookup("gpt-4-turbo", table) == Price(30, 60)
    assert lookup("gpt-4o1", table) is None
    assert lookup("my-local-llama", table) is None


def test_cost_per_million_tokens():
    price = Price(2.5, 10.0)
    assert price.cost(1_000_000, 0) == pytest.approx(2.5)
    assert price.cost(0, 1_000_000) == pytest.approx(10.0)
    assert price.cost(1000, 500) == pytest.approx(0.0025 + 0.005)


def test_other_table_versions_are_refused(tmp_path):
    with pytest.raises(ValueError, match="version"):
        parse_table({"version": 99, "models": {}})
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"version": 1, "models": {"x": {"input": 1, "output": 2}}}))
    assert load_table(str(path)) == {"x": Price(1.0, 2.0)}


def test_token_estimates():
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    msgs = [Message(role="user", content="x" * 40), Message(role="system", content="")]
    assert estimate_prompt_tokens(msgs) == 10 + 4 + 0 + 4
