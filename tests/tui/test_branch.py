"""Approve to a new branch: a real LLM-free repair of a copy of examples/demo, then the
TUI's approval writes the patch to a new branch of the user's repository; its tree, index
and HEAD stay as they were. The approval dialog offers it on ``n``."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from tui_fixtures import SIZE, git

from patchwright.core.diff import apply_to_files
from patchwright.core.errors import RepairError
from patchwright.tui.approval import branch_run
from patchwright.tui.screens import ApproveScreen


def _repair(project, run_dir) -> None:
    done = subprocess.run([sys.executable, "-m", "patchwright.cli", "repair", str(project),
                           "--out", str(run_dir)], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_an_approved_patch_goes_to_a_new_branch_and_the_tree_stays(demo_copy, tmp_path):
    base = (demo_copy / "stats.py").read_text()
    head = git(demo_copy, "rev-parse", "HEAD").strip()
    run_dir = tmp_path / "run"
    _repair(demo_copy, run_dir)
    name = branch_run(run_dir)
    assert name.startswith("patchwright/run-")
    assert git(demo_copy, "rev-parse", "HEAD").strip() == head
    assert git(demo_copy, "status", "--porcelain") == ""
    assert (demo_copy / "stats.py").read_text() == base
    # the branch is HEAD plus exactly the patch
    assert git(demo_copy, "rev-parse", f"{name}^").strip() == head
    diff = (run_dir / "patch.diff").read_text()
    on_branch = git(demo_copy, "show", f"{name}:stats.py")
    assert on_branch == apply_to_files({"stats.py": base}, diff)["stats.py"]
    assert git(demo_copy, "diff", "--name-only", head, name).split() == ["stats.py"]
    with pytest.raises(RepairError, match="cannot write branch"):  # it exists now
        branch_run(run_dir)


def test_a_project_that_is_not_a_git_root_gets_one_line(demo_copy, tmp_path):
    sub = tmp_path / "outer"
    sub.mkdir()
    git(sub, "init", "-q")
    inner = sub / "demo"
    subprocess.run(["cp", "-r", str(demo_copy), str(inner)], check=True)
    subprocess.run(["rm", "-rf", str(inner / ".git")], check=True)
    run_dir = tmp_path / "run"
    _repair(inner, run_dir)
    with pytest.raises(RepairError, match="root of a git work tree"):
        branch_run(run_dir)


def test_the_approval_dialog_offers_a_new_branch_on_n():
    from textual.app import App

    chosen: list[str | None] = []

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ApproveScreen("--- a/x\n+++ b/x\n"), chosen.append)

    async def go() -> None:
        async with Host().run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()

    asyncio.run(go())
    assert chosen == ["branch"]
