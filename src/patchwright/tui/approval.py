"""Approve a run's patch into the user's tree: the very ``--apply`` of the CLI
(:func:`patchwright.app.session.apply_patch`, refused when the project changed since the
run's snapshot), on the finished run's ``patch.diff``."""

from __future__ import annotations

from pathlib import Path

from patchwright.app.session import apply_patch
from patchwright.core.diff import patch_hash, touched_paths
from patchwright.core.domain import Patch
from patchwright.core.errors import RepairError
from patchwright.store.artifacts import RunDir


def apply_run(run_dir: Path) -> list[str]:
    """Write the finished run's patch into its project; the paths written.
    :class:`RepairError` (one line) when there is none or the tree changed."""
    from patchwright.repo.git import load_snapshot  # the run's snapshot record (read only)

    run = RunDir(Path(run_dir), create=False)
    if not run.done() or run.read_result().status != "plausible" or not run.patch_path.exists():
        raise RepairError(f"no approved patch in {run_dir}")
    workspace = run.path / "workspace"
    if not workspace.exists():
        raise RepairError("the run's workspace is gone; cannot apply")
    diff = run.patch_path.read_text(encoding="utf-8")
    patch = Patch(diff=diff, files=touched_paths(diff), hash=patch_hash(diff))
    return apply_patch(load_snapshot(workspace), patch)
