"""RecordingModel (budget -> cache -> call -> accounting -> step), ReplayModel and the
factory's model names, with the scripted model as the inner model."""

import json

import pytest

from patchwright.core.config import build_config
from patchwright.core.domain import Message, Task
from patchwright.core.events import AnyEvent, ErrorEvent, ModelCall, Note, TrajectoryHeader
from patchwright.model.budget import Budget, Caps
from patchwright.model.cache import ResponseCache
from patchwright.model.errors import BudgetExceeded, ModelUnavailable
from patchwright.model.factory import make_model
from patchwright.model.prices import Price
from patchwright.model.recording import RecordingModel
from patchwright.model.replay import ReplayMismatch, ReplayModel
from patchwright.model.scripted import ScriptedModel
from patchwright.store.artifacts import TrajectoryWriter

MSGS = [Message(role="system", content="fix it"), Message(role="user", content="x = 1 +")]


def test_steps_carry_tokens_cost_latency_and_cache_flag(tmp_path):
    steps: list[AnyEvent] = []
    inner = ScriptedModel(["first", "second"], name="gpt-4o")
    model = RecordingModel(inner, cache=ResponseCache(tmp_path), record=steps.append)
    a = model.complete(MSGS, max_tokens=64)
    b = model.complete(MSGS, max_tokens=64)  # same request at temperature 0: a cache hit
    assert (a.text, a.cached, b.text, b.cached) == ("first", False, "first", True)
    assert len(inner.calls) == 1
    assert a.cost == pytest.approx(Price(2.5, 10.0).cost(a.prompt_tokens, a.completion_tokens))
    assert b.cost == 0.0
    assert [type(s) for s in steps] == [ModelCall, ModelCall]
    call = steps[0]
    assert call.messages == MSGS
    assert call.response == "first" and call.model == "gpt-4o"
    assert call.prompt_tokens > 0 and call.completion_tokens > 0
    assert call.cost == a.cost and call.latency >= 0 and call.cached is False
    assert steps[1].cached is True and steps[1].cost == 0.0
    assert (model.calls, model.cache_hits) == (2, 1)
    assert model.tokens == a.prompt_tokens + a.completion_tokens


def test_sampling_requests_get_distinct_cache_entries(tmp_path):
    cache = ResponseCache(tmp_path)
    first = RecordingModel(ScriptedModel(["a", "b", "c"]), cache=cache)
    got = [first.complete(MSGS, temperature=0.8).text for _ in range(3)]
    assert got == ["a", "b", "c"]
    again = RecordingModel(ScriptedModel(["zzz"], cycle=True), cache=cache)
    replay = [again.complete(MSGS, temperature=0.8) for _ in range(3)]
    assert [r.text for r in replay] == ["a", "b", "c"] and all(r.cached for r in replay)
    assert again.complete(MSGS, temperature=0.8).text == "zzz"  # a fourth sample is new


def test_budget_refusal_sends_nothing_and_is_recorded(tmp_path):
    steps: list[AnyEvent] = []
    inner = ScriptedModel(["ok"], cycle=True, name="gpt-4o")
    model = RecordingModel(inner, budget=Budget(Caps(max_calls=2)), record=steps.append)
    model.complete(MSGS)
    model.complete(MSGS)
    with pytest.raises(BudgetExceeded) as err:
        model.complete(MSGS)
    assert err.value.cap == "max_calls"
    assert len(inner.calls) == 2
    assert isinstance(steps[-1], ErrorEvent) and steps[-1].cap == "max_calls"


def test_cache_hits_do_not_spend_the_budget(tmp_path):
    budget = Budget(Caps(max_tokens=10_000))
    model = RecordingModel(ScriptedModel(["ok"]), budget=budget, cache=ResponseCache(tmp_path))
    model.complete(MSGS)
    spent = budget.spent()
    model.complete(MSGS)
    assert budget.spent() == spent


def _trajectory(tmp_path, steps):
    path = tmp_path / "trajectory.jsonl"
    with TrajectoryWriter(path, TrajectoryHeader(task=Task(id="t", repo="."))) as w:
        for s in steps:
            w.record(s)
    return path


