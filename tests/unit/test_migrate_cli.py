"""Bad input to ``patchwright migrate``: one line on standard error, exit 2, no traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--to", "fakenum==2.0", "--wheels", "/nonexistent-wheels"], "not a directory"),
        (["--to", "fakenum"], "--to wants LIB==VERSION"),
        (["--to", "fakenum==2.0", "--messages", "maybe"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "m.py").write_text("x = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", str(project), *args,
         "--out", str(tmp_path / "run")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert says in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
