"""The run directory: atomic writes, an append-only trajectory, a result file as resume marker."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from patchwright.core.types import RunResult, Step, TrajectoryHeader

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

    def write_result(self, result: RunResult) -> None:
        write_json(self.result_path, result)

    def read_result(self) -> RunResult:
        return RunResult.model_validate_json(self.result_path.read_text(encoding="utf-8"))

    def write_patch(self, diff: str) -> None:
        write_atomic(self.patch_path, diff)


class TrajectoryWriter:
    """Appends one JSON line per step and flushes it at once, so a crash loses nothing."""

    def __init__(self, path: Path, header: TrajectoryHeader | None = None) -> None:
        self.path = Path(path)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        torn = not fresh and not self.path.read_bytes().endswith(b"\n")
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - long-lived handle
        if torn:  # a crash cut the last line: end it so the next step starts clean
            self._fh.write("\n")
        if fresh and header is not None:
            self._write(header.model_dump(mode="json"))

    def _write(self, obj: dict[str, Any]) -> None:
        self._fh.write(json.dumps(obj, separators=(",", ":"), default=str) + "\n")
        self._fh.flush()

    def record(self, step: Step) -> None:
        self._write(step.model_dump(mode="json"))

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_trajectory(path: Path) -> tuple[TrajectoryHeader | None, list[Step]]:
    """Read a trajectory file, tolerating a torn last line from a crash."""
    header: TrajectoryHeader | None = None
    steps: list[Step] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if obj.get("kind") == "header":
            header = TrajectoryHeader.model_validate(obj)
        else:
            steps.append(Step.model_validate(obj))
    return header, steps
