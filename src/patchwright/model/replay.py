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
from typing import Literal

from patchwright.core.config import ModelConfig
from patchwright.core.domain import Message, ModelResponse
from patchwright.core.errors import PatchwrightError
from patchwright.core.events import ModelCall
from patchwright.model.errors import ModelError, ModelUnavailable
from patchwright.model.prices import Price
from patchwright.store.artifacts import read_events

Strictness = Literal["strict", "messages", "last", "off"]
STRICTNESS: tuple[str, ...] = ("strict", "messages", "last", "off")


class ReplayMismatch(ModelError):
    """The request differs from the recorded one at this position."""


class ReplayModel:
    price = Price(0.0, 0.0)

    @classmethod
    def open(cls, config: ModelConfig, arg: str, home: Path) -> ReplayModel:
        """``replay:TRAJECTORY``: the model calls recorded in a run's trajectory."""
        return cls(arg, config.replay_strictness)

    def __init__(self, trajectory_path: Path | str, strictness: Strictness = "strict") -> None:
        if strictness not in STRICTNESS:
            raise ValueError(f"unknown replay strictness {strictness!r}")
        self.path = Path(trajectory_path)
        self.strictness = strictness
        try:
            _, events = read_events(self.path)
        except OSError as exc:
            raise ModelUnavailable(f"cannot read trajectory {self.path}: {exc.strerror}") from None
        except PatchwrightError as exc:
            raise ModelUnavailable(str(exc)) from None
        self.calls: list[ModelCall] = [e for e in events if isinstance(e, ModelCall)]
        models = {c.model for c in self.calls if c.model}
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
        timeout: float | None = None,
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
        return ModelResponse(
            text=call.response,
            model=call.model or self.name,
            prompt_tokens=call.prompt_tokens,
            completion_tokens=call.completion_tokens,
            cost=0.0,
            latency=0.0,
            finish_reason=call.finish_reason,
        )

    def _verify(
        self,
        index: int,
        call: ModelCall,
        messages: list[Message],
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] | None,
    ) -> None:
        if self.strictness == "off":
            return
        recorded = call.messages
        if self.strictness == "last":
            same = bool(recorded) and bool(messages) and recorded[-1] == messages[-1]
        else:
            same = recorded == messages
        if same and self.strictness == "strict":
            for field, value, was in (
                ("max_tokens", max_tokens, call.max_tokens),
                ("temperature", temperature, call.temperature),
                ("stop", list(stop or []), call.stop),
            ):
                if was != value:
                    raise ReplayMismatch(
                        f"replay call {index}: {field} {value!r} != recorded {was!r}"
                    )
        if not same:
            raise ReplayMismatch(f"replay call {index}: the messages differ from the recording")
