"""Model budgets per task and per batch: dollars, tokens, calls, wall time.

Every call first *reserves* its worst case -- the prompt estimate plus ``max_tokens``,
priced -- and is refused (:class:`BudgetExceeded`, nothing sent) when spent + reserved +
that worst case would pass a cap. After the call the reservation is replaced by the real
usage. A cap can therefore only be passed by the difference between a prompt estimate and
the real prompt count of one call, i.e. by less than one call's ``max_tokens``, even with
several threads or processes sharing a batch budget.

A batch budget shared by worker processes lives in a JSON file guarded by ``flock``
(:class:`FileStore`); reservations of processes that died are dropped.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patchwright.model.errors import BudgetExceeded
from patchwright.model.prices import Price

STORE_VERSION = 1
_ids = itertools.count()


@dataclass(frozen=True)
class Caps:
    """None means no cap."""

    max_dollars: float | None = None
    max_tokens: int | None = None
    max_calls: int | None = None
    max_seconds: float | None = None

    def any(self) -> bool:
        return any(v is not None for v in vars(self).values())


@dataclass(frozen=True)
class Usage:
    calls: int = 0
    tokens: int = 0
    dollars: float = 0.0


def _new_state(now: float) -> dict[str, Any]:
    return {
        "version": STORE_VERSION,
        "started": now,
        "spent": {"calls": 0, "tokens": 0, "dollars": 0.0},
        "pending": {},
    }


class MemoryStore:
    """State of a budget used by one process (threads share it safely)."""

    def __init__(self, now: float) -> None:
        self._lock = threading.Lock()
        self._state = _new_state(now)

    @contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            yield self._state


class FileStore:
    """State in a JSON file, for a batch budget shared by worker processes."""

    def __init__(self, path: Path | str, now: float) -> None:
        self.path = Path(path)
        self._now = now
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(f"{self.path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                try:
                    state = json.loads(self.path.read_text(encoding="utf-8"))
                    if state.get("version") != STORE_VERSION:
                        raise ValueError("other version")
                except (OSError, ValueError):
                    state = _new_state(self._now)
                yield state
                fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".budget.", suffix=".tmp")
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(state, fh)
                os.replace(tmp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Reservation:
    id: str
    tokens: int
    dollars: float
    parent: Reservation | None = None


class Budget:
    def __init__(
        self,
        caps: Caps,
        scope: str = "task",
        *,
        store: MemoryStore | FileStore | None = None,
        parent: Budget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.caps = caps
        self.scope = scope
        self.parent = parent
        self.clock = clock
        self.store = store or MemoryStore(clock())

    @classmethod
    def shared(cls, caps: Caps, path: Path | str, scope: str = "batch") -> Budget:
        """A budget whose state lives in ``path`` (one per batch, shared by processes)."""
        return cls(caps, scope, store=FileStore(path, time.time()))

    # -- reading ----------------------------------------------------------------
    def spent(self) -> Usage:
        with self.store.transaction() as st:
            s = st["spent"]
            return Usage(int(s["calls"]), int(s["tokens"]), float(s["dollars"]))

    def elapsed(self) -> float:
        with self.store.transaction() as st:
            return self.clock() - float(st["started"])

    def exhausted(self) -> str:
        """Name of a cap already reached (no call can fit), or '' (also checks the parent)."""
        c, used, elapsed = self.caps, self.spent(), self.elapsed()
        if c.max_calls is not None and used.calls >= c.max_calls:
            return "max_calls"
        if c.max_tokens is not None and used.tokens >= c.max_tokens:
            return "max_tokens"
        if c.max_dollars is not None and used.dollars >= c.max_dollars:
            return "max_dollars"
        if c.max_seconds is not None and elapsed >= c.max_seconds:
            return "max_seconds"
        return self.parent.exhausted() if self.parent else ""

    # -- reserving and settling -------------------------------------------------
    def reserve(self, prompt_tokens: int, max_tokens: int, price: Price | None) -> Reservation:
        """Reserve the worst case of the next call, or raise :class:`BudgetExceeded`."""
        tokens = prompt_tokens + max_tokens
        dollars = price.cost(prompt_tokens, max_tokens) if price else 0.0
        rid = f"{os.getpid()}:{threading.get_ident()}:{next(_ids)}"
        with self.store.transaction() as st:
            pending = st["pending"]
            for key in [k for k, v in pending.items() if not _alive(int(v["pid"]))]:
                del pending[key]
            calls = st["spent"]["calls"] + len(pending)
            used_tokens = st["spent"]["tokens"] + sum(v["tokens"] for v in pending.values())
            used_dollars = st["spent"]["dollars"] + sum(v["dollars"] for v in pending.values())
            self._check(calls, used_tokens, used_dollars, tokens, dollars, price, st["started"])
            pending[rid] = {"tokens": tokens, "dollars": dollars, "pid": os.getpid()}
        res = Reservation(rid, tokens, dollars)
        if self.parent is not None:
            try:
                res.parent = self.parent.reserve(prompt_tokens, max_tokens, price)
            except BudgetExceeded:
                self.release(res)
                raise
        return res

    def _check(
        self,
        calls: int,
        used_tokens: int,
        used_dollars: float,
        tokens: int,
        dollars: float,
        price: Price | None,
        started: float,
    ) -> None:
        c = self.caps
        if c.max_calls is not None and calls + 1 > c.max_calls:
            raise BudgetExceeded("max_calls", self.scope, f"{calls} of {c.max_calls} calls made")
        if c.max_tokens is not None and used_tokens + tokens > c.max_tokens:
            raise BudgetExceeded(
                "max_tokens",
                self.scope,
                f"{used_tokens} tokens used + up to {tokens} next > {c.max_tokens}",
            )
        if c.max_dollars is not None:
            if price is None:
                raise BudgetExceeded(
                    "max_dollars",
                    self.scope,
                    "the model's price is unknown, a dollar cap cannot hold",
                )
            if used_dollars + dollars > c.max_dollars:
                raise BudgetExceeded(
                    "max_dollars",
                    self.scope,
                    f"${used_dollars:.4f} used + up to ${dollars:.4f} next > ${c.max_dollars}",
                )
        if c.max_seconds is not None and self.clock() - started >= c.max_seconds:
            raise BudgetExceeded("max_seconds", self.scope, f"{c.max_seconds:g} s elapsed")

    def settle(
        self, res: Reservation, prompt_tokens: int, completion_tokens: int, cost: float | None
    ) -> None:
        """Replace the reservation by what the call really used."""
        with self.store.transaction() as st:
            st["pending"].pop(res.id, None)
            st["spent"]["calls"] += 1
            st["spent"]["tokens"] += prompt_tokens + completion_tokens
            st["spent"]["dollars"] += cost or 0.0
        if self.parent is not None and res.parent is not None:
            self.parent.settle(res.parent, prompt_tokens, completion_tokens, cost)

    def release(self, res: Reservation) -> None:
        """Drop a reservation without charging (the call was not made or failed)."""
        with self.store.transaction() as st:
            st["pending"].pop(res.id, None)
        if self.parent is not None and res.parent is not None:
            self.parent.release(res.parent)
