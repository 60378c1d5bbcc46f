"""``patchwright tui`` and ``inspect --tui`` from the command line: bad input is one line and
exit code 2; a run directory opens in a real terminal (a pty) and ``q`` quits with 0."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time

import pytest
from tui_fixtures import DEMO


def _cli(*args: str, home=None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"PATCHWRIGHT_HOME": str(home)} if home else {})}
    return subprocess.run([sys.executable, "-m", "patchwright.cli", *args], capture_output=True,
                          text=True, timeout=120, env=env)  # fmt: skip


@pytest.mark.parametrize("args, message", [
    (["tui", "/nonexistent/x"], "path does not exist"),
    (["tui", __file__], "not a directory"),
    (["inspect", "/nonexistent/x", "--tui"], "not a run directory"),
    (["tui", str(DEMO), "--start", "--to", "nolib"], "migrate needs a target LIB==VERSION"),
    (["tui", str(DEMO), "--start", "--out", str(DEMO.parent)], "run directory is not empty"),
])  # fmt: skip
def test_bad_input_is_one_line(args, message, tmp_path):
    res = _cli(*args, home=tmp_path)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and message in res.stderr and "Traceback" not in res.stderr
    assert not any(tmp_path.rglob("*")), "no run directory is made for a run that cannot start"


def test_a_run_directory_opens_in_a_terminal_and_q_quits(recorded):
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.Popen([sys.executable, "-m", "patchwright.cli", "tui", str(recorded["killed"])],
                            stdin=child, stdout=child, stderr=child, env=env, close_fds=True)  # fmt: skip
    os.close(child)
    seen = b""
    end = time.monotonic() + 120
    try:
        while b"R resumes" not in seen and time.monotonic() < end:
            try:
                seen += os.read(main, 65536)
            except OSError:
                break
        assert b"search tree" in seen and b"interrupted by SIGINT in search" in seen
        os.write(main, b"q")
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                os.read(main, 65536)
            except OSError:
                break
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
