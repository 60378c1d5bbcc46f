"""Linux namespaces for the local sandbox, through bubblewrap (``bwrap``).

An :class:`Isolation` turns a command line into one that runs inside a fresh mount, pid,
ipc, uts and (unless asked otherwise) network namespace, with every capability dropped:

- the system is visible read-only; ``/tmp`` is a private tmpfs; ``$HOME`` is an empty
  private folder (the real home is covered by an empty tmpfs, as are ``/run`` and every
  ``hide`` path: the user's repository, the run directory, Patchwright's home);
- only the workspace and the sandbox's private folder (its scratch and output) are
  writable, and the workspace's ``.git`` is read-only, its snapshot record covered;
- the interpreter and its import paths stay visible (read-only) even under a covered path
  or under ``/tmp`` (a venv there would be hidden by the private ``/tmp``).

:func:`probe` says whether namespaces can be made here (a real ``bwrap`` run), so the
sandbox can fall back with a warning. Pids inside the namespace differ from the host's;
:meth:`Isolation.host_pid` translates one through ``/proc/PID/status`` (``NSpid``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence

SANDBOX_HOME = "/tmp/home"
"""``$HOME`` inside the sandbox (in its private ``/tmp``)."""

ENV_ALLOW = (
    "PATH", "LANG", "LANGUAGE", "TZ", "TERM", "VIRTUAL_ENV", "JAVA_HOME", "PYTHONPATH",
    "PYTHONIOENCODING", "PYTHONUTF8", "SOURCE_DATE_EPOCH", "NO_COLOR", "CI",
)  # fmt: skip
"""Variables of Patchwright's environment that sandboxed commands get (an allow-list:
never the user's keys). ``LC_*`` pass too; ``sandbox.pass_env`` adds names."""


def scrubbed_env(environ: dict[str, str] | os._Environ[str], extra: Iterable[str] = ()) -> dict[str, str]:
    """The allowed part of ``environ``."""
    allow = {*ENV_ALLOW, *extra}
    return {k: v for k, v in environ.items() if k in allow or k.startswith("LC_")}


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def probe(bwrap: str | None) -> str:
    """'' when ``bwrap`` can make the namespaces here, else why not (one line)."""
    if not bwrap:
        return "bubblewrap (bwrap) is not installed"
    cmd = [bwrap, *_base_args(network=False), "--", "/bin/true"]
    try:
        res = subprocess.run(cmd, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap does not run: {exc}"
    if res.returncode != 0:
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"bwrap cannot make namespaces here: {err[-1] if err else res.returncode}"
    return ""


def _base_args(*, network: bool) -> list[str]:
    args = ["--unshare-user-try", "--unshare-ipc", "--unshare-pid", "--unshare-uts"]
    args += ["--die-with-parent", "--cap-drop", "ALL"]
    if not network:
        args.append("--unshare-net")
    return [*args, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]


def interpreter_paths(python: str) -> list[str]:
    """Folders ``python`` needs to run and import (prefixes and ``sys.path``)."""
    code = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix] + sys.path))"
    try:
        res = subprocess.run([python, "-S", "-c", code], capture_output=True, timeout=60, check=False)
        paths = json.loads(res.stdout) if res.returncode == 0 else []
        res = subprocess.run([python, "-c", code], capture_output=True, timeout=60, check=False, cwd="/")
        paths += json.loads(res.stdout) if res.returncode == 0 else []
    except (OSError, ValueError, subprocess.TimeoutExpired):
        paths = []
    found = [os.path.dirname(os.path.dirname(os.path.abspath(python)))]
    found.append(os.path.dirname(os.path.dirname(os.path.realpath(python))))
    for p in paths:
        if isinstance(p, str) and p and os.path.exists(p):
            found.append(p if os.path.isdir(p) else os.path.dirname(p))
    return list(dict.fromkeys(os.path.realpath(p) for p in found))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class Isolation:
    """The bwrap command line of one sandbox (see the module's docstring)."""

    def __init__(
        self,
        bwrap: str,
        *,
        workspace: str,
        private: str,
        python: str,
        hide: Sequence[str] = (),
        network: bool = False,
    ) -> None:
        self.bwrap = bwrap
        self.workspace = os.path.realpath(workspace)
        self.network = network
        home = os.path.realpath(os.path.expanduser("~"))
        covered = {home, "/root", "/home", "/run", *(os.path.realpath(h) for h in hide)}
        if os.path.isdir("/var/run") and not os.path.islink("/var/run"):
            covered.add("/var/run")
        covered = {c for c in covered if c not in ("/", "") and os.path.isdir(c)}
        covered = {c for c in covered if not _under(c, "/tmp")}  # /tmp is private anyway
        args = [bwrap, *_base_args(network=network)]
        for path in sorted(covered, key=len):
            args += ["--tmpfs", path]
        hidden = [os.path.realpath(h) for h in hide]
        shown: list[str] = []
        for path in sorted(interpreter_paths(python), key=len):
            if (
                (any(_under(path, c) for c in covered) or _under(path, "/tmp"))
                and not any(_under(path, s) for s in shown)
                and not _under(path, self.workspace)
                and not any(_under(h, path) for h in hidden)  # an editable install of the repo
            ):
                args += ["--ro-bind", path, path]
                shown.append(path)
        args += ["--dir", SANDBOX_HOME]
        args += ["--bind", self.workspace, self.workspace]
        git = os.path.join(self.workspace, ".git")
        if os.path.isdir(git):
            args += ["--ro-bind", git, git]
            record = os.path.join(git, "patchwright-snapshot.json")
            if os.path.exists(record):
                empty = os.path.join(private, "empty")
                open(empty, "wb").close()
                args += ["--ro-bind", empty, record]
        private = os.path.realpath(private)
        args += ["--bind", private, private]
        for path in sorted(covered, key=len):  # empty and read-only, once all is mounted
            args += ["--remount-ro", path]
        self._args = args

    def wrap(self, argv: Sequence[str], cwd: str, *, init: bool = False) -> list[str]:
        """``argv`` run in the namespaces, in ``cwd``; ``init``: as their pid 1 (signals
        from inside cannot kill it; it must reap what it starts), else bwrap's child."""
        return [*self._args, *(["--as-pid-1"] if init else []), "--chdir", cwd, "--", *argv]

    def env(self, env: dict[str, str]) -> dict[str, str]:
        """The environment a wrapped command gets: ``env`` with the private home."""
        return {**env, "HOME": SANDBOX_HOME, "TMPDIR": "/tmp"}

    @staticmethod
    def host_pid(inner: int, ancestor: int) -> int | None:
        """The host pid of the process numbered ``inner`` inside the namespace whose
        outermost process (bwrap) is ``ancestor``; None when there is none."""
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as fh:
                    status = fh.read()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("NSpid:"):
                    ids = line.split()[1:]
                    if len(ids) >= 2 and ids[-1] == str(inner) and _descends(int(entry), ancestor):
                        return int(entry)
                    break
        return None

    @staticmethod
    def command_pid(bwrap_pid: int, *, init: bool = False) -> int | None:
        """Host pid of the command a wrapped run started (number 2 inside, after bwrap's
        own pid 1; 1 when wrapped with ``init``)."""
        return Isolation.host_pid(1 if init else 2, bwrap_pid)


def _ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _descends(pid: int, ancestor: int) -> bool:
    for _ in range(64):
        pid = _ppid(pid)
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
    return False
