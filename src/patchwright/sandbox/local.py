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
from collections.abc import Mapping, Sequence

from patchwright.core.diff import PatchError, validate_patch
from patchwright.core.protocols import CoverageMap, RunLimits
from patchwright.core.types import Patch, TestOutcome, TestResult, TestStatus
from patchwright.sandbox.forkserver import ForkServer, blocked_plugins
from patchwright.sandbox.limits import CGROUP_ROOT, Containment, wait_exit
from patchwright.sandbox.runners import pytest as runner

INTERRUPT_GRACE = 1.0
"""Seconds pytest gets after SIGINT at the wall limit to write its report of finished tests."""

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

    ``fork_server``: :meth:`run_tests` forks each run from a long-lived pytest process
    (:mod:`patchwright.sandbox.forkserver`), with the same containment and results as a
    plain subprocess, which it falls back to whenever the server cannot be used.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        python: str | None = None,
        extra_args: Sequence[str] = (),
        autoload_plugins: bool = True,
        env: Mapping[str, str] | None = None,
        cgroups: bool = True,
        fork_server: bool = False,
    ) -> None:
        self._root = os.path.abspath(os.fspath(root))
        if not os.path.isdir(self._root):
            raise ValueError(f"not a directory: {self._root}")
        self.python = python or sys.executable
        self.extra_args = list(extra_args)
        self.autoload_plugins = autoload_plugins
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
        self.fork_server: ForkServer | None = None
        """Runs of :meth:`run_tests` go through this pytest fork server when set."""
        if fork_server:
            self.fork_server = ForkServer(
                self.python,
                self._root,
                autoload=autoload_plugins,
                skip=blocked_plugins(self.extra_args),
                log=self._path("forkserver.log"),
            )

    @property
    def root(self) -> str:
        return self._root

    # -- workspace -------------------------------------------------------------------------

    def _git(self, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        """Run git in root with hooks and fsmonitor off: (exit code, stdout, stderr)."""
        cmd = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"]
        cmd += ["-c", f"safe.directory={self._root}", *args]
        proc = subprocess.run(
            cmd, cwd=self._root, env=self._git_env, input=stdin, capture_output=True, check=False
        )
        out, err = (b.decode("utf-8", "replace") for b in (proc.stdout, proc.stderr))
        return proc.returncode, out, err

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

    def _path(self, name: str) -> str:
        return os.path.join(self._private, name)

    def _env(self, coverage_file: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_DROP_PREFIXES)}
        env.update(self.extra_env)
        env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", PYTHONBREAKPOINT="0")
        if not self.autoload_plugins:
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        if coverage_file:
            env["COVERAGE_FILE"] = coverage_file
        return env

    def _run(self, tests: Sequence[str], limits: RunLimits, coverage: bool) -> TestResult:
        junit, out_path = self._path("junit.xml"), self._path("output.log")
        data_file, rc_file = self._path(".coverage"), self._path("coveragerc")
        for stale in (junit, data_file):
            _unlink(stale)
        if coverage:
            with open(rc_file, "w") as fh:
                fh.write(runner.coverage_rc_text(data_file))
        cmd = runner.build_command(
            self.python,
            self._root,
            junit,
            limits,
            tests,
            extra_args=self.extra_args,
            autoload_plugins=self.autoload_plugins,
            coverage_rc=rc_file if coverage else None,
        )
        env = self._env(data_file if coverage else None)
        start = time.monotonic()
        ran = None
        if self.fork_server is not None and not coverage:
            ran = self.fork_server.run(
                cmd[3:], env, out_path, self.containment, limits, INTERRUPT_GRACE
            )
            if ran is None:  # fell back: nothing of the attempt counts
                _unlink(junit)
                start = time.monotonic()
        if ran is None:
            try:
                ran = self._popen(cmd, env, out_path, limits)
            except OSError as exc:
                return TestResult(
                    compile_error=f"could not start pytest: {exc}",
                    tests={t: _error(str(exc)) for t in tests},
                    duration=time.monotonic() - start,
                )
        returncode, timed_out = ran
        duration = time.monotonic() - start
        junit_xml = _read_text(junit) if os.path.exists(junit) else None
        return runner.interpret(
            junit_xml,
            returncode=returncode,
            requested=list(tests),
            fail_fast=limits.fail_fast or limits.max_failures > 0,
            timed_out=timed_out,
            output=_tail(out_path, runner.TAIL_LIMIT),
            duration=duration,
            root=self._root,
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

    def run_tests(self, tests: Sequence[str], limits: RunLimits) -> TestResult:
        """Run ``tests`` (pytest node ids relative to root; empty: discover) contained."""
        return self._run(tests, limits, coverage=False)

    def collect_coverage(
        self, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        """Run ``tests`` recording which lines of files under root each test executed."""
        result = self._run(tests, limits, coverage=True)
        try:
            cov = runner.read_coverage(self._path(".coverage"), self._root)
        except Exception:  # a crashed run can leave a broken data file
            cov = {}
        return result, cov

    def close(self) -> None:
        """Stop the fork server (and any run of it) and remove the private directory."""
        if self.fork_server is not None:
            self.fork_server.close()
        shutil.rmtree(self._private, ignore_errors=True)

    def __enter__(self) -> LocalSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _error(message: str) -> TestOutcome:
    return TestOutcome(status=TestStatus.ERROR, message=message[: runner.MESSAGE_LIMIT])


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


def _read_text(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read().decode("utf-8", "replace")


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
