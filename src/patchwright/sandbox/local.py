"""A sandbox on the local machine: a git workspace at the base commit, tests run contained.

Candidate code is untrusted: every run happens in its own session and, when writable,
its own cgroups (see :mod:`patchwright.sandbox.limits`), and everything it started is
killed when the run ends. Git is run with hooks, fsmonitor and global config disabled,
and ``.git/config`` is restored on reset, so a test that writes into ``.git`` cannot make
later git calls run its commands.

By default (``sandbox.isolation=auto``) every command also runs in Linux namespaces through
bubblewrap (:mod:`patchwright.sandbox.isolation`): a read-only system, a private ``/tmp``
and ``$HOME``, no network, its own pid namespace, the user's repository and the run
directory out of sight, and an allow-listed environment. Where namespaces cannot be made
the sandbox falls back to the plain containment with one warning, or refuses
(``sandbox.require_isolation``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence

from patchwright.core.config import SandboxConfig
from patchwright.core.diff import PatchError, validate_patch
from patchwright.core.domain import Patch
from patchwright.core.errors import PatchwrightError
from patchwright.core.protocols import PYTHON, SCRATCH, WORKDIR, Command, Completed, RunLimits
from patchwright.repo.git import sandbox_git
from patchwright.sandbox.isolation import Isolation, bwrap_path, probe, scrubbed_env
from patchwright.sandbox.limits import CGROUP_ROOT, Containment, PidWaiter, parent_pid, wait_exit
from patchwright.sandbox.redact import Redactor

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
ISOLATION_KINDS = ("auto", "bwrap", "none")


class IsolationUnavailable(PatchwrightError):
    """Isolation was required and namespaces cannot be made here."""


class WorkspaceGitFailed(PatchwrightError, RuntimeError):
    """Git could not reset the workspace (a full disk, say); one line."""


class WorkspaceTampered(PatchwrightError, RuntimeError):
    """A reset did not bring the workspace back to the base commit (one line)."""


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
        isolation: str = "auto",
        require_isolation: bool = False,
        network: bool = False,
        hide: Sequence[str | os.PathLike[str]] = (),
        pass_env: Sequence[str] = (),
        redact_env: Sequence[str] = (),
        secrets: Sequence[str] = (),
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
        git_dir = self._git("rev-parse", "--absolute-git-dir")[1].strip()
        self._git_dir = git_dir or os.path.join(self._root, ".git")
        self._git_config_path = os.path.join(self._git_dir, "config")
        self._git_config = _read_bytes(self._git_config_path)
        self._git_files = {
            path: _read_bytes(path)
            for path in (self._git_config_path, os.path.join(self._git_dir, "info", "attributes"))
        }
        """Files of .git restored before every reset (a test may plant filters there)."""
        self.base_tree = self._git("rev-parse", f"{self.base}^{{tree}}")[1].strip()
        self._private = tempfile.mkdtemp(prefix="patchwright-sandbox-")
        self.containment = Containment(CGROUP_ROOT if cgroups else None)
        self.pass_env = list(pass_env)
        self.redactor = Redactor(os.environ, redact_env, secrets)
        """Secret values kept out of every output and file a command hands back."""
        self.isolation: Isolation | None = None
        """The namespaces commands run in (None: the plain containment)."""
        self.isolation_note = self._isolate(
            isolation, require_isolation, network, [os.fspath(h) for h in hide]
        )
        self.containment.isolation = self.isolation

    def _isolate(self, kind: str, required: bool, network: bool, hide: list[str]) -> str:
        """Set up :attr:`isolation`; '' or why the sandbox runs without it."""
        if kind not in ISOLATION_KINDS:
            raise IsolationUnavailable(
                f"sandbox.isolation must be one of {', '.join(ISOLATION_KINDS)}, not {kind!r}"
            )
        if kind == "none":
            if required:
                raise IsolationUnavailable("sandbox.isolation=none contradicts --require-isolation")
            return "isolation off (sandbox.isolation=none)"
        bwrap = bwrap_path()
        why = probe(bwrap)
        if why:
            if required or kind == "bwrap":
                self.close()
                raise IsolationUnavailable(f"isolation required but unavailable: {why}")
            warnings.warn(
                f"patchwright: tests run WITHOUT namespace isolation ({why}); "
                "they can read and write what you can (--require-isolation refuses)",
                RuntimeWarning,
                stacklevel=3,
            )
            return why
        assert bwrap is not None
        self.isolation = Isolation(
            bwrap, workspace=self._root, private=self._private, python=self.python,
            hide=hide, network=network,
        )  # fmt: skip
        return ""
    @classmethod
    def from_config(
        cls,
        root: str | os.PathLike[str],
        config: SandboxConfig,
        *,
        wheels_dir: object = None,
        hide: Sequence[str | os.PathLike[str]] = (),
        secrets: Sequence[str] = (),
    ) -> LocalSandbox:
        """The sandbox ``sandbox.kind=local`` builds (interpreter: ``sandbox.python``;
        ``wheels_dir`` is for container images, unused here; ``hide``: folders tests
        must not see, such as the user's repository and the run directory; ``secrets``:
        values set in the config, such as the model's API key, redacted like marked
        environment values)."""
        return cls(
            root, python=config.python or None,
            isolation="auto" if config.require_isolation and config.isolation == "none"
            else config.isolation,
            require_isolation=config.require_isolation, network=config.network,
            hide=hide, pass_env=config.pass_env, redact_env=config.redact_env, secrets=secrets,
        )  # fmt: skip

    @property
    def root(self) -> str:
        return self._root

    # -- workspace -------------------------------------------------------------------------

    def _git(self, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        """Run git in root with hooks and fsmonitor off: (exit code, stdout, stderr)."""
        return sandbox_git(self._root, *args, env=self._git_env, stdin=stdin)

    def _restore_git_dir(self) -> None:
        """Undo what a test may have planted in .git: config and attributes (filters),
        ``commondir`` and ``alternates`` redirects."""
        for path, data in self._git_files.items():
            if data is not None and _read_bytes(path) != data:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)  # maybe a symlink now
                with open(path, "wb") as fh:
                    fh.write(data)
        for name in ("commondir", os.path.join("objects", "info", "alternates"), "info/grafts"):
            _unlink(os.path.join(self._git_dir, name))

    def reset(self) -> None:
        """Back to exactly the base commit: tracked files restored, untracked ones removed;
        then checked (see :meth:`verify`)."""
        self._restore_git_dir()
        for args in (("reset", "-q", "--hard", self.base), ("clean", "-ffdxq")):
            code, _, err = self._git(*args)
            if code != 0:
                first = (err.strip().splitlines() or ["no message"])[-1]
                raise WorkspaceGitFailed(f"git {args[0]} failed in {self._root}: {first[:300]}")
        self.verify()

    def verify(self) -> None:
        """Raise unless the workspace is the base commit: HEAD's tree is the recorded one,
        nothing is modified or untracked and, without isolation (where tests could write
        into .git), every tracked file's bytes hash to the blob the base tree names."""
        code, tree, _ = self._git("rev-parse", "HEAD^{tree}")
        if code != 0 or tree.strip() != self.base_tree:
            raise WorkspaceTampered(f"reset did not restore the base tree in {self._root}")
        code, status, _ = self._git("status", "--porcelain", "--ignored", "--untracked-files=all")
        if code != 0 or status.strip():
            raise WorkspaceTampered(f"reset left changes in {self._root}: {status.strip()[:200]}")
        if self.isolation is None:
            self._verify_contents()

    def _verify_contents(self) -> None:
        code, listing, _ = self._git("ls-files", "-s", "-z")
        entries = []
        for item in listing.split("\0"):
            if item:
                meta, path = item.split("\t", 1)
                mode, sha = meta.split()[:2]
                if mode.startswith("100"):
                    entries.append((path, sha))
        if not entries:
            return
        paths = "".join(p + "\n" for p, _ in entries).encode()
        code, out, err = self._git("hash-object", "--no-filters", "--stdin-paths", stdin=paths)
        got = out.split()
        bad = [p for (p, sha), h in zip(entries, got, strict=False) if sha != h]
        if code != 0 or len(got) != len(entries) or bad:
            raise WorkspaceTampered(
                f"reset restored wrong contents in {self._root} (git objects tampered with?): "
                f"{', '.join(bad[:5]) or err.strip()}"
            )

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
        env = scrubbed_env(os.environ, self.pass_env)
        env = {k: v for k, v in env.items() if not k.startswith(_ENV_DROP_PREFIXES)}
        if self.isolation is not None:
            env = self.isolation.env(env)
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
                files[name] = self.redactor.data(data)
        return Completed(
            returncode=returncode,
            timed_out=timed_out,
            output=self.redactor.text(_tail(out_path, command.output_limit)),
            files=files,
            duration=time.monotonic() - start,
        )

    def _popen(
        self, cmd: list[str], env: dict[str, str], out_path: str, limits: RunLimits
    ) -> tuple[int | None, bool]:
        """Run ``cmd`` as a contained subprocess: (exit code or None, timed out)."""
        timed_out = False
        iso = self.isolation
        if iso is not None:
            cmd = iso.wrap(cmd, self._root)
        with open(out_path, "wb") as out, self.containment.start(limits) as group:
            proc = group.popen(cmd, cwd=self._root, env=env, stdout=out.fileno())
            if not wait_exit(proc, limits.wall_timeout):
                timed_out = True
                # Interrupt pytest and kill everything else, so that it can write the
                # report of the tests that finished; then kill it too. Isolated, the
                # command is bwrap's grandchild: bwrap and its pid 1 are kept alive.
                keep = {proc.pid}
                if iso is not None:
                    inner = iso.command_pid(proc.pid)
                    keep |= {inner, _ppid(inner)} if inner else set()
                target = inner if iso is not None and inner else proc.pid
                with contextlib.suppress(OSError):
                    os.kill(target, signal.SIGINT)
                group.kill(keep=keep, rounds=20)
                with PidWaiter(target) as waiter:
                    waiter.wait(INTERRUPT_GRACE)
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


def _ppid(pid: int) -> int:
    return parent_pid(pid)


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
