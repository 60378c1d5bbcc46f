"""ADAPTER: the ``openai`` client against any OpenAI-compatible chat-completions endpoint
(OpenAI, vLLM, Ollama, llama.cpp server). The only module that imports ``openai``.

The client's own retries are off; this module retries 408/409/425/429/5xx, timeouts and
connection errors with jittered exponential backoff, honoring Retry-After, and maps every
failure to :mod:`patchwright.model.errors`.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from patchwright.core.config import ModelConfig
from patchwright.core.domain import Message, ModelResponse
from patchwright.model.errors import BadResponse, ModelError, ModelUnavailable
from patchwright.model.prices import Price, estimate_prompt_tokens, estimate_tokens, lookup
from patchwright.model.retry import RetryPolicy, parse_retry_after, retry_wait, retryable_status

DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass
class Endpoint:
    """Where and how to call; empty fields fall back to the environment."""

    model: str = ""
    base_url: str = ""
    api_key: str = field(default="", repr=False)
    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def resolved(self) -> Endpoint:
        model = self.model or os.environ.get("PATCHWRIGHT_MODEL", "")
        if not model:
            raise ModelUnavailable("no model name: set model.name or PATCHWRIGHT_MODEL")
        return Endpoint(
            model=model,
            base_url=self.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            # Local servers take any key; the client insists on one being set.
            api_key=self.api_key or os.environ.get("OPENAI_API_KEY") or "sk-no-key",
            timeout=self.timeout,
            retry=self.retry,
        )


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class OpenAIModel:
    """Implements the ``Model`` protocol. ``sleep`` and ``rng`` are injectable for tests."""

    @classmethod
    def open(cls, config: ModelConfig, name: str, home: Path) -> OpenAIModel:
        """A model called ``name`` at the configured OpenAI-compatible endpoint."""
        from patchwright.model.prices import load_table, lookup

        retry = RetryPolicy(
            max_attempts=config.max_attempts,
            base_delay=config.backoff_base,
            max_delay=config.backoff_max,
            max_retry_after=config.retry_after_max,
        )
        endpoint = Endpoint(model=name, base_url=config.base_url, api_key=config.api_key,
                            timeout=config.timeout, retry=retry)  # fmt: skip
        table = load_table(config.prices_file) if config.prices_file else None
        return cls(endpoint, price=lookup(name, table))

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        price: Price | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.endpoint = endpoint.resolved()
        self.name = self.endpoint.model
        self.price = price if price is not None else lookup(self.name)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.retries = 0
        """Retries made over this model's life (for reports and tests)."""
        self._client = openai.OpenAI(
            base_url=self.endpoint.base_url,
            api_key=self.endpoint.api_key,
            max_retries=0,
            timeout=self.endpoint.timeout,
        )

    def close(self) -> None:
        self._client.close()

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> ModelResponse:
        policy = self.endpoint.retry
        started = time.monotonic()
        last = ""
        for attempt in range(max(1, policy.max_attempts)):
            if attempt:
                self.retries += 1
            left = None if timeout is None else timeout - (time.monotonic() - started)
            if left is not None and left <= 0:
                raise ModelUnavailable(f"{self.name}: no time left for the call ({last or 'timed out'})")
            try:
                completion = self._create(messages, max_tokens, temperature, stop, left)
            except _Retry as exc:
                last = str(exc)
                if attempt + 1 >= policy.max_attempts:
                    break
                wait = retry_wait(attempt, exc.retry_after, policy, self.rng)
                if timeout is not None and time.monotonic() - started + wait >= timeout:
                    break  # the wait would outlast the time the caller gave
                self.sleep(wait)
                continue
            return self._response(completion, messages, time.monotonic() - started)
        raise ModelUnavailable(
            f"{self.name} at {self.endpoint.base_url}: gave up after "
            f"{policy.max_attempts} attempts ({last})"
        )

    def _create(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None,
        timeout: float | None = None,
    ) -> Any:
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if stop:
            kwargs["stop"] = list(stop)
        limit = self.endpoint.timeout if timeout is None else min(self.endpoint.timeout, timeout)
        if timeout is not None:
            kwargs["timeout"] = limit
        try:
            return self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            raise _Retry(f"timed out after {limit:g} s") from None
        except openai.APIConnectionError as exc:
            raise _Retry(f"connection error: {exc}") from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            detail = _short(exc.message)
            if retryable_status(status):
                wait = parse_retry_after(exc.response.headers.get("retry-after"))
                raise _Retry(f"HTTP {status}: {detail}", wait) from None
            if status in (401, 403, 404):
                raise ModelUnavailable(f"{self.name}: HTTP {status}: {detail}") from None
            raise ModelError(f"{self.name}: HTTP {status}: {detail}") from None
        except openai.APIResponseValidationError as exc:
            raise BadResponse(f"{self.name}: invalid response: {_short(exc.message)}") from None
        except openai.OpenAIError as exc:
            raise ModelError(f"{self.name}: {_short(str(exc))}") from None
        except ValueError as exc:  # malformed JSON body
            raise BadResponse(
                f"{self.name}: response is not valid JSON: {_short(str(exc))}"
            ) from None

    def _response(
        self, completion: Any, messages: Sequence[Message], latency: float
    ) -> ModelResponse:
        try:
            choice = completion.choices[0]
            text = choice.message.content
            finish = choice.finish_reason or ""
        except (AttributeError, IndexError, KeyError, TypeError):
            raise BadResponse(f"{self.name}: response has no choices[0].message") from None
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise BadResponse(f"{self.name}: message content is not text")
        usage = getattr(completion, "usage", None)
        prompt = _int(getattr(usage, "prompt_tokens", None))
        done = _int(getattr(usage, "completion_tokens", None))
        if prompt is None:
            prompt = estimate_prompt_tokens(messages)
        if done is None:
            done = estimate_tokens(text)
        return ModelResponse(
            text=text,
            model=self.name,
            prompt_tokens=prompt,
            completion_tokens=done,
            cost=self.price.cost(prompt, done) if self.price else None,
            latency=latency,
            finish_reason=str(finish),
        )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
