import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def make_repo(tmp_path):
    """Create a git repo from {path: text} and commit it."""

    def make(files: dict[str, str], name: str = "proj", commit: bool = True) -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        if commit:
            git(root, "init", "-q")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "init")
        return root

    return make


@pytest.fixture
def cli(tmp_path):
    """Run the real console entry point in a subprocess."""

    def run(
        *args: str, cwd: Path | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        env = dict(os.environ, PATCHWRIGHT_HOME=str(tmp_path / "home"))
        return subprocess.run(
            [sys.executable, "-m", "patchwright.cli", *args],
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )

    return run
