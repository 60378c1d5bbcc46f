"""The OpenAI adapter through the real ``openai`` client against a real local HTTP server
speaking the chat-completions API (tests/fakes/openai_server.py)."""

import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from fakes.openai_server import FakeOpenAIServer, Reply
from patchwright.core.domain import Message
from patchwright.model.errors import BadResponse, ModelError, ModelUnavailable
from patchwright.model.local import free_port
from patchwright.model.openai_model import Endpoint, OpenAIModel
from patchwright.model.retry import RetryPolicy

MSGS = [Message(role="system", content="You fix bugs."), Message(role="user", content="x" * 80)]
FAST = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.2)


@pytest.fixture
def server():
    with FakeOpenAIServer() as srv:
        yield srv


def _model(srv, name="gpt-4o", timeout=5.0, retry=FAST, **kw):
    endpoint = Endpoint(model=name, base_url=srv.base_url, api_key="sk-test", timeout=timeout,
                        retry=retry)  # fmt: skip
    return OpenAIModel(endpoint, rng=random.Random(0), **kw)


def test_plain_completion_with_usage_and_cost(server):
    server.push(Reply("def f(): return 1", usage={"prompt_tokens": 30, "completion_tokens": 7}))
    resp = _model(server).complete(MSGS, max_tokens=77, temperature=0.2, stop=["```"])
    assert resp.text == "def f(): return 1" and resp.model == "gpt-4o"
    assert (resp.prompt_tokens, resp.completion_tokens) == (30, 7)
    assert resp.cost == pytest.approx((30 * 2.5 + 7 * 10.0) / 1e6)
    assert resp.finish_reason == "stop" and resp.latency > 0
    sent = server.requests[0]
    assert sent["model"] == "gpt-4o" and sent["max_tokens"] == 77 and sent["stop"] == ["```"]
    assert sent["messages"][1] == {"role": "user", "content": "x" * 80}


def test_429_with_retry_after_seconds_then_success(server):
    server.push(Reply(status=429, headers={"Retry-After": "1"}), "done")
    model = _model(server)
    started = time.monotonic()
    assert model.complete(MSGS).text == "done"
    assert time.monotonic() - started >= 0.95  # waited as told, not the 0.05 s backoff
    assert model.retries == 1 and len(server.requests) == 2


def test_429_with_retry_after_http_date(server):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    server.push(Reply(status=429, headers={"Retry-After": when}), "done")
    waits: list[float] = []
    model = _model(server, sleep=waits.append)
    assert model.complete(MSGS).text == "done"
    assert len(waits) == 1 and 0 <= waits[0] <= 1.0


def test_retry_after_is_capped(server):
    server.push(Reply(status=503, headers={"Retry-After": "3600"}), "done")
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=3, max_retry_after=0.3)
    assert _model(server, retry=policy, sleep=waits.append).complete(MSGS).text == "done"
    assert waits == [0.3]


def test_500_then_success(server):
    server.push(Reply(status=500), Reply(status=502), "fixed")
    model = _model(server)
    assert model.complete(MSGS).text == "fixed"
    assert model.retries == 2 and len(server.requests) == 3


def test_timeout_then_success(server):
    server.push(Reply("slow", delay=2.0), "fast")
    model = _model(server, timeout=0.5)
    started = time.monotonic()
    assert model.complete(MSGS).text == "fast"
    assert time.monotonic() - started < 1.8  # did not wait for the slow reply
    assert model.retries == 1


def test_retries_are_bounded(server):
    server.default = Reply(status=503)
    model = _model(server)
    with pytest.raises(ModelUnavailable, match=r"4 attempts.*HTTP 503"):
        model.complete(MSGS)
    assert len(server.requests) == 4


def test_malformed_json_body_is_a_bad_response(server):
    server.push(Reply(body='{"id": "x", "choices": [{"message": '))
    with pytest.raises(BadResponse):
        _model(server).complete(MSGS)
    assert len(server.requests) == 1  # not retried


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body={"id": "x", "object": "chat.completion"}),
        Reply(body={"choices": []}),
        Reply(body={"choices": [{"message": {"role": "assistant", "content": 42}}]}),
        Reply(body="<html>gateway</html>", content_type="text/html"),
        Reply(body=b"\xff\xfe\x00garbage"),
        Reply(body=""),
    ],
)
def test_unusable_bodies_are_bad_responses(server, reply):
    server.push(reply)
    with pytest.raises(BadResponse):
        _model(server).complete(MSGS)


def test_missing_usage_is_estimated(server):
    server.push(Reply("abcdefgh", usage=None))
    resp = _model(server).complete(MSGS)
    assert resp.completion_tokens == 2
    assert resp.prompt_tokens == (13 + 3) // 4 + 4 + 80 // 4 + 4


def test_unknown_model_has_no_cost(server):
    server.push("hi")
    resp = _model(server, name="my-finetune").complete(MSGS)
    assert resp.cost is None and resp.prompt_tokens > 0


def test_client_errors_are_not_retried(server):
    server.push(Reply(status=401), Reply(status=400))
    model = _model(server)
    with pytest.raises(ModelUnavailable, match="401"):
        model.complete(MSGS)
    with pytest.raises(ModelError, match="400") as err:
        model.complete(MSGS)
    assert type(err.value) is ModelError
    assert len(server.requests) == 2


def test_connection_refused_is_unavailable():
    endpoint = Endpoint(model="m", base_url=f"http://127.0.0.1:{free_port()}/v1",
                        api_key="k", timeout=1.0, retry=RetryPolicy(2, 0.01, 2, 0.02))  # fmt: skip
    with pytest.raises(ModelUnavailable, match="connection"):
        OpenAIModel(endpoint).complete(MSGS)


def test_openai_exceptions_never_leak(server):
    import openai

    server.default = Reply(status=418)
    for _ in range(3):
        with pytest.raises(ModelError) as err:
            _model(server).complete(MSGS)
        assert not isinstance(err.value, openai.OpenAIError)


def test_environment_supplies_endpoint_key_and_name(server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("PATCHWRIGHT_MODEL", "gpt-4o-mini")
    server.push("from env")
    model = OpenAIModel(Endpoint())
    assert model.name == "gpt-4o-mini" and model.complete(MSGS).text == "from env"
    monkeypatch.delenv("PATCHWRIGHT_MODEL")
    with pytest.raises(ModelUnavailable, match="no model name"):
        OpenAIModel(Endpoint())
