"""Budgets and trajectory recording end to end: make_model -> RecordingModel -> OpenAIModel
-> the real openai client -> a real local HTTP server."""

import json
import math

import pytest

from fakes.openai_server import FakeOpenAIServer, Reply
from patchwright.core.config import build_config
from patchwright.core.domain import Message, Task
from patchwright.core.events import ErrorEvent, ModelCall, TrajectoryHeader
from patchwright.model.errors import BudgetExceeded
from patchwright.model.factory import make_model
from patchwright.model.prices import lookup
from patchwright.store.artifacts import TrajectoryWriter, read_events

MAX_TOKENS = 256


def _config(srv, tmp_path, *extra):
    return build_config(
        overrides=[
            f"model.base_url={json.dumps(srv.base_url)}",
            "model.api_key=sk-test",
            f"model.cache_dir={json.dumps(str(tmp_path / 'cache'))}",
            "model.backoff_base=0.01",
            *extra,
        ]
    )


def _greedy_reply(request):
    """Uses every token it may, and reports more prompt tokens than the client estimates."""
    prompt = sum(math.ceil(len(m["content"]) / 4) for m in request["messages"])
    return Reply(
        "y" * (4 * request["max_tokens"]),
        usage={"prompt_tokens": int(prompt * 1.3) + 20, "completion_tokens": request["max_tokens"]},
    )


def test_dollar_cap_is_never_exceeded_by_more_than_one_call(tmp_path):
    with FakeOpenAIServer(default=_greedy_reply) as srv:
        cfg = _config(srv, tmp_path, "model.name=gpt-4o-mini", "model.cache=false",
                      "budget.max_dollars=0.01")  # fmt: skip
        traj = tmp_path / "trajectory.jsonl"
        with TrajectoryWriter(traj, TrajectoryHeader(task=Task(id="t", repo="."))) as writer:
            model = make_model(cfg, writer.record, home=tmp_path / "home")
            assert model is not None
            calls = 0
            with pytest.raises(BudgetExceeded) as err:
                for i in range(10_000):
                    prompt = f"attempt {i}: " + "def f(x):\n    return x + 1\n" * 40
                    model.complete([Message(role="user", content=prompt)], max_tokens=MAX_TOKENS)
                    calls += 1
        assert err.value.cap == "max_dollars" and err.value.scope == "task"
        assert len(srv.requests) == calls > 10
    _, steps = read_events(traj)
    made = [s for s in steps if isinstance(s, ModelCall)]
    total = sum(s.cost for s in made)
    price = lookup("gpt-4o-mini")
    assert price is not None
    one_call = price.cost(0, MAX_TOKENS)
    assert total <= 0.01 + one_call
    assert total == pytest.approx(model.cost)
    assert total > 0.01 - 2 * price.cost(1000, MAX_TOKENS)  # the cap was used, not wasted
    assert isinstance(steps[-1], ErrorEvent) and steps[-1].cap == "max_dollars"


def test_token_and_call_caps_against_the_server(tmp_path):
    with FakeOpenAIServer(default=_greedy_reply) as srv:
        msgs = [Message(role="user", content="z" * 400)]
        cfg = _config(srv, tmp_path, "model.name=my-model", "model.cache=false",
                      "budget.max_tokens=2000")  # fmt: skip
        model = make_model(cfg, home=tmp_path / "home")
        assert model is not None
        with pytest.raises(BudgetExceeded, match="max_tokens"):
            for _ in range(100):
                model.complete(msgs, max_tokens=MAX_TOKENS)
        assert model.tokens <= 2000 + MAX_TOKENS
        assert model.cost == 0.0  # unknown model: tokens only

        cfg = _config(srv, tmp_path, "model.name=my-model", "budget.max_calls=3",
                      "model.cache=false")  # fmt: skip
        model = make_model(cfg, home=tmp_path / "home")
        assert model is not None
        before = len(srv.requests)
        with pytest.raises(BudgetExceeded, match="max_calls"):
            for _ in range(10):
                model.complete(msgs, max_tokens=8)
        assert len(srv.requests) - before == 3


def test_steps_record_every_call_with_tokens_cost_and_cache(tmp_path):
    script = [
        Reply(status=429, headers={"Retry-After": "0.2"}),
        Reply("first answer", usage={"prompt_tokens": 50, "completion_tokens": 3}),
        Reply(status=500),
        Reply("second answer", usage={"prompt_tokens": 60, "completion_tokens": 3}),
    ]
    with FakeOpenAIServer(script) as srv:
        traj = tmp_path / "trajectory.jsonl"
        with TrajectoryWriter(traj, TrajectoryHeader(task=Task(id="t", repo="."))) as writer:
            model = make_model(_config(srv, tmp_path, "model.name=gpt-4o"), writer.record, home=tmp_path / "home")
            assert model is not None
            q1 = [Message(role="user", content="question one")]
            q2 = [Message(role="user", content="question two")]
            assert model.complete(q1, max_tokens=32).text == "first answer"
            assert model.complete(q2, max_tokens=32).text == "second answer"
            assert model.complete(q1, max_tokens=32).text == "first answer"  # cache
            model.close()
        assert len(srv.requests) == 4
    _, steps = read_events(traj)
    calls = [s for s in steps if isinstance(s, ModelCall)]
    assert [c.cached for c in calls] == [False, False, True]
    assert [(c.prompt_tokens, c.completion_tokens) for c in calls[:2]] == [(50, 3), (60, 3)]
    assert calls[0].cost == pytest.approx((50 * 2.5 + 3 * 10) / 1e6)
    assert calls[2].cost == 0.0
    assert calls[0].latency >= 0.2  # includes the Retry-After wait
    assert calls[0].messages == [Message(role="user", content="question one")]
    assert calls[0].model == "gpt-4o" and calls[0].max_tokens == 32
