"""``tree.json``: the search tree's nodes as versioned JSON (written atomically), so the
search saves it every iteration and read-only views (inspect, the TUI) read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from patchwright.core.domain import FORMAT_VERSION, Node
from patchwright.core.errors import PatchwrightError
from patchwright.store.artifacts import write_atomic


class TreeFile(BaseModel):
    version: int = FORMAT_VERSION
    nodes: list[Node] = Field(default_factory=list)


class TreeFileError(PatchwrightError):
    """The tree file is unreadable or of another format version."""


def write_tree(path: Path, nodes: list[Node]) -> None:
    """Write the nodes; failure tracebacks are left out (the trajectory keeps them)."""
    exclude: Any = {
        "nodes": {"__all__": {"result": {"output_tail": True, "tests": {"__all__": {"output"}}}}}
    }
    write_atomic(Path(path), TreeFile(nodes=nodes).model_dump_json(exclude=exclude) + "\n")


def read_tree(path: Path) -> list[Node]:
    try:
        data = TreeFile.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValidationError) as exc:
        raise TreeFileError(f"cannot read the tree file {path}: {str(exc).splitlines()[0]}") from None
    if data.version != FORMAT_VERSION:
        raise TreeFileError(f"unsupported tree format version {data.version} in {path}")
    return data.nodes
