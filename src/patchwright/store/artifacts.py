"""The run directory: atomic writes, an append-only trajectory, a result file as resume marker."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from patchwright.core.domain import RunResult
from patchwright.core.errors import PatchwrightError
from patchwright.core.events import (
    TRAJECTORY_VERSION,
    AnyEvent,
    TrajectoryFormatError,
    TrajectoryHeader,
    check_version,
    parse_event,
)
from patchwright.core.events_v1 import upgrade, upgrade_header

PATCH_FILE = "patch.diff"
RESULT_FILE = "result.json"
TRAJECTORY_FILE = "trajectory.jsonl"
TREE_FILE = "tree.json"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: BaseModel | dict[str, Any]) -> None:
    if isinstance(data, BaseModel):
        text = data.model_dump_json(indent=2)
    else:
        text = json.dumps(data, indent=2, sort_keys=True)
    write_atomic(path, text + "\n")


LOCK_FILE = ".lock"


class RunDirBusy(PatchwrightError):
    """Another process holds the run directory's lock (one line)."""


class RunDir:
    """Files of one run. ``result.json`` present means the run finished."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = Path(path)
        if create:
            self.path.mkdir(parents=True, exist_ok=True)

    @property
    def trajectory(self) -> Path:
        return self.path / TRAJECTORY_FILE

    @property
    def result_path(self) -> Path:
        return self.path / RESULT_FILE

    @property
    def patch_path(self) -> Path:
        return self.path / PATCH_FILE

    @property
    def tree_path(self) -> Path:
        return self.path / TREE_FILE

    def done(self) -> bool:
        return self.result_path.exists()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the run's exclusive lock (``.lock``, released when the process ends);
        :class:`RunDirBusy` when another process holds it."""
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise RunDirBusy(
                        f"run directory {self.path} is in use by another patchwright process"
                    ) from None
                raise
            yield
        finally:
            os.close(fd)

    def write_result(self, result: RunResult) -> None:
        write_json(self.result_path, result)

    def read_result(self) -> RunResult:
        return RunResult.model_validate_json(self.result_path.read_text(encoding="utf-8"))

    def write_patch(self, diff: str) -> None:
        write_atomic(self.patch_path, diff)


class TrajectoryWriter:
    """Appends one JSON line per event and flushes it at once, so a crash loses nothing.

    A fresh file starts with ``header``. An existing one is appended to (resume): an older
    format version is first rewritten in today's (atomically), a newer one is refused."""

    def __init__(self, path: Path, header: TrajectoryHeader) -> None:
        self.path = Path(path)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        if not fresh:
            fresh = _prepare_append(self.path, header)
        torn = not fresh and not self.path.read_bytes().endswith(b"\n")
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - long-lived handle
        if torn:  # a crash cut the last line: end it so the next event starts clean
            self._fh.write("\n")
        if fresh:
            self._write(header)

    def _write(self, obj: BaseModel) -> None:
        self._fh.write(obj.model_dump_json() + "\n")
        self._fh.flush()

    def record(self, event: AnyEvent) -> None:
        self._write(event)

    __call__ = record

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def append_event(path: Path, event: AnyEvent) -> None:
    """Append one event to a trajectory that has its header, opening and closing the file
    (for writers that record a few events from a worker process)."""
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(event.model_dump_json() + "\n")


def _prepare_append(path: Path, header: TrajectoryHeader) -> bool:
    """Make an existing trajectory ready for appending; True when it must start afresh
    (nothing readable in it, not even its header)."""
    old, events = read_events(path)
    version = _file_version(path)
    if old is None and not events:
        path.write_text("", encoding="utf-8")
        return True
    if version < TRAJECTORY_VERSION:
        head = old or header
        lines = [head.model_copy(update={"version": TRAJECTORY_VERSION}), *events]
        write_atomic(path, "".join(obj.model_dump_json() + "\n" for obj in lines))
    return False


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The decodable JSON objects of a file with their line numbers; torn lines (a crash
    mid-write, possibly mid-character) are left out."""
    out: list[tuple[int, dict[str, Any]]] = []
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out.append((number, obj))
    return out


def _file_version(path: Path) -> int:
    lines = _lines(path)
    if lines and lines[0][1].get("kind") == "header":
        return check_version(lines[0][1].get("version"), str(path))
    return 1


def read_events(path: Path) -> tuple[TrajectoryHeader | None, list[AnyEvent]]:
    """The header and the events of a trajectory file, of today's format or upgraded from an
    older one; a torn line is skipped. A newer format, or a line that is not an event of
    its version, raises :class:`TrajectoryFormatError` (one line)."""
    lines = _lines(path)
    header: TrajectoryHeader | None = None
    version = 1
    if lines and lines[0][1].get("kind") == "header":
        _, first = lines.pop(0)
        version = check_version(first.get("version"), str(path))
        header = upgrade_header(first) if version == 1 else TrajectoryHeader.model_validate(first)
    events: list[AnyEvent] = []
    for number, obj in lines:
        if version == 1 or "data" in obj or "event" in obj:
            events.extend(upgrade(obj))
            continue
        try:
            events.append(parse_event(obj))
        except ValidationError as exc:
            first_error = exc.errors()[0]
            where = ".".join(str(p) for p in first_error["loc"])
            raise TrajectoryFormatError(
                f"{path}:{number}: not a trajectory event ({where}: {first_error['msg']})"
            ) from None
    return header, events
