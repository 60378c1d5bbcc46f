"""The migration check's rules for one environment, compiled once and kept on disk
(versioned JSON under ``$PATCHWRIGHT_HOME/cache/check/``), keyed by the rules files'
bytes and the installed versions they were chosen for."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

CACHE_VERSION = 1


@dataclass(frozen=True)
class CheckRule:
    old: str
    """Qualified name, ``numpy.float_``."""
    new: str | None
    """Qualified replacement name or expression (None: none known)."""
    kind: str
    says: str
    """``numpy.float_ renamed to numpy.float64 (numpy 2.4.6)``."""


def cache_key(sources: Sequence[tuple[str, bytes]], versions: Mapping[str, str]) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for name, data in sorted(sources):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    digest.update(json.dumps(sorted(versions.items())).encode())
    return digest.hexdigest()[:24]


def load_cached(folder: Path, key: str) -> list[CheckRule] | None:
    path = folder / f"migrate-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or data.get("key") != key:
        return None
    try:
        return [CheckRule(**r) for r in data["rules"]]
    except (KeyError, TypeError):
        return None


def save_cached(folder: Path, key: str, rules: Sequence[CheckRule]) -> None:
    """Written atomically; a folder that cannot be written only costs the next run time."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".migrate-{key}.{os.getpid()}.tmp"
        payload = {"version": CACHE_VERSION, "key": key, "rules": [asdict(r) for r in rules]}
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        tmp.replace(folder / f"migrate-{key}.json")
    except OSError:
        return
