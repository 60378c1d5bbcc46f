"""A scripted model: replies come from a list (or a function of the messages). A real class
selectable by config (``model: scripted``) for offline tests of the LLM tools."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from patchwright.core.config import ModelConfig
from patchwright.core.domain import Message, ModelResponse
from patchwright.model.errors import ModelUnavailable
from patchwright.model.prices import Price

Reply = str | Callable[[Sequence[Message]], str]


class ScriptExhausted(RuntimeError):
    pass


class ScriptedModel:
    def __init__(self, replies: Sequence[Reply], name: str = "scripted", cycle: bool = False) -> None:
        self.replies = list(replies)
        self.name = name
        self.cycle = cycle
        self.calls: list[list[Message]] = []

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> ModelResponse:
        if not self.replies:
            raise ScriptExhausted("the scripted model has no reply left")
        reply = self.replies[len(self.calls) % len(self.replies)] if self.cycle else None
        if reply is None:
            if len(self.calls) >= len(self.replies):
                raise ScriptExhausted("the scripted model has no reply left")
            reply = self.replies[len(self.calls)]
        self.calls.append(list(messages))
        text = reply(messages) if callable(reply) else reply
        prompt_tokens = sum(len(m.content) for m in messages) // 4
        return ModelResponse(
            text=text,
            model=self.name,
            prompt_tokens=prompt_tokens,
            completion_tokens=len(text) // 4,
            cost=None,
        )


class ScriptedReplies:
    """A :class:`ScriptedModel` read from a file (``scripted:FILE``), whose exhaustion is a
    ModelError like any other model failure."""

    price = Price(0.0, 0.0)

    def __init__(self, inner: ScriptedModel) -> None:
        self.inner = inner
        self.name = inner.name

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> ModelResponse:
        try:
            return self.inner.complete(
                messages, max_tokens=max_tokens, temperature=temperature, stop=stop
            )
        except ScriptExhausted as exc:
            raise ModelUnavailable(str(exc)) from None

    @classmethod
    def open(cls, config: ModelConfig, arg: str, home: Path) -> ScriptedReplies:
        return cls(load_script(Path(arg)))


def load_script(path: Path) -> ScriptedModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"cannot read model script {path}: {exc}") from None
    cycle = False
    if isinstance(data, dict):
        cycle = bool(data.get("cycle", False))
        data = data.get("replies")
    if not isinstance(data, list) or not all(isinstance(r, str) for r in data):
        raise ModelUnavailable(f"model script {path} must be a JSON list of strings")
    return ScriptedModel(data, name=f"scripted:{path.name}", cycle=cycle)
