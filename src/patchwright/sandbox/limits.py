"""Contain untrusted test runs: rlimits, an own session, cgroups when writable.

A :class:`Containment` (one per sandbox) detects cgroup support once; each run gets a
:class:`RunGroup` that puts the child in fresh cgroups from its preexec function, and that
kills every process of the run at the end (process group, cgroup members, and, without
cgroups, every process that inherited the run's marker environment variable).
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from typing import Any

from patchwright.core.protocols import RunLimits

CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_PARENT = "patchwright"
MARKER_ENV = "PATCHWRIGHT_RUN_ID"
_KILL_ROUNDS = 400
HELD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
"""Held while the child is forked: with a ``preexec_fn`` the fork runs Python's at-fork
hooks (logging's lock release among them), and a stop signal whose handler raised inside
one would be printed as "Exception ignored" and lost, leaving the run going."""


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Block SIGINT/SIGTERM in this thread for the block; one that arrives meanwhile is
    delivered when it ends, in the caller's own code."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""


def _write(path: str, text: str) -> bool:
    try:
        with open(path, "w") as fh:
            fh.write(text)
        return True
    except OSError:
        return False


def _own_cgroups() -> dict[str, str]:
    """Controller name ('' for the v2 hierarchy) -> this process's cgroup path."""
    found: dict[str, str] = {}
    for line in _read("/proc/self/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                found[controller] = parts[2]
    return found


def _base(mount: str, own: str | None) -> str:
    """Our own cgroup inside ``mount`` when visible there, else the mount itself."""
    if own and own != "/":
        candidate = os.path.join(mount, own.lstrip("/"))
        if os.path.isdir(candidate):
            return candidate
    return mount


class Containment:
    """Per-sandbox cgroup detection and factory of contained runs.

    ``cgroup_root`` None disables cgroups (rlimits, process group and marker only).
    """

    def __init__(self, cgroup_root: str | None = CGROUP_ROOT) -> None:
        self.unified = False
        self.isolation: Any = None
        """The sandbox's :class:`~patchwright.sandbox.isolation.Isolation` (None: none):
        a warm process started for its runs must run inside it."""
        self.parents: dict[str, str] = {}
        """Controller ('pids', 'memory', or 'unified') -> directory holding per-run cgroups."""
        if cgroup_root:
            self._detect(cgroup_root)

    def _detect(self, root: str) -> None:
        own = _own_cgroups()
        if os.path.exists(os.path.join(root, "cgroup.controllers")):
            self.unified = True
            base = _base(root, own.get(""))
            for controller in ("pids", "memory"):
                if controller in _read(os.path.join(base, "cgroup.controllers")).split():
                    _write(os.path.join(base, "cgroup.subtree_control"), f"+{controller}")
            self._add("unified", base, "+pids +memory")
            return
        for controller in ("pids", "memory"):
            mount = os.path.join(root, controller)
            if os.path.exists(os.path.join(mount, "cgroup.procs")):
                self._add(controller, _base(mount, own.get(controller)))

    def _add(self, key: str, base: str, subtree: str = "") -> None:
        parent = os.path.join(base, CGROUP_PARENT)
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError:
            return
        if subtree:
            for item in subtree.split():
                _write(os.path.join(parent, "cgroup.subtree_control"), item)
        if os.access(os.path.join(parent, "cgroup.procs"), os.W_OK):
            self.parents[key] = parent

    @property
    def cgroups(self) -> bool:
        """True when runs are tracked by cgroups (all processes can be found and killed)."""
        return bool(self.parents)

    @property
    def pid_limit(self) -> bool:
        """True when runs get a process-count limit that also holds for root."""
        unified = self.parents.get("unified")
        if unified:
            return "pids" in _read(os.path.join(unified, "cgroup.subtree_control")).split()
        return "pids" in self.parents

    def start(self, limits: RunLimits) -> RunGroup:
        return RunGroup(self, limits)


def _nproc(limits: RunLimits) -> int:
    """RLIMIT_NPROC counts all processes of the user: allow ``max_processes`` more."""
    if os.geteuid() == 0:
        return limits.max_processes
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
    return limits.max_processes + count


class RunGroup:
    """The processes of one run: cgroups, rlimits, marker; :meth:`close` kills them all."""

    def __init__(self, containment: Containment, limits: RunLimits) -> None:
        self.marker = uuid.uuid4().hex
        self.dirs: list[str] = []
        self.pgid: int | None = None
        self.unified = containment.unified
        mem = limits.memory_mb * 1024 * 1024
        for key, parent in containment.parents.items():
            path = os.path.join(parent, self.marker)
            try:
                os.mkdir(path)
            except OSError:
                continue
            self.dirs.append(path)
            if key in ("pids", "unified"):
                _write(os.path.join(path, "pids.max"), str(limits.max_processes))
            if key == "memory":
                _write(os.path.join(path, "memory.limit_in_bytes"), str(mem))
            elif key == "unified":
                _write(os.path.join(path, "memory.max"), str(mem))
                _write(os.path.join(path, "memory.swap.max"), "0")
        self._procs = [os.path.join(d, "cgroup.procs").encode() for d in self.dirs]
        self._limits = {"RLIMIT_AS": mem, "RLIMIT_CORE": 0, "RLIMIT_NPROC": _nproc(limits)}
        self._rlimits = [(getattr(resource, k), v) for k, v in self._limits.items()]

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` plus the run's marker (appended, so nested runs keep the outer one)."""
        outer = base.get(MARKER_ENV)
        return {**base, MARKER_ENV: f"{outer}:{self.marker}" if outer else self.marker}

    def preexec(self) -> None:
        """Runs in the child between fork and exec: join the cgroups, set rlimits, and
        unblock the signals the parent held over the fork (the mask survives exec)."""
        pid = str(os.getpid()).encode()
        for path in self._procs:
            try:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, pid)
                finally:
                    os.close(fd)
            except OSError:
                pass
        for which, value in self._rlimits:
            try:
                _, hard = resource.getrlimit(which)
                if hard != resource.RLIM_INFINITY:
                    value = min(value, hard)
                resource.setrlimit(which, (value, value))
            except (OSError, ValueError):
                pass
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)

    def child_setup(self) -> dict[str, list[Any]]:
        """What :meth:`preexec` does, as data for a fork server's child: the cgroup.procs
        files to write the pid to and the rlimits (name, value) to set."""
        return {
            "procs": [p.decode() for p in self._procs],
            "rlimits": [[k, v] for k, v in self._limits.items()],
        }

    def popen(
        self, args: list[str], *, cwd: str, env: dict[str, str], stdout: int
    ) -> subprocess.Popen[bytes]:
        with signals_held():
            proc = subprocess.Popen(
                args,
                cwd=cwd,
                env=self.env(env),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=self.preexec,
                close_fds=True,
            )
            self.pgid = proc.pid  # known before a held signal can stop the caller
        return proc

    def members(self) -> set[int]:
        """Processes of the run: cgroup members and processes carrying the marker."""
        found = marked_processes(self.marker)  # also catches a process that left the cgroup
        for d in self.dirs:
            for sub, _, _ in os.walk(d):  # v1 lists only direct members
                found.update(int(p) for p in _read(os.path.join(sub, "cgroup.procs")).split())
        found.discard(os.getpid())
        return found

    def kill(
        self, keep: int | Collection[int] | None = None, rounds: int = _KILL_ROUNDS
    ) -> None:
        """SIGKILL every process of the run (but ``keep``) until none is left, bounded.

        The run's pid limit drops to 0 first, so that nothing can fork in the meantime.
        """
        spare = {keep} if isinstance(keep, int) else set(keep or ())
        keep = next(iter(spare)) if spare else None
        for d in self.dirs:
            _write(os.path.join(d, "pids.max"), "0")
        for attempt in range(rounds):
            if keep is None and self.pgid is not None:
                with contextlib.suppress(OSError):
                    os.killpg(self.pgid, signal.SIGKILL)
            if keep is None and self.unified:
                for d in self.dirs:
                    _write(os.path.join(d, "cgroup.kill"), "1")
            pids = {p for p in self.members() if p not in spare and not _is_zombie(p)}
            if not pids:
                return
            for p in pids:
                with contextlib.suppress(OSError):
                    os.kill(p, signal.SIGKILL)
            time.sleep(min(0.001 * (attempt + 1), 0.02))

    def close(self) -> None:
        """Kill what is left and remove the run's cgroups."""
        self.kill()
        for d in self.dirs:
            for attempt in range(50):
                try:
                    for sub, _, _ in os.walk(d, topdown=False):  # cgroups of nested runs
                        os.rmdir(sub)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    self.kill(rounds=3)
                    time.sleep(0.002 * (attempt + 1))
        self.dirs = []

    def __enter__(self) -> RunGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parent_pid(pid: int) -> int:
    """Parent pid of ``pid`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def move_to(procs: Collection[str], pid: int) -> None:
    """Put ``pid`` (a host pid) into the cgroups whose ``cgroup.procs`` files are ``procs``."""
    for path in procs:
        _write(path, str(pid))


def _is_zombie(pid: int) -> bool:
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return True
    return stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"])


def marked_processes(marker: str) -> set[int]:
    """Pids whose environment carries ``MARKER_ENV=marker``."""
    prefix, token = f"{MARKER_ENV}=".encode(), marker.encode()
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read()
        except OSError:
            continue
        for item in env.split(b"\0"):
            if item.startswith(prefix) and token in item[len(prefix) :].split(b":"):
                found.add(int(entry))
    return found


class PidWaiter:
    """Waits for the exit of any process (not only a child) by pid: ``fd`` is its pidfd
    (readable once it has exited), or -1 without pidfds, and then :meth:`wait` polls /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        pidfd_open: Callable[[int], int] | None = getattr(os, "pidfd_open", None)
        try:
            self.fd = pidfd_open(pid) if pidfd_open else -1
        except OSError:
            self.fd = -1

    def wait(self, timeout: float) -> bool:
        """True once the process has exited (or is a zombie), False after ``timeout``."""
        deadline = time.monotonic() + timeout
        if self.fd >= 0:
            poller = select.poll()
            poller.register(self.fd, select.POLLIN)
            return bool(poller.poll(max(int(timeout * 1000), 0)))
        while not _is_zombie(self.pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> PidWaiter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait up to ``timeout`` for ``proc`` to exit without reaping it (its pid stays ours)."""
    with PidWaiter(proc.pid) as waiter:
        if waiter.fd >= 0:
            return waiter.wait(timeout)
    try:
        proc.wait(timeout=max(timeout, 0.0))
        return True
    except subprocess.TimeoutExpired:
        return False
