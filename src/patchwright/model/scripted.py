"""A scripted model: replies come from a list (or a function of the messages). A real class
selectable by config (``model: scripted``) for offline tests of the LLM tools."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from patchwright.core.types import Message, ModelResponse

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
