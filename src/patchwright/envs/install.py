"""Running the build's processes (venv, pip) and reading pip's output for a one-line error."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Sequence

ERROR_TAIL = 1500
CONFLICT_MARKERS = ("ResolutionImpossible", "conflicting dependencies")
_GENERIC_ERRORS = (
    "subprocess-exited-with-error",
    "legacy-install-failure",
    "metadata-generation-failed",
    "failed-wheel-build-for-install",
    "Failed building wheel",
    "Could not build wheels",
    "Failed to build",
    "Command errored out",
    "See above",
)
_NOTICE = re.compile(r"^ERROR: Ignored the following (?:versions|yanked)")
"""pip's note on versions it skipped for another Python: not the error itself."""
_BUILDING = re.compile(
    r"(?:Failed building wheel for|trying to install package\.\s*\S*)"
    r"\s*([A-Za-z0-9][\w.-]*)"
)


def run(
    cmd: list[str], timeout: float, env: dict[str, str], pass_fds: Sequence[int] = ()
) -> tuple[int | None, str]:
    """Run ``cmd`` in its own session: (exit code or None on timeout, combined output).
    ``pass_fds`` stay open in the child (the build lock, so that it outlives a killed
    parent for as long as the child runs)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            pass_fds=tuple(pass_fds),
        )
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        out.seek(0)
        return code, out.read().decode("utf-8", "replace")


def tail(text: str, limit: int = ERROR_TAIL) -> str:
    """The last non-blank lines of ``text`` (at most ``limit`` characters)."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[-20:])[-limit:]


def first_error(text: str) -> str:
    """The most telling error line of pip's output (and the package it was building), for
    a one-line message."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith("error") and not _NOTICE.search(ln)]
    specific = [ln for ln in errors if not any(g in ln for g in _GENERIC_ERRORS)]
    pick = (specific or errors or lines[-1:] or ["no output"])[0]
    m = _BUILDING.search(text)
    if m and m.group(1) not in pick:
        pick = f"building {m.group(1)}: {pick}"
    return pick[:300]
