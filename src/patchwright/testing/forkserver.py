"""Host side of the pytest fork server (see :mod:`patchwright.testing.forkserver_main`).

A :class:`ForkServer` keeps one pytest process alive per sandbox, started lazily with the
sandbox's interpreter, and asks it to fork a child per run. Containment is the same as for
a plain run: the child puts itself in the run's session, cgroups and rlimits before it
reports its pid, and the host enforces the wall limit and kills the whole run through the
:class:`~patchwright.sandbox.limits.RunGroup`. Whenever the server is missing, dead or
misbehaving, :meth:`ForkServer.run` returns None (the caller runs a plain subprocess) and
the next run starts a fresh server.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from patchwright.core.protocols import RunLimits
from patchwright.sandbox.inproc_pytest import bundle
from patchwright.sandbox.limits import MARKER_ENV, Containment, PidWaiter, RunGroup, move_to
from patchwright.testing.processes import kill_and_reap

START_TIMEOUT = 120.0
"""Seconds the server may take to import pytest and the plugins."""
SPAWN_TIMEOUT = 30.0
"""Seconds between a request and the pid of the set-up child."""
REPLY_GRACE = 2.0
"""Seconds the server gets to report the status of a child that has exited."""
MAX_START_TRIES = 3
MAX_REPLY = 1 << 20
_SLOT = ":" * 40
"""Room in the server's environment for the marker of each child's run (see the server)."""


class ForkServerError(Exception):
    """The server is gone or misbehaved; it is discarded."""


def blocked_plugins(args: Sequence[str]) -> list[str]:
    """Plugin names blocked with ``-p no:NAME`` in ``args`` (the server must not import them)."""
    found, items = [], list(args)
    for i, arg in enumerate(items):
        value = items[i + 1] if arg == "-p" and i + 1 < len(items) else arg[2:]
        if arg.startswith("-p") and value.startswith("no:"):
            found.append(value[3:])
    return found


def _module_names(directory: str) -> set[str]:
    """Top-level names importable from ``directory``: modules, packages, any folder."""
    names = set()
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.endswith((".py", ".pyc", ".so")) or entry.is_dir():
                    names.add(entry.name.partition(".")[0])
    except OSError:
        pass
    return names


def _parent(pid: int) -> int:
    """Parent pid of ``pid`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


class ForkServer:
    """One long-lived pytest process per sandbox; :meth:`run` executes one contained run."""

    def __init__(
        self, python: str, root: str, *, autoload: bool, skip: Sequence[str], log: str
    ) -> None:
        self.python = python
        self.root = root
        self.autoload = autoload
        self.skipped = list(skip)
        """Entry-point plugins the server does not preload (blocked, or importing workspace
        code, or starting threads); children still load them as a plain run does."""
        self.log = log
        self.disabled = ""
        """Why the fork server is not used for this sandbox any more ('' while usable)."""
        self.starts = 0
        """How many servers became ready (restarts included)."""
        self._proc: subprocess.Popen[bytes] | None = None
        self._env: dict[str, str] = {}
        self._names: set[str] = set()
        self._paths: list[str] = []
        self._buf = b""
        self._rid: str | None = None
        """Id of the request in flight (None at start-up): replies carry it."""
        self._child: int | None = None
        self._failures = 0
        self._isolation: Any = None
        """The namespaces the running server lives in (see Containment.isolation)."""
        self._server_pid = 0
        """Host pid of the server process itself (bwrap's grandchild when isolated)."""

    # -- server lifecycle ----------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The server's pid while one is running."""
        return self._proc.pid if self._proc is not None else None

    def _start(self, env: dict[str, str], isolation: Any = None) -> None:
        source = bundle(str(Path(__file__).with_name("forkserver_main.py")))
        outer = env.get(MARKER_ENV)
        server_env = {**env, MARKER_ENV: f"{outer}:{_SLOT}" if outer else _SLOT}
        for _ in range(MAX_START_TRIES):
            config = {"root": self.root, "autoload": self.autoload, "skip": self.skipped}
            config["marker_env"] = MARKER_ENV
            argv = [self.python, "-c", source, json.dumps(config)]
            if isolation is not None:  # the whole server lives in one set of namespaces
                argv = isolation.wrap(argv, self.root, init=True)  # tests cannot kill it
            with open(self.log, "ab") as log:
                self._proc = subprocess.Popen(
                    argv,
                    cwd=self.root,
                    env=server_env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    start_new_session=True,
                    close_fds=True,
                )
            self._buf, self._env, self._rid = b"", env, None
            self._isolation, self._server_pid = isolation, self._proc.pid
            reply = self._read(time.monotonic() + START_TIMEOUT)
            if reply.get("ready") and isolation is not None:
                self._server_pid = isolation.command_pid(self._proc.pid, init=True) or 0
                if not self._server_pid:
                    reply = {"unusable": "the isolated server's pid cannot be found"}
            if reply.get("ready"):
                self.starts += 1
                self._names = set(reply.get("names", []))
                self._paths = list(reply.get("paths", []))
                return
            self.discard()
            if "retry" in reply:
                self.skipped += [str(name) for name in reply["retry"]]
                continue
            self.disabled = str(reply.get("unusable", f"unexpected start reply {reply!r}"))
            raise ForkServerError(self.disabled)
        raise ForkServerError("plugins kept loading workspace code")

    def discard(self) -> None:
        """Kill the server (a child of the current run lives on in its own session)."""
        proc, self._proc = self._proc, None
        kill_and_reap(proc)

    def close(self) -> None:
        """Kill a child still running (close() from another thread) and stop the server."""
        child, self._child = self._child, None
        if child is not None:
            with contextlib.suppress(OSError):
                os.killpg(child, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGKILL)
        self.discard()

    def _ready(self, env: dict[str, str], isolation: Any = None) -> bool:
        """A running server for ``env`` (restarted when it changed); False if unusable."""
        if self.disabled:
            return False
        if self._proc is not None and (
            self._env != env or self._isolation is not isolation or self._proc.poll() is not None
        ):
            self.discard()
        if self._proc is None:
            try:
                self._start(env, isolation)
            except (ForkServerError, OSError) as exc:
                self.discard()
                self._failures += 1
                if self._failures >= MAX_START_TRIES and not self.disabled:
                    self.disabled = f"server failed to start: {exc}"
                return False
        self._failures = 0
        return True

    def shadowed(self) -> bool:
        """True when the workspace now defines a module the server has already imported."""
        return any(self._names & _module_names(d) for d in self._paths)

    # -- protocol ------------------------------------------------------------------------

    def _read(self, deadline: float, pidfd: int = -1) -> dict[str, Any]:
        """Next reply to the current request; {} when ``pidfd`` fired first.

        Replies to other requests (late, or written into the pipe by a test through
        /proc/PPID/fd) are dropped. Raises if the server fails or times out.
        """
        proc = self._proc
        if proc is None or proc.stdout is None:
            raise ForkServerError("no server")
        fd = proc.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if pidfd >= 0:
            poller.register(pidfd, select.POLLIN)
        while True:
            while b"\n" not in self._buf:
                if len(self._buf) > MAX_REPLY:
                    raise ForkServerError("reply too long")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                events = dict(poller.poll(max(int(left * 1000), 1)))
                if fd in events:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        raise ForkServerError("server exited")
                    self._buf += chunk
                elif pidfd in events:
                    return {}
            line, _, self._buf = self._buf.partition(b"\n")
            try:
                reply = json.loads(line)
            except ValueError as exc:
                raise ForkServerError(f"bad reply {line[:200]!r}") from exc
            if not isinstance(reply, dict):
                raise ForkServerError(f"bad reply {line[:200]!r}")
            if reply.get("id") == self._rid:
                return reply

    def _send(self, request: dict[str, Any], procs: Sequence[str] = ()) -> int:
        """Send a run; the child's host pid once it is set up (and, isolated, moved into
        the run's cgroups ``procs`` by the host and continued)."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise ForkServerError("no server")
        self._rid = request["id"] = secrets.token_hex(16)
        proc.stdin.write(json.dumps(request).encode() + b"\n")
        proc.stdin.flush()
        reply = self._read(time.monotonic() + SPAWN_TIMEOUT)
        pid = reply.get("pid")
        if isinstance(pid, int) and self._isolation is not None:
            pid = self._isolation.host_pid(pid, proc.pid)
        if not isinstance(pid, int) or _parent(pid) != self._server_pid:  # never a stranger
            raise ForkServerError(f"no child pid in {reply!r}")
        if self._isolation is not None:  # stopped itself: join the cgroups, then go on
            move_to(procs, pid)
            os.kill(pid, signal.SIGCONT)
        return pid

    # -- one run -------------------------------------------------------------------------

    def run(
        self,
        args: Sequence[str],
        env: dict[str, str],
        out_path: str,
        containment: Containment,
        limits: RunLimits,
        grace: float,
    ) -> tuple[int | None, bool] | None:
        """Run ``pytest ARGS`` forked and contained: (exit code or None, timed out).

        None when the fork server could not run it (nothing of the attempt is left).
        """
        isolation = getattr(containment, "isolation", None)
        if not self._ready(env, isolation) or self.shadowed():
            return None
        with open(out_path, "wb"):
            pass  # a child that dies early must not leave the last run's output
        with containment.start(limits) as group:
            request = {"args": list(args), "cwd": self.root, "env": group.env(env)}
            request.update(out=out_path, **group.child_setup())
            procs: list[str] = []
            if isolation is not None:  # the host moves the stopped child into the cgroups
                procs, request["procs"], request["stop"] = request["procs"], [], True
            try:
                pid = self._send(request, procs)
            except (ForkServerError, TimeoutError, OSError):
                self.discard()
                return None
            group.pgid = self._child = pid
            try:
                return self._wait_run(pid, group, limits.wall_timeout, grace)
            finally:
                self._child = None

    def _wait_run(
        self, pid: int, group: RunGroup, wall_timeout: float, grace: float
    ) -> tuple[int | None, bool]:
        status: list[int | None] = []
        with PidWaiter(pid) as waiter:
            timed_out = not self._wait(waiter, wall_timeout, status)
            if timed_out:
                # As for a plain run: interrupt pytest so that it writes the report of the
                # tests that finished, kill everything else, then pytest itself.
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGINT)
                group.kill(keep=pid, rounds=20)
                self._wait(waiter, grace, status)
            group.kill()
            self._wait(waiter, 10, status)
        return (status[0] if status else None), timed_out

    def _wait(self, waiter: PidWaiter, timeout: float, status: list[int | None]) -> bool:
        """Wait for the child's exit; its code (None: unknown) is appended to ``status``."""
        if status:
            return True
        deadline, exited = time.monotonic() + timeout, False
        while self._proc is not None:
            try:
                reply = self._read(deadline, -1 if exited else waiter.fd)
            except TimeoutError:
                if not exited:
                    return False
                self.discard()  # silent about a child that has exited: stopped or stuck
                break
            except (ForkServerError, OSError):
                self.discard()
                break
            if not reply:  # the child exited: the server must report it promptly
                exited, deadline = True, time.monotonic() + REPLY_GRACE
                continue
            code = reply.get("status")
            if isinstance(code, int):
                status.append(code)
                return True
            self.discard()
        if exited or waiter.wait(deadline - time.monotonic()):
            status.append(None)
            return True
        return False
