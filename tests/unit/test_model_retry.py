"""Backoff arithmetic and Retry-After parsing."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from patchwright.model.retry import (
    RetryPolicy,
    backoff_delay,
    parse_retry_after,
    retry_wait,
    retryable_status,
)


def test_backoff_grows_exponentially_within_jitter_bounds():
    policy = RetryPolicy(base_delay=1.0, factor=2.0, max_delay=30.0)
    rng = random.Random(1)
    for retry in range(8):
        d = min(30.0, 2.0**retry)
        for _ in range(50):
            delay = backoff_delay(retry, policy, rng)
            assert d / 2 <= delay <= d


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    delays = {round(backoff_delay(20, policy, random.Random(s)), 6) for s in range(20)}
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len(delays) > 10  # jitter spreads retries


def test_backoff_is_deterministic_for_a_seed():
    policy = RetryPolicy()
    a = [backoff_delay(i, policy, random.Random(7)) for i in range(5)]
    b = [backoff_delay(i, policy, random.Random(7)) for i in range(5)]
    assert a == b


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), (" 0 ", 0.0), ("1.5", 1.5), ("-4", 0.0), ("", None), (None, None),
     ("soon", None), ("nan", None), ("inf", None)],
)  # fmt: skip
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(42.0)
    past = format_datetime(now - timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 0.0


def test_retry_wait_honors_retry_after_up_to_the_cap():
    policy = RetryPolicy(max_retry_after=10.0, max_delay=1.0)
    rng = random.Random(0)
    assert retry_wait(0, 3.0, policy, rng) == 3.0
    assert retry_wait(0, 3600.0, policy, rng) == 10.0
    assert retry_wait(0, 0.0, policy, rng) == 0.0
    assert 0.5 <= retry_wait(3, None, policy, rng) <= 1.0


def test_retryable_statuses():
    assert all(retryable_status(s) for s in (408, 409, 429, 500, 502, 503, 504, 599))
    assert not any(retryable_status(s) for s in (400, 401, 403, 404, 422))
