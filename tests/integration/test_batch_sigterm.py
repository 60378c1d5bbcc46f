"""SIGTERM to a batch ends its pool's workers (they used to run on, orphaned, for as long
as their instance took): a real process pool of two workers each busy in a long instance,
a real signal, and the workers' pids checked afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import os, sys, time
from pathlib import Path
from patchwright.app.signals import terminable
from patchwright.benchmarks.executors import LocalExecutor, LocalConfig

def busy(row, folder, data):
    Path(folder, f"{os.getpid()}-{row['id']}").write_text("busy")
    time.sleep(600)
    return {}

folder = sys.argv[1]
tasks = [(str(i), ({"id": i}, folder, {})) for i in range(4)]
try:
    with terminable():
        for _ in LocalExecutor(LocalConfig(jobs=2)).run(busy, tasks):
            pass
except KeyboardInterrupt as exc:
    print("stopped:", type(exc).__name__, flush=True)
    sys.exit(143)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purpose
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_sigterm_ends_the_pool_workers(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [int(p.name.split("-")[0]) for p in tmp_path.iterdir()]
        assert len(workers) == 2 and all(_alive(w) for w in workers)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        out, err = proc.communicate(timeout=60)
        assert time.monotonic() - started < 15, "the workers waited for the kill"
        assert proc.returncode == 143 and "stopped: Interrupted" in out, err[-2000:]
        time.sleep(0.5)
        assert not [w for w in workers if _alive(w)], "a worker outlived the batch"
        assert len(list(tmp_path.iterdir())) == 2  # the two queued instances never started
    finally:
        if proc.poll() is None:
            proc.kill()
