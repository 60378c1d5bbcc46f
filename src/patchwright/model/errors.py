"""The model layer's own exceptions. Adapters translate library errors into these, so
callers never see an ``openai`` (or ``httpx``) exception."""

from __future__ import annotations

from patchwright.core.errors import PatchwrightError


class ModelError(PatchwrightError):
    """A model call failed; the message is one line for the user."""


class ModelUnavailable(ModelError):
    """The endpoint cannot be reached or keeps failing (retries exhausted, auth, no server)."""


class BadResponse(ModelError):
    """The endpoint answered with something that is not a usable chat completion."""


class BudgetExceeded(ModelError):
    """The next call could go over a cap; nothing was sent.

    ``cap`` names the cap (``max_dollars``, ``max_tokens``, ``max_calls``, ``max_seconds``)
    and ``scope`` says whose it is (``task`` or ``batch``)."""

    def __init__(self, cap: str, scope: str, detail: str = "") -> None:
        self.cap = cap
        self.scope = scope
        text = f"{scope} budget exhausted: {cap}"
        super().__init__(f"{text} ({detail})" if detail else text)
