"""Response cache: key sensitivity, round trip, tolerance of damaged files."""

import json

from patchwright.core.domain import Message, ModelResponse
from patchwright.model.cache import CACHE_VERSION, ResponseCache, request_key

MSGS = [Message(role="system", content="be brief"), Message(role="user", content="hi")]


def test_key_is_stable_and_sensitive_to_every_field():
    base = request_key("m", MSGS, 100, 0.0, None)
    assert base == request_key("m", list(MSGS), 100, 0.0, [])
    assert len(base) == 64
    variants = [
        request_key("m2", MSGS, 100, 0.0, None),
        request_key("m", MSGS[:1], 100, 0.0, None),
        request_key("m", [MSGS[0], Message(role="assistant", content="hi")], 100, 0.0, None),
        request_key("m", MSGS, 101, 0.0, None),
        request_key("m", MSGS, 100, 0.7, None),
        request_key("m", MSGS, 100, 0.0, ["```"]),
        request_key("m", MSGS, 100, 0.0, None, sample=1),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_round_trip_marks_hits_cached_and_free(tmp_path):
    cache = ResponseCache(tmp_path / "c")
    key = request_key("m", MSGS, 10, 0.0, None)
    assert cache.get(key) is None
    resp = ModelResponse(text="hello", model="m", prompt_tokens=5, completion_tokens=2,
                         cost=0.25, latency=1.5)  # fmt: skip
    cache.put(key, resp, {"model": "m"})
    hit = cache.get(key)
    assert hit is not None
    assert (hit.text, hit.cached, hit.cost, hit.latency) == ("hello", True, 0.0, 0.0)
    assert (hit.prompt_tokens, hit.completion_tokens) == (5, 2)
    stored = json.loads(cache.path(key).read_text())
    assert stored["version"] == CACHE_VERSION and stored["key"] == key
    assert (cache.hits, cache.misses) == (1, 1)


def test_damaged_or_foreign_entries_are_misses(tmp_path):
    cache = ResponseCache(tmp_path)
    key = request_key("m", MSGS, 10, 0.0, None)
    cache.put(key, ModelResponse(text="x"))
    path = cache.path(key)
    path.write_text("{ torn")
    assert cache.get(key) is None
    path.write_text(
        json.dumps({"version": CACHE_VERSION + 1, "key": key, "response": {"text": "x"}})
    )
    assert cache.get(key) is None
    other = request_key("m", MSGS, 11, 0.0, None)
    path.write_text(json.dumps({"version": CACHE_VERSION, "key": other, "response": {"text": "x"}}))
    assert cache.get(key) is None

# the default folder (PATCHWRIGHT_HOME/cache/model): tests/unit/test_paths.py
