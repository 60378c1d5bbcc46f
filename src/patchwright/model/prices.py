"""Dollar prices per model from the versioned data file ``prices.json`` (or another file
of the same shape). Unknown models have no price: they are accounted in tokens only."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from patchwright.core.domain import Message

PRICES_VERSION = 1


@dataclass(frozen=True)
class Price:
    input: float
    """Dollars per 1M prompt tokens."""
    output: float
    """Dollars per 1M completion tokens."""

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


def parse_table(data: dict[str, Any]) -> dict[str, Price]:
    if data.get("version") != PRICES_VERSION:
        raise ValueError(f"unsupported price table version {data.get('version')!r}")
    return {
        name.lower(): Price(float(p["input"]), float(p["output"]))
        for name, p in data["models"].items()
    }


@lru_cache(maxsize=8)
def load_table(path: str = "") -> dict[str, Price]:
    """The bundled table, or the one at ``path``."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("patchwright.model").joinpath("prices.json").read_text("utf-8")
    return parse_table(json.loads(text))


def lookup(model: str, table: dict[str, Price] | None = None) -> Price | None:
    """Price of ``model``: exact name, then without a ``provider/`` prefix, then the longest
    table entry that the name extends with ``-`` (``gpt-4o-2024-08-06`` -> ``gpt-4o``)."""
    table = load_table() if table is None else table
    name = model.strip().lower()
    candidates = [name]
    if "/" in name:
        candidates.append(name.rsplit("/", 1)[1])
    for cand in candidates:
        if cand in table:
            return table[cand]
    for cand in candidates:
        best = max((k for k in table if cand.startswith(k + "-")), key=len, default=None)
        if best is not None:
            return table[best]
    return None


def estimate_tokens(text: str) -> int:
    """Rough token count (4 characters a token) where the endpoint reports none."""
    return math.ceil(len(text) / 4)


def estimate_prompt_tokens(messages: Sequence[Message]) -> int:
    """Prompt estimate: content at 4 characters a token plus a few tokens per message."""
    return sum(estimate_tokens(m.content) + 4 for m in messages)
