"""A sandbox on the local machine: a git workspace at the base commit, tests run contained.

Candidate code is untrusted: every run happens in its own session and, when writable,
its own cgroups (see :mod:`patchwright.sandbox.limits`), and everything it started is
killed when the run ends. Git is run with hooks, fsmonitor and global config disabled,
and ``.git/config`` is restored on reset, so a test that writes into ``.git`` cannot make
later git calls run its commands.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping

from patchwright.core.config import SandboxConfig
from patchwright.core.diff import PatchError, validate_patch
from patchwright.core.domain import Patch
from patchwright.core.protocols import PYTHON, SCRATCH, WORKDIR, Command, Completed, RunLimits
from patchwright.repo.git import sandbox_git
from patchwright.sandbox.limits import CGROUP_ROOT, Containment, wait_exit

INTERRUPT_GRACE = 1.0
"""Seconds a run gets after SIGINT at the wall limit to write its report of finished work."""

_GIT_ENV_DROP = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
)
_ENV_DROP_PREFIXES = ("PYTEST_", "COVERAGE_")


class LocalSandbox:
    """Implements :class:`patchwright.core.protocols.Sandbox` on a local git workspace.

    A command's scratch folder is a private directory outside the workspace. A command
    that carries a :class:`~patchwright.core.protocols.WarmStart` is offered to it first
    (pytest's fork server), with the same containment; it falls back to a plain
    subprocess whenever the warm process cannot take the run.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        cgroups: bool = True,
    ) -> None:
        self._root = os.path.abspath(os.fspath(root))
        if not os.path.isdir(self._root):
            raise ValueError(f"not a directory: {self._root}")
        self.python = python or sys.executable
        self.workdir = self._root
        self.extra_env = dict(env or {})
        self._git_env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
        self._git_env.update(
            GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0"
        )
        code, out, err = self._git("rev-parse", "--verify", "HEAD^{commit}")
        if code != 0:
            raise ValueError(f"not a git repository with a commit: {self._root}: {err.strip()}")
        self.base = out.strip()
        config = self._git("rev-parse", "--git-path", "config")[1].strip()
        self._git_config_path = os.path.join(self._root, config)
        self._git_config = _read_bytes(self._git_config_path)
        self._private = tempfile.mkdtemp(prefix="patchwright-sandbox-")
        self.containment = Containment(CGROUP_ROOT if cgroups else None)

    @classmethod
    def from_config(
        cls, root: str | os.PathLike[str], config: SandboxConfig, *, wheels_dir: object = None
    ) -> LocalSandbox:
        """The sandbox ``sandbox.kind=local`` builds (interpreter: ``sandbox.python``;
        ``wheels_dir`` is for container images, unused here)."""
        return cls(root, python=config.python or None)

    @property
    def root(self) -> str:
        return self._root

    # -- workspace -------------------------------------------------------------------------

    def _git(self, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        """Run git in root with hooks and fsmonitor off: (exit code, stdout, stderr)."""
        return sandbox_git(self._root, *args, env=self._git_env, stdin=stdin)

    def reset(self) -> None:
        """Back to exactly the base commit: tracked files restored, untracked ones removed."""
        if _read_bytes(self._git_config_path) != self._git_config and self._git_config is not None:
            with open(self._git_config_path, "wb") as fh:
                fh.write(self._git_config)
        for args in (("reset", "-q", "--hard", self.base), ("clean", "-ffdxq")):
            code, _, err = self._git(*args)
            if code != 0:
                raise RuntimeError(f"git {args[0]} failed in {self._root}: {err.strip()}")

    def apply(self, patch: Patch) -> bool:
        """Reset, then apply ``patch``; False (tree left at base) when refused or failing."""
        self.reset()
        if patch.empty:
            return True
        try:
            validate_patch(patch.diff)
        except PatchError:
            return False
        if self._git("apply", "--whitespace=nowarn", "-", stdin=patch.diff.encode())[0] != 0:
            self.reset()
            return False
        return True

    # -- running ---------------------------------------------------------------------------

    @property
    def scratch(self) -> str:
        """The private folder (outside the workspace) commands get as their scratch."""
        return os.path.join(self._private, "scratch")

    def _path(self, name: str) -> str:
        return os.path.join(self._private, name)

    def _expand(self, text: str) -> str:
        return (
            text.replace(PYTHON, self.python)
            .replace(SCRATCH, self.scratch)
            .replace(WORKDIR, self._root)
        )

    def _env(self, command: Command) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_DROP_PREFIXES)}
        env.update(self.extra_env)
        env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", PYTHONBREAKPOINT="0")
        env.update({k: self._expand(v) for k, v in command.env.items()})
        return env

    def execute(self, command: Command, limits: RunLimits) -> Completed:
        """Run ``command`` contained in the workspace: a fresh scratch folder holding
        ``command.files``; ``command.fetch`` read back from it afterwards."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        os.makedirs(self.scratch)
        for name, text in command.files.items():
            with open(os.path.join(self.scratch, name), "w", encoding="utf-8") as fh:
                fh.write(self._expand(text))
        out_path = self._path("output.log")
        argv = [self._expand(a) for a in command.argv]
        env = self._env(command)
        start = time.monotonic()
        ran = None
        if command.warm is not None:
            ran = command.warm.run(
                argv, env, out_path, self.containment, limits, INTERRUPT_GRACE
            )
            if ran is None:  # fell back: nothing of the attempt counts
                shutil.rmtree(self.scratch, ignore_errors=True)
                os.makedirs(self.scratch)
                for name, text in command.files.items():
                    with open(os.path.join(self.scratch, name), "w", encoding="utf-8") as fh:
                        fh.write(self._expand(text))
                start = time.monotonic()
        if ran is None:
            try:
                ran = self._popen(argv, env, out_path, limits)
            except OSError as exc:
                return Completed(returncode=None, error=f"could not start {argv[0]}: {exc}",
                                 duration=time.monotonic() - start)  # fmt: skip
        returncode, timed_out = ran
        files = {}
        for name in command.fetch:
            data = _read_bytes(os.path.join(self.scratch, name))
            if data is not None:
                files[name] = data
        return Completed(
            returncode=returncode,
            timed_out=timed_out,
            output=_tail(out_path, command.output_limit),
            files=files,
            duration=time.monotonic() - start,
        )

    def _popen(
        self, cmd: list[str], env: dict[str, str], out_path: str, limits: RunLimits
    ) -> tuple[int | None, bool]:
        """Run ``cmd`` as a contained subprocess: (exit code or None, timed out)."""
        timed_out = False
        with open(out_path, "wb") as out, self.containment.start(limits) as group:
            proc = group.popen(cmd, cwd=self._root, env=env, stdout=out.fileno())
            if not wait_exit(proc, limits.wall_timeout):
                timed_out = True
                # Interrupt pytest and kill everything else, so that it can write the
                # report of the tests that finished; then kill it too.
                _signal(proc, signal.SIGINT)
                group.kill(keep=proc.pid, rounds=20)
                wait_exit(proc, INTERRUPT_GRACE)
            group.kill()
            try:
                return proc.wait(timeout=10), timed_out
            except subprocess.TimeoutExpired:
                return None, timed_out

    def close(self) -> None:
        """Remove the private directory."""
        shutil.rmtree(self._private, ignore_errors=True)

    def __enter__(self) -> LocalSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.kill(proc.pid, sig)
    except OSError:
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _tail(path: str, limit: int) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(size - limit * 4, 0))
            data = fh.read()
    except OSError:
        return ""
    return data.decode("utf-8", "replace")[-limit:]
