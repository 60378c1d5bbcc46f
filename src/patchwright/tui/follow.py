"""Follow a run directory as it grows: new complete lines of ``trajectory.jsonl`` (read
from the last offset, a torn last line left for the next poll) and ``tree.json`` when it
changed. Plain code: the TUI's worker thread calls :meth:`RunFollower.poll`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from patchwright.core.domain import Node
from patchwright.core.errors import PatchwrightError
from patchwright.core.events import AnyEvent, TrajectoryHeader, check_version, parse_event
from patchwright.store.artifacts import RESULT_FILE, TRAJECTORY_FILE, TREE_FILE, read_events
from patchwright.store.tree_file import TreeFileError, read_tree


@dataclass
class Update:
    header: TrajectoryHeader | None = None
    events: list[AnyEvent] = field(default_factory=list)
    tree: list[Node] | None = None
    finished: bool = False

    def __bool__(self) -> bool:
        return bool(self.header or self.events or self.tree is not None)


TREE_INTERVAL = 2.0
"""Seconds between two reads of a changing ``tree.json`` (the search saves it every
iteration; the events already carry each node, the tree adds visits and feedback)."""


class RunFollower:
    """Reads what was appended since the last poll. Version-1 files (no typed header) are
    read whole once through :func:`read_events` (they are never appended to live)."""

    def __init__(self, run_dir: Path, tree_interval: float = TREE_INTERVAL) -> None:
        self.run_dir = Path(run_dir)
        self.tree_interval = tree_interval
        self.tree_read_at = -float("inf")
        self.offset = 0
        self.tree_stamp: tuple[int, int] | None = None
        self.header_seen = False
        self.legacy = False

    @property
    def trajectory(self) -> Path:
        return self.run_dir / TRAJECTORY_FILE

    def poll(self) -> Update:
        out = Update()
        out.finished = (self.run_dir / RESULT_FILE).exists()
        self._read_events(out)
        if out.finished or time.monotonic() - self.tree_read_at >= self.tree_interval:
            self._read_tree(out)
        return out

    def _read_events(self, out: Update) -> None:
        path = self.trajectory
        if self.legacy or not path.exists():
            return
        with path.open("rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        end = data.rfind(b"\n")
        if end < 0:
            return
        chunk, self.offset = data[: end + 1], self.offset + end + 1
        for raw in chunk.decode("utf-8", errors="replace").splitlines():
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError:
                continue  # a torn line ended by a resume's newline
            if not isinstance(obj, dict):
                continue
            if obj.get("kind") == "header" and not self.header_seen:
                self.header_seen = True
                if check_version(obj.get("version"), str(path)) == 1:
                    self._legacy(out)
                    return
                out.header = TrajectoryHeader.model_validate(obj)
                continue
            try:
                out.events.append(parse_event(obj))
            except ValidationError:
                if "data" in obj or "event" in obj:  # a version-1 line
                    self._legacy(out)
                    return

    def _legacy(self, out: Update) -> None:
        self.legacy = True
        out.header, out.events = read_events(self.trajectory)

    def _read_tree(self, out: Update) -> None:
        path = self.run_dir / TREE_FILE
        try:
            st = path.stat()
        except OSError:
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self.tree_stamp:
            return
        self.tree_read_at = time.monotonic()
        try:
            out.tree = read_tree(path)
        except TreeFileError:
            return  # another version, or being replaced: the events still show the tree
        self.tree_stamp = stamp


def is_run_dir(path: Path) -> bool:
    return (Path(path) / TRAJECTORY_FILE).exists() or (Path(path) / "request.json").exists()


class NotARunDir(PatchwrightError):
    pass
