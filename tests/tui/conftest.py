"""Fixtures of the TUI tests (the helpers are in tui_fixtures.py)."""

from __future__ import annotations

import shutil

import pytest
from tui_fixtures import DEMO, git, write_run


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """The three recorded run directories, by state."""
    root = tmp_path_factory.mktemp("recorded")
    return {state: write_run(root / state, state) for state in ("finished", "waiting", "killed")}


@pytest.fixture
def demo_copy(tmp_path):
    """A copy of examples/demo as the user's own git repository (committed, clean)."""
    dest = tmp_path / "demo"
    shutil.copytree(DEMO, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "demo")
    return dest
