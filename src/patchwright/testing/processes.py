"""Ending a long-lived helper process (a fork server, a compile server): kill it, close
its pipes and reap it, each step allowed to fail because the process may be gone."""

from __future__ import annotations

import contextlib
import subprocess


def kill_and_reap(proc: subprocess.Popen[bytes] | None, wait: float = 10) -> None:
    """SIGKILL ``proc``, close its standard input and output, wait up to ``wait`` s."""
    if proc is None:
        return
    with contextlib.suppress(OSError):
        proc.kill()
    for stream in (proc.stdin, proc.stdout):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=wait)
