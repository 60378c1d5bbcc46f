"""Snapshot tests (pytest-textual-snapshot) of every screen on recorded run directories
(conftest.write_run: written by the real trajectory, diff and tree code), and Pilot checks
of what the keys do on them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui_fixtures import FAILING, PASSING, SIZE

from patchwright.tui.app import PatchwrightTui
from patchwright.tui.launch import LaunchSpec
from patchwright.tui.screens import ApproveScreen, RunScreen
from patchwright.tui.widgets import NodeList


def _run_app(run_dir: Path) -> PatchwrightTui:
    return PatchwrightTui(run_dir=run_dir, follow=False)


def test_setup_screen(snap_compare):
    spec = LaunchSpec(path=Path("demo"), run_dir=Path("runs/demo-1"), tests=[*FAILING, *PASSING])
    spec.tests = FAILING + PASSING
    app = PatchwrightTui(spec=spec, collect=False)
    assert snap_compare(app, terminal_size=SIZE)


def test_run_screen_finished(snap_compare, recorded):
    assert snap_compare(_run_app(recorded["finished"]), terminal_size=SIZE)


def test_run_screen_plausible_node_selected(snap_compare, recorded):
    assert snap_compare(_run_app(recorded["finished"]), press=["p"], terminal_size=SIZE)


def test_run_screen_failed_node_selected(snap_compare, recorded):
    assert snap_compare(_run_app(recorded["finished"]), press=["home", "down"], terminal_size=SIZE)


def test_run_screen_folded(snap_compare, recorded):
    assert snap_compare(_run_app(recorded["finished"]), press=["home", "space"], terminal_size=SIZE)


def test_run_screen_waiting_for_approval(snap_compare, recorded):
    assert snap_compare(_run_app(recorded["waiting"]), terminal_size=SIZE)


def test_approve_screen(snap_compare, recorded):
    diff = (recorded["finished"] / "patch.diff").read_text()

    async def open_dialog(pilot):
        pilot.app.push_screen(ApproveScreen(diff))
        await pilot.pause()

    assert snap_compare(_run_app(recorded["waiting"]), run_before=open_dialog, terminal_size=SIZE)


def test_help_screen(snap_compare, recorded):
    assert snap_compare(_run_app(recorded["finished"]), press=["question_mark"], terminal_size=SIZE)


def test_killed_run_screen(snap_compare, recorded):
    assert snap_compare(_run_app(recorded["killed"]), terminal_size=SIZE)


def test_keys_select_fold_and_copy(recorded):
    async def go() -> None:
        app = _run_app(recorded["finished"])
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, RunScreen)
            nodes = screen.query_one("#nodes", NodeList)
            assert [r.node.id for r in nodes.rows] == [0, 1, 2, 3]
            await pilot.press("p")
            assert nodes.selected is not None and nodes.selected.id == 3
            await pilot.press("c")
            assert app.clipboard == (recorded["finished"] / "patch.diff").read_text()
            await pilot.press("home", "space")
            assert [r.node.id for r in nodes.rows] == [0]
            await pilot.press("space", "down")
            assert nodes.selected.id == 1
            await pilot.press("a")  # finished: nothing to approve, and nothing breaks
            assert isinstance(app.screen, RunScreen)

    asyncio.run(go())


def test_killed_run_says_it_can_be_resumed(recorded):
    async def go() -> None:
        app = _run_app(recorded["killed"])
        async with app.run_test(size=SIZE):
            screen = app.screen
            assert isinstance(screen, RunScreen)
            status = str(screen.query_one("#status").render())
            assert "interrupted by SIGINT in search (R resumes)" in status
            assert len(screen.view.nodes) == 3

    asyncio.run(go())


def test_leaving_the_tui_stops_the_run_it_started(tmp_path):
    """Quitting (or the app ending any other way) sends the run SIGINT: it stops resumable,
    never left running unseen."""
    import sys

    argv = [sys.executable, "-c", "import time; time.sleep(600)"]

    async def go():
        app = PatchwrightTui(run_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            screen._start(argv)
            assert screen.process is not None and screen.process.running
            await pilot.press("q")
        return screen.process

    process = asyncio.run(go())
    assert not process.running and process.proc.returncode != 0
