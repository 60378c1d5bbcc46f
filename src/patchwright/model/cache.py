"""On-disk response cache: one versioned JSON file per request under
``<home>/cache/model/`` (``home`` from ``app.paths``) or a configured folder.

The key is a hash of (model, messages, max_tokens, temperature, stop, sample). ``sample``
numbers repeated identical requests within one run: at temperature 0 it is always 0, at a
higher temperature the n-th identical request gets its own entry, so a search that samples
the same prompt several times still sees different replies, and a rerun sees the same ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from patchwright.core.domain import Message, ModelResponse

CACHE_VERSION = 1


def request_key(
    model: str,
    messages: Sequence[Message],
    max_tokens: int,
    temperature: float,
    stop: Sequence[str] | None,
    sample: int = 0,
) -> str:
    """Stable hex key of a request (canonical JSON, SHA-256)."""
    payload = {
        "v": CACHE_VERSION,
        "model": model,
        "messages": [[m.role, m.content] for m in messages],
        "max_tokens": int(max_tokens),
        "temperature": round(float(temperature), 6),
        "stop": list(stop) if stop else [],
        "sample": int(sample),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.hits = 0
        self.misses = 0

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> ModelResponse | None:
        """The stored response (``cached=True``, cost 0, latency 0), or None. Unreadable or
        other-version files count as misses."""
        try:
            data: dict[str, Any] = json.loads(self.path(key).read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION or data.get("key") != key:
                raise ValueError("stale entry")
            resp = ModelResponse.model_validate(data["response"])
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return resp.model_copy(update={"cached": True, "cost": 0.0, "latency": 0.0})

    def put(self, key: str, response: ModelResponse, request: dict[str, Any] | None = None) -> None:
        """Store atomically; a failure to write is not an error for the caller."""
        data = {
            "version": CACHE_VERSION,
            "key": key,
            "request": request or {},
            "response": response.model_dump(mode="json"),
        }
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
