"""The wrapper every tool talks to: budget check -> cache -> inner call -> accounting ->
a :class:`~patchwright.core.events.ModelCall` event in the trajectory.

Order matters: the budget's worst case is reserved *before* anything else (a refused call
sends nothing and is recorded as an :class:`~patchwright.core.events.ErrorEvent` naming the cap); a cache hit releases
the reservation and costs nothing; a real call settles it with the real usage.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from patchwright.core.domain import Message, ModelResponse
from patchwright.core.events import ErrorEvent, ModelCall, Record
from patchwright.core.protocols import Model
from patchwright.model.budget import Budget
from patchwright.model.cache import ResponseCache, request_key
from patchwright.model.errors import ModelError
from patchwright.model.prices import Price, estimate_prompt_tokens, lookup


class RecordingModel:
    def __init__(
        self,
        inner: Model,
        budget: Budget | None = None,
        cache: ResponseCache | None = None,
        record: Record | None = None,
        *,
        price: Price | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.budget = budget
        self.cache = cache
        self.record = record
        self.price = (
            price if price is not None else getattr(inner, "price", None) or lookup(inner.name)
        )
        self._lock = threading.Lock()
        self._seen: Counter[str] = Counter()
        self.calls = 0
        self.tokens = 0
        self.cost = 0.0
        self.cache_hits = 0
        self.seconds = 0.0
        """Time spent waiting on the model (calls not answered from the cache)."""

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> RecordingModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> ModelResponse:
        messages = list(messages)
        request = {"max_tokens": max_tokens, "temperature": temperature, "stop": list(stop or [])}
        reservation = None
        try:
            if self.budget is not None:
                reservation = self.budget.reserve(
                    estimate_prompt_tokens(messages), max_tokens, self.price
                )
            key = self._key(messages, max_tokens, temperature, stop)
            hit = self.cache.get(key) if self.cache is not None else None
            if hit is not None:
                if reservation is not None and self.budget is not None:
                    self.budget.release(reservation)
                    reservation = None
                self._account(hit)
                self._emit(messages, request, hit)
                return hit
            started = time.monotonic()
            resp = self.inner.complete(
                messages, max_tokens=max_tokens, temperature=temperature, stop=stop,
                **({"timeout": timeout} if timeout is not None else {}),
            )
            latency = resp.latency or (time.monotonic() - started)
            cost = resp.cost
            if cost is None and self.price is not None:
                cost = self.price.cost(resp.prompt_tokens, resp.completion_tokens)
            resp = resp.model_copy(
                update={"latency": latency, "cost": cost, "model": resp.model or self.name}
            )
            if reservation is not None and self.budget is not None:
                self.budget.settle(reservation, resp.prompt_tokens, resp.completion_tokens, cost)
                reservation = None
            if self.cache is not None:
                self.cache.put(key, resp, {"model": self.name, **request})
        except ModelError as exc:
            self._emit_error(exc)
            raise
        finally:
            if reservation is not None and self.budget is not None:
                self.budget.release(reservation)
        self._account(resp)
        self._emit(messages, request, resp)
        return resp

    def _key(
        self,
        messages: list[Message],
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None,
    ) -> str:
        base = request_key(self.name, messages, max_tokens, temperature, stop)
        if temperature <= 0:
            return base
        with self._lock:
            sample = self._seen[base]
            self._seen[base] += 1
        return request_key(self.name, messages, max_tokens, temperature, stop, sample=sample)

    def _account(self, resp: ModelResponse) -> None:
        with self._lock:
            self.calls += 1
            if resp.cached:
                self.cache_hits += 1
                return
            self.tokens += resp.prompt_tokens + resp.completion_tokens
            self.seconds += resp.latency or 0.0
            self.cost += resp.cost or 0.0

    def _emit(self, messages: list[Message], request: dict[str, Any], resp: ModelResponse) -> None:
        if self.record is None:
            return
        self.record(
            ModelCall(
                model=resp.model or self.name,
                messages=messages,
                response=resp.text,
                prompt_tokens=resp.prompt_tokens,
                completion_tokens=resp.completion_tokens,
                cost=resp.cost,
                latency=round(resp.latency, 4),
                cached=resp.cached,
                finish_reason=resp.finish_reason,
                max_tokens=request["max_tokens"],
                temperature=request["temperature"],
                stop=request["stop"],
            )
        )

    def _emit_error(self, exc: ModelError) -> None:
        if self.record is None:
            return
        self.record(
            ErrorEvent(
                source="model_call",
                model=self.name,
                error=type(exc).__name__,
                message=str(exc),
                cap=str(getattr(exc, "cap", "") or ""),
                scope=str(getattr(exc, "scope", "") or ""),
            )
        )
