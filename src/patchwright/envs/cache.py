"""The one folder of built environments, shared by every caller and process.

Layout (``ENV_FORMAT`` 1)::

    <root>/<key>/                 a ready venv; ``patchwright-env.json`` inside says so
    <root>/.<key>-<random>/       a build in progress (or left by a killed one)
    <root>/<key>.lock             the lock on building <key> (flock, per key)
    <root>/<key>.failed.json      the last failed build of <key>: run id, message, pip tail

A build happens in a temporary sibling and is renamed to ``<key>`` only after its ready
marker is written, so a crash or a kill never leaves an environment that looks ready. The
lock file descriptor is handed to the build's child processes: a build whose parent was
killed still holds the lock until its last child (pip) exits, and whoever takes the lock
next removes what was left half-built.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patchwright.envs.spec import ENV_FORMAT

READY = "patchwright-env.json"
FAILED_SUFFIX = ".failed.json"
LOCK_SUFFIX = ".lock"
_TEMP_RE = re.compile(r"^\.(py\d+\.\d+-[0-9a-f]{16})-[a-z0-9_]+$")


@dataclass(frozen=True)
class Lock:
    """A held build lock: its file descriptor (to pass to child processes) and the
    seconds spent waiting for it."""

    fd: int
    waited: float


class EnvCache:
    """Environments under ``root``, keyed by :meth:`EnvSpec.key <patchwright.envs.spec.EnvSpec.key>`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    @staticmethod
    def python(path: Path) -> Path:
        return path / "bin" / "python"

    def is_ready(self, key: str) -> bool:
        path = self.path(key)
        return (path / READY).is_file() and self.python(path).exists()

    def info(self, key: str) -> dict[str, Any]:
        """The ready marker's content ({} when unreadable)."""
        with contextlib.suppress(OSError, ValueError):
            data = json.loads((self.path(key) / READY).read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return data
        return {}

    # -- lock ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[Lock]:
        """Hold the exclusive build lock of ``key`` (waiting as long as needed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(self.root / f"{key}{LOCK_SUFFIX}", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield Lock(fh.fileno(), time.monotonic() - started)
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _try_lock(self, key: str) -> int | None:
        """The fd of ``key``'s lock when free at once (the caller closes it), else None."""
        try:
            fd = os.open(self.root / f"{key}{LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    # -- builds ----------------------------------------------------------------------------

    def temp_dir(self, key: str) -> Path:
        """A new empty folder to build ``key`` in (call with the lock held)."""
        return Path(tempfile.mkdtemp(prefix=f".{key}-", dir=self.root))

    def publish(self, tmp: Path, key: str) -> Path:
        """Move the finished build ``tmp`` (ready marker already inside) into place."""
        path = self.path(key)
        os.rename(tmp, path)
        return path

    def discard_partial(self, key: str) -> list[Path]:
        """Remove what half-built ``key`` left (call with the lock held): its temporary
        folders, and a ``<key>`` folder without the ready marker. Returns what was removed."""
        removed = [p for p in self.root.glob(f".{key}-*") if p.is_dir()]
        path = self.path(key)
        if path.exists() and not self.is_ready(key):
            removed.append(path)
        for p in removed:
            shutil.rmtree(p, ignore_errors=True)
        return removed

    def sweep(self) -> list[Path]:
        """Remove half-built folders of every key whose build lock is free (a build that
        was killed); builds in progress are left alone. Returns what was removed."""
        removed: list[Path] = []
        with contextlib.suppress(OSError):
            for entry in self.root.iterdir():
                m = _TEMP_RE.match(entry.name)
                if not (m and entry.is_dir()):
                    continue
                key = m.group(1)
                fd = self._try_lock(key)
                if fd is None:
                    continue
                try:
                    removed.extend(self.discard_partial(key))
                finally:
                    os.close(fd)
        return removed

    # -- failure markers -------------------------------------------------------------------

    def _failure_path(self, key: str) -> Path:
        return self.root / f"{key}{FAILED_SUFFIX}"

    def failure(self, key: str, run_id: str | None) -> str | None:
        """The recorded error when the last build of ``key`` failed in run ``run_id``."""
        path = self._failure_path(key)
        if run_id is None or not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("run_id") != run_id:
            return None
        return str(data.get("message") or "environment build failed earlier in this run")

    def record_failure(self, key: str, record: dict[str, Any]) -> None:
        data = {"version": ENV_FORMAT, "key": key, **record}
        self._failure_path(key).write_text(json.dumps(data, indent=2), encoding="utf-8")

    def clear_failure(self, key: str) -> None:
        self._failure_path(key).unlink(missing_ok=True)