def test_replay_reproduces_a_recorded_run(tmp_path):
    steps: list[AnyEvent] = []
    rec = RecordingModel(ScriptedModel(["one", "two"], name="m"), record=steps.append)
    rec.complete(MSGS, max_tokens=50)
    rec.complete(MSGS[:1], max_tokens=60, stop=["END"])
    path = _trajectory(tmp_path, [Note(name="x"), *steps])

    replay = ReplayModel(path)
    assert replay.name == "m"
    r1 = replay.complete(MSGS, max_tokens=50)
    r2 = replay.complete(MSGS[:1], max_tokens=60, stop=["END"])
    assert (r1.text, r2.text) == ("one", "two")
    assert r1.prompt_tokens == steps[0].prompt_tokens and r1.cost == 0.0
    with pytest.raises(ModelUnavailable, match="exhausted"):
        replay.complete(MSGS)

    strict = ReplayModel(path)
    with pytest.raises(ReplayMismatch, match="max_tokens"):
        strict.complete(MSGS, max_tokens=51)
    with pytest.raises(ReplayMismatch, match="messages"):
        ReplayModel(path, "messages").complete(MSGS[:1])
    other = [MSGS[0], Message(role="user", content="something else")]
    with pytest.raises(ReplayMismatch):
        ReplayModel(path, "last").complete(other)
    assert ReplayModel(path, "last").complete([MSGS[1]]).text == "one"
    assert ReplayModel(path, "off").complete(other).text == "one"


def _config(tmp_path, **model):
    overrides = [f"model.{k}={json.dumps(v)}" for k, v in model.items()]
    overrides.append(f"model.cache_dir={json.dumps(str(tmp_path / 'cache'))}")
    return build_config(overrides=overrides)


def test_factory_names(tmp_path, monkeypatch):
    monkeypatch.delenv("PATCHWRIGHT_MODEL", raising=False)
    assert make_model(_config(tmp_path), home=tmp_path / "home") is None
    assert make_model(_config(tmp_path, name="none"), home=tmp_path / "home") is None

    script = tmp_path / "replies.json"
    script.write_text(json.dumps(["a", "b"]))
    steps: list[AnyEvent] = []
    model = make_model(_config(tmp_path, name=f"scripted:{script}"), steps.append, home=tmp_path / "home")
    assert model is not None and model.cache is None
    assert [model.complete(MSGS).text, model.complete(MSGS).text] == ["a", "b"]
    with pytest.raises(ModelUnavailable):
        model.complete(MSGS)
    assert [type(s) for s in steps] == [ModelCall, ModelCall, ErrorEvent]

    replayed = make_model(_config(tmp_path, name=f"replay:{_trajectory(tmp_path, steps)}"), home=tmp_path / "home")
    assert replayed is not None and replayed.complete(MSGS).text == "a"

    monkeypatch.setenv("PATCHWRIGHT_MODEL", f"scripted:{script}")
    assert make_model(_config(tmp_path), home=tmp_path / "home") is not None

    with pytest.raises(ModelUnavailable, match="unknown local model"):
        make_model(_config(tmp_path, name="local:nope"), home=tmp_path / "home")
    with pytest.raises(ModelUnavailable, match="model fetch"):
        make_model(_config(tmp_path, name="local"), home=tmp_path / "home")


def test_factory_budget_from_config(tmp_path):
    script = tmp_path / "r.json"
    script.write_text(json.dumps({"replies": ["ok"], "cycle": True}))
    cfg = build_config(overrides=[f"model.name=scripted:{script}", "budget.max_calls=3"])
    batch = Budget(Caps(max_calls=2), "batch")
    model = make_model(cfg, batch=batch, home=tmp_path / "home")
    assert model is not None
    model.complete(MSGS)
    model.complete(MSGS)
    with pytest.raises(BudgetExceeded) as err:
        model.complete(MSGS)
    assert err.value.scope == "batch"


def test_api_key_never_lands_in_dumps():
    cfg = build_config(overrides=["model.api_key=sk-secret", "model.name=gpt-4o"])
    assert cfg.model.api_key == "sk-secret"
    assert "sk-secret" not in json.dumps(cfg.model_dump()) + cfg.model_dump_json()
    assert "sk-secret" not in repr(cfg)
