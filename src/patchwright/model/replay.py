"""Replays the model calls recorded in a trajectory, in order, checking that each request
matches the recorded one.

Strictness: ``strict`` -- all messages, max_tokens, temperature and stop equal;
``messages`` -- the messages equal; ``last`` -- the last message equal; ``off`` -- no check.
A mismatch raises :class:`ReplayMismatch`; running past the end raises ModelUnavailable.
Replayed calls cost nothing; they report the recorded token counts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from patchwright.core.types import Message, ModelResponse
from patchwright.model.errors import BadResponse, ModelError, ModelUnavailable
from patchwright.model.prices import Price
from patchwright.store.artifacts import read_trajectory

Strictness = Literal["strict", "messages", "last", "off"]
STRICTNESS: tuple[str, ...] = ("strict", "messages", "last", "off")


class ReplayMismatch(ModelError):
    """The request differs from the recorded one at this position."""


class ReplayModel:
    price = Price(0.0, 0.0)

    def __init__(self, trajectory_path: Path | str, strictness: Strictness = "strict") -> None:
        if strictness not in STRICTNESS:
            raise ValueError(f"unknown replay strictness {strictness!r}")
        self.path = Path(trajectory_path)
        self.strictness = strictness
        try:
            _, steps = read_trajectory(self.path)
        except OSError as exc:
            raise ModelUnavailable(f"cannot read trajectory {self.path}: {exc.strerror}") from None
        self.calls: list[dict[str, Any]] = [
            s.data for s in steps if s.kind == "model_call" and "messages" in s.data
        ]
        models = {str(c["model"]) for c in self.calls if c.get("model")}
        self.name: str = models.pop() if len(models) == 1 else "replay"
        self.position = 0
        self._lock = threading.Lock()

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> ModelResponse:
        with self._lock:
            if self.position >= len(self.calls):
                raise ModelUnavailable(
                    f"replay of {self.path.name} exhausted after {len(self.calls)} calls"
                )
            index = self.position
            self.position += 1
        call = self.calls[index]
        self._verify(index, call, list(messages), max_tokens, temperature, stop)
        text = call.get("response")
        if not isinstance(text, str):
            raise BadResponse(f"replay call {index} has no recorded response text")
        return ModelResponse(
            text=text,
            model=str(call.get("model") or self.name),
            prompt_tokens=int(call.get("prompt_tokens") or 0),
            completion_tokens=int(call.get("completion_tokens") or 0),
            cost=0.0,
            latency=0.0,
            finish_reason=str(call.get("finish_reason") or ""),
        )

    def _verify(
        self,
        index: int,
        call: dict[str, Any],
        messages: list[Message],
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None,
    ) -> None:
        if self.strictness == "off":
            return
        recorded = [Message.model_validate(m) for m in call["messages"]]
        if self.strictness == "last":
            same = bool(recorded) and bool(messages) and recorded[-1] == messages[-1]
        else:
            same = recorded == messages
        if same and self.strictness == "strict":
            for field, value in (
                ("max_tokens", max_tokens),
                ("temperature", temperature),
                ("stop", list(stop or [])),
            ):
                if field in call and call[field] != value:
                    raise ReplayMismatch(
                        f"replay call {index}: {field} {value!r} != recorded {call[field]!r}"
                    )
        if not same:
            raise ReplayMismatch(f"replay call {index}: the messages differ from the recording")
