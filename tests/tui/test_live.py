"""Live: the TUI drives real LLM-free repairs of a copy of examples/demo (the CLI in its own
process) to an approved patch, and the user's tree gets exactly that patch; a run killed
with SIGKILL is opened with its tree and resumed from the TUI."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time

import pytest
from tui_fixtures import SIZE, cli, git, json_lines, wait_for

from patchwright.core.diff import apply_to_files
from patchwright.tui.app import PatchwrightTui
from patchwright.tui.launch import LaunchSpec
from patchwright.tui.screens import ApproveScreen, RunScreen, SetupScreen
from patchwright.tui.widgets import NodeList

RUN_TIMEOUT = 400.0  # a real repair on a loaded 2-core machine


def _approve_and_check(demo, run_dir, base: str) -> None:
    diff = (run_dir / "patch.diff").read_text()
    assert (demo / "stats.py").read_text() == apply_to_files({"stats.py": base}, diff)["stats.py"]
    assert git(demo, "status", "--porcelain").splitlines() == [" M stats.py"]


async def _approve(pilot, screen: RunScreen) -> None:
    await wait_for(pilot, lambda: screen.view.awaiting_approval and screen.process is not None
                   and screen.process.asked.is_set(), RUN_TIMEOUT, "the approval question")  # fmt: skip
    await pilot.press("a")
    assert isinstance(pilot.app.screen, ApproveScreen)
    await pilot.press("a")
    await wait_for(pilot, lambda: screen.applied is not None, RUN_TIMEOUT, "the patch applied")


@pytest.mark.slow
def test_tui_repairs_the_demo_to_an_approved_patch(demo_copy, tmp_path):
    base = (demo_copy / "stats.py").read_text()
    run_dir = tmp_path / "run"
    spec = LaunchSpec(path=demo_copy, run_dir=run_dir, max_evals=60)

    async def go() -> None:
        app = PatchwrightTui(spec=spec)
        async with app.run_test(size=SIZE) as pilot:
            setup = app.screen
            assert isinstance(setup, SetupScreen)
            await wait_for(pilot, lambda: setup.query_one("#tests").option_count == 6, 120,
                           "the collected tests")  # fmt: skip
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, RunScreen), 30, "the run screen")
            screen = app.screen
            assert isinstance(screen, RunScreen)
            await _approve(pilot, screen)
            assert screen.exit_code == 0
            nodes = screen.query_one("#nodes", NodeList)
            assert len(nodes.rows) >= 2 and any(r.node.plausible for r in nodes.rows)
            assert screen.applied == ["stats.py"]

    asyncio.run(go())
    _approve_and_check(demo_copy, run_dir, base)
    assert '"status": "plausible"' in (run_dir / "result.json").read_text()


@pytest.mark.slow
def test_a_killed_run_shows_its_tree_and_resumes_from_the_tui(demo_copy, tmp_path):
    base = (demo_copy / "stats.py").read_text()
    run_dir = tmp_path / "run"
    proc = cli("repair", str(demo_copy), "--out", str(run_dir), "--confirm",
               stdin=subprocess.PIPE, start_new_session=True)  # fmt: skip
    end = time.monotonic() + RUN_TIMEOUT
    try:
        while not (run_dir / "trajectory.jsonl").exists() or not any(
            e.get("kind") == "evaluation" for e in json_lines(run_dir / "trajectory.jsonl")
        ):
            if proc.poll() is not None:
                raise AssertionError(f"the run ended before it was killed: {proc.stderr.read()!r}")
            assert time.monotonic() < end, "no evaluation recorded"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the whole group, as a closed terminal
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (run_dir / "result.json").exists()

    async def go() -> None:
        app = PatchwrightTui(run_dir=run_dir)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, RunScreen)
            nodes = screen.query_one("#nodes", NodeList)
            assert len(nodes.rows) >= 2  # the tree of the killed run
            assert "not running (R resumes)" in str(screen.query_one("#status").render())
            await pilot.press("R")
            await _approve(pilot, screen)
            assert screen.exit_code == 0

    asyncio.run(go())
    _approve_and_check(demo_copy, run_dir, base)
