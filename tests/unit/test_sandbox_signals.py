"""A stop signal that lands while a test command is being forked is not lost: the fork
runs Python's at-fork hooks (logging's among them), where an exception raised by the
signal handler would be printed as "Exception ignored" and dropped, and the run would go
on. The signal is held over the fork and raised in the caller once the child exists; one
that still lands in such a place (another thread took it, or a ``__del__`` ran) is
delivered again once the main thread is back in plain code."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from patchwright.app.signals import stoppable
from patchwright.core.protocols import RunLimits
from patchwright.pipeline.deadline import Interrupted
from patchwright.sandbox.limits import Containment, RunGroup

_ARMED: list[bool] = []


def _signal_during_fork() -> None:
    """An at-fork hook (parent side) that sends SIGINT to this process once armed, then
    runs a few more bytecodes, where an unheld handler would run and raise."""
    if _ARMED and _ARMED.pop():
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass


os.register_at_fork(after_in_parent=_signal_during_fork)  # no way to unregister: armed once


def test_sigint_during_fork_stops_the_caller(tmp_path):
    group = RunGroup(Containment(), RunLimits(per_test_timeout=10.0, wall_timeout=10.0))
    try:
        with pytest.raises(Interrupted), stoppable(tmp_path):
            _ARMED.append(True)
            proc = group.popen(["sleep", "30"], cwd=str(tmp_path), env=dict(os.environ),
                               stdout=subprocess.DEVNULL)  # fmt: skip
            proc.wait()  # not reached: the run would sleep on here
        assert (tmp_path / "interrupted.json").exists()
    finally:
        _ARMED.clear()
        group.close()
    assert not group.members()


class _StopsInDel:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs here, where its exception is "ignored"
            pass


def test_a_stop_swallowed_in_del_is_delivered_again(tmp_path):
    with pytest.raises(Interrupted), stoppable(tmp_path):
        obj = _StopsInDel()
        del obj
        for _ in range(500):  # the run goes on: the redelivered stop ends it
            time.sleep(0.01)
    assert (tmp_path / "interrupted.json").exists()


def test_the_child_gets_the_signals_back(tmp_path):
    group = RunGroup(Containment(), RunLimits(per_test_timeout=10.0, wall_timeout=10.0))
    try:
        out = tmp_path / "status"
        with out.open("wb") as fh:
            proc = group.popen(["grep", "^SigBlk", "/proc/self/status"], cwd=str(tmp_path),
                               env=dict(os.environ), stdout=fh)  # fmt: skip
            assert proc.wait(timeout=10) == 0
        blocked = int(out.read_text().split()[1], 16)
        assert not blocked & (1 << (signal.SIGINT - 1) | 1 << (signal.SIGTERM - 1)), hex(blocked)
    finally:
        group.close()
