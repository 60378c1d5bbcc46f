"""Retry policy: which failures are retried, exponential backoff with jitter, Retry-After.

Pure functions so the arithmetic is unit-tested without a server or a clock."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    """Attempts in all (1 = no retry)."""
    base_delay: float = 1.0
    """Delay before the first retry, before jitter."""
    factor: float = 2.0
    max_delay: float = 30.0
    """Cap of the exponential delay."""
    max_retry_after: float = 60.0
    """Cap of a server's Retry-After; a longer wish is cut to this."""


def retryable_status(status: int) -> bool:
    return status in RETRY_STATUS or 500 <= status < 600


def backoff_delay(retry: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Delay before retry number ``retry`` (0 = first retry): "equal jitter", i.e. a
    uniform draw in [d/2, d] with d = min(max_delay, base * factor**retry)."""
    d = min(policy.max_delay, policy.base_delay * policy.factor ** max(0, retry))
    return d / 2 + rng.uniform(0, d / 2)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date);
    None when absent or unreadable. Dates in the past give 0."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return max(0.0, seconds)


def retry_wait(
    retry: int, retry_after: float | None, policy: RetryPolicy, rng: random.Random
) -> float:
    """How long to sleep before retry ``retry``: the server's wish when it gave one
    (capped by ``max_retry_after``), else the jittered exponential backoff."""
    if retry_after is not None:
        return min(retry_after, policy.max_retry_after)
    return backoff_delay(retry, policy, rng)
