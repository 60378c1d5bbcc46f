"""Ctrl-C (SIGINT) and SIGTERM during a run: it stops promptly and leaves nothing behind.

While :func:`stoppable` holds (one run, in the main thread), the first SIGINT or SIGTERM
raises :class:`~patchwright.pipeline.deadline.Interrupted` wherever the run is: the test
command running is killed with its process group, every sandbox (its fork server and
private folders) is closed on the way up, and the run directory is marked
(``interrupted.json``) for ``--resume``. A second signal while it cleans up is ignored; a
third ends the process at once (the signal's default action), for a clean-up that hangs.
The handlers that were there before are put back afterwards.

A handler's exception can land where Python cannot raise it (an at-fork hook, a
``__del__``, a weakref callback: "Exception ignored in ..."); the run would go on as if
no signal had come. Such a lost stop is caught by ``sys.unraisablehook`` and delivered
again a moment later, from a helper thread, when the main thread is back in plain code."""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from patchwright.pipeline.deadline import Interrupted
from patchwright.store.artifacts import write_json

INTERRUPTED_FILE = "interrupted.json"
SIGNALS = (signal.SIGINT, signal.SIGTERM)
GIVE_UP = 3
"""The signal that ends the process without cleaning up (the first one stops the run)."""
REDELIVER_SECONDS = 0.01
"""How long a stop lost in an unraisable context waits before it is delivered again."""


@contextlib.contextmanager
def stoppable(run_dir: Path) -> Iterator[None]:
    """Turn SIGINT/SIGTERM into :class:`Interrupted` for the block; an interrupted run's
    directory gets ``interrupted.json`` (signal, stage, time), removed when it resumes."""
    marker = Path(run_dir) / INTERRUPTED_FILE
    marker.unlink(missing_ok=True)
    got: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        got.append(signum)
        if len(got) == 1:
            raise Interrupted(signum, signal.Signals(signum).name)
        if len(got) >= GIVE_UP:  # the clean-up hangs: die as the signal says
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    previous_hook = sys.unraisablehook

    def lost(info: sys.UnraisableHookArgs) -> None:
        exc = info.exc_value
        if isinstance(exc, Interrupted) and len(got) == 1:
            got.clear()  # it never stopped the run: the next delivery is the first again
            threading.Timer(REDELIVER_SECONDS, _thread.interrupt_main, args=(exc.signum,)).start()
            return
        previous_hook(info)

    old = {}
    if threading.current_thread() is threading.main_thread():
        old = {sig: signal.signal(sig, handler) for sig in SIGNALS}
        sys.unraisablehook = lost
    try:
        yield
    except KeyboardInterrupt as exc:
        stop = exc if isinstance(exc, Interrupted) else None
        name = stop.signame if stop else "SIGINT"
        stop_stage = stop.stage if stop else ""
        write_json(marker, {"version": 1, "signal": name, "stage": stop_stage, "t": time.time(),
                            "resume": f"patchwright repair --resume {run_dir}"})  # fmt: skip
        if stop is not None:
            stop.run_dir = str(run_dir)
        raise
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)
        if old:
            sys.unraisablehook = previous_hook


def interrupted_line(exc: BaseException) -> str:
    """The one line the command line prints for an interrupted run."""
    if not isinstance(exc, Interrupted):
        return "patchwright: interrupted"
    where = f" in {exc.stage}" if exc.stage else ""
    resume = f"; resume with: patchwright repair --resume {exc.run_dir}" if exc.run_dir else ""
    return f"patchwright: interrupted by {exc.signame}{where}; nothing left running{resume}"


def exit_code(exc: BaseException) -> int:
    """130 for SIGINT (and a plain KeyboardInterrupt), 143 for SIGTERM."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


@contextlib.contextmanager
def terminable() -> Iterator[None]:
    """For a batch's own process: SIGTERM raises :class:`Interrupted` (as SIGINT raises
    KeyboardInterrupt) so that its clean-up runs: the executor ends its workers, whose runs
    stop as above, instead of leaving them running. Old handlers are put back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once
        raise Interrupted(signum, signal.Signals(signum).name)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
