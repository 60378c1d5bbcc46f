"""Approve a run's patch into the user's tree: the very ``--apply`` of the CLI
(:func:`patchwright.app.session.apply_patch`, refused when the project changed since the
run's snapshot), on the finished run's ``patch.diff``."""

from __future__ import annotations

from pathlib import Path

from patchwright.app.session import apply_patch, branch_patch
from patchwright.core.diff import patch_hash, touched_paths
from patchwright.core.domain import Patch
from patchwright.core.errors import RepairError
from patchwright.store.artifacts import RunDir


def _approved(run_dir: Path) -> tuple[object, Patch]:
    """The finished run's snapshot record and patch (RepairError: none)."""
    from patchwright.repo.git import load_snapshot  # the run's snapshot record (read only)

    run = RunDir(Path(run_dir), create=False)
    if not run.done() or run.read_result().status != "plausible" or not run.patch_path.exists():
        raise RepairError(f"no approved patch in {run_dir}")
    workspace = run.path / "workspace"
    if not workspace.exists():
        raise RepairError("the run's workspace is gone; cannot apply")
    diff = run.patch_path.read_text(encoding="utf-8")
    patch = Patch(diff=diff, files=touched_paths(diff), hash=patch_hash(diff))
    return load_snapshot(workspace), patch


def apply_run(run_dir: Path) -> list[str]:
    """Write the finished run's patch into its project; the paths written.
    :class:`RepairError` (one line) when there is none or the tree changed."""
    snap, patch = _approved(run_dir)
    return apply_patch(snap, patch)  # type: ignore[arg-type]


def branch_name(run_dir: Path, patch: Patch) -> str:
    return f"patchwright/{Path(run_dir).name}-{patch.hash[:8]}"


def branch_run(run_dir: Path) -> str:
    """Write the finished run's patch to a new branch of its project (the tree, the index
    and HEAD untouched); the branch's name. :class:`RepairError` (one line) otherwise."""
    snap, patch = _approved(run_dir)
    name = branch_name(run_dir, patch)
    branch_patch(snap, patch, name)  # type: ignore[arg-type]
    return name
