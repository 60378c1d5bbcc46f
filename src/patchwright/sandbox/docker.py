"""A sandbox in one long-lived Docker container (the one module that imports ``docker``).

The container (no network, memory / CPU / pids limits, ``no-new-privileges``, only the
capabilities root needs to drop to the sandbox user and repair the workspace, tini as
pid 1) holds:

- ``/pw/git``: the base repository, copied in once, root-owned and read-only to the
  sandbox user ``pw``, and ``/pw/index``, the index of the first checkout;
- ``/workspace``: the work tree, owned by ``pw``; ``/workspace/.git`` points at ``/pw/git``.

Engine calls cost ~70 ms each here, so an evaluation makes none: an agent
(:mod:`patchwright.sandbox.docker_agent`, one long-lived ``exec`` whose standard input
and output carry JSON requests and answers) resets the work tree as ``pw`` (a fresh copy
of ``/pw/index``, ``git read-tree --reset -u``, ``git clean -ffdx``: exact, since ctimes a
test cannot forge decide what is rewritten), applies the pending patch, runs pytest in a
forked child that dropped to ``pw`` (pytest preloaded; rlimits; SIGINT at the wall limit,
then SIGKILL), kills every process of ``pw``, and sends back the JUnit report, coverage
data and output tail. :meth:`DockerSandbox.apply` only checks the patch on the host
(``git apply --check --cached`` against the base tree in a private index).

A reset that fails (a test wrecked the work tree) rebuilds the work tree; a dead or hung
agent or container is replaced. Containers carry labels (owner pid, its start time, host)
and are removed on close, at exit (also on SIGTERM) and, after a crash or ``kill -9``, by
:func:`cleanup_orphans` when the next sandbox starts.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import uuid
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import docker
import docker.errors

from patchwright.core.config import SandboxConfig
from patchwright.core.diff import PatchError, validate_patch
from patchwright.core.domain import Patch
from patchwright.core.errors import PatchwrightError
from patchwright.core.protocols import PYTHON, SCRATCH, WORKDIR, Command, Completed, RunLimits
from patchwright.repo.git import SNAPSHOT_FILE, sandbox_git
from patchwright.sandbox import images
from patchwright.sandbox.docker_scripts import (
    AGENT_COMMAND,
    CHECKOUT,
    INTERRUPT_GRACE,
    OUT,
    PUBLISH_INDEX,
    REBUILD,
    SETUP,
    AgentChannel,
    AgentError,
    sandbox_env,
    split_files,
    tar_dir,
)
from patchwright.sandbox.images import SANDBOX_USER, STATE, WORKSPACE, ImageError

LABEL = "patchwright"


class DockerUnavailableError(PatchwrightError, RuntimeError):
    """Docker was asked for but no engine answers (one-line message; CLI exit code 2)."""


class DockerEngine:
    """A connected docker client; implements :class:`images.ImageEngine`."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.api = client.api

    @classmethod
    def connect(cls, timeout: int = 120) -> DockerEngine:
        where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        try:
            client = docker.from_env(timeout=timeout)
            client.ping()
        except Exception as exc:
            reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise DockerUnavailableError(
                f"no Docker engine answers at {where} ({reason}); start dockerd "
                "(scripts/docker-setup.sh) or use --sandbox local"
            ) from None
        return cls(client)

    def image_id(self, ref: str) -> str | None:
        try:
            return str(self.client.images.get(ref).id)
        except docker.errors.ImageNotFound:
            return None

    def pull(self, ref: str) -> bool:
        repo, _, tag = ref.partition(":")
        try:
            self.client.images.pull(repo, tag=tag or "latest")
            return True
        except Exception:
            return False

    def import_rootfs(self, tar_path: str, ref: str) -> None:
        repo, _, tag = ref.partition(":")
        self.api.import_image_from_file(tar_path, repository=repo, tag=tag)
        if self.image_id(ref) is None:
            raise ImageError(f"docker import did not create {ref}")

    def build(self, context_dir: str, ref: str, *, network: bool = False) -> None:
        try:
            self.client.images.build(
                path=context_dir,
                tag=ref,
                rm=True,
                forcerm=True,
                pull=False,
                network_mode=None if network else "none",
            )
        except docker.errors.BuildError as exc:
            lines = [str(c.get("stream") or c.get("error") or "") for c in exc.build_log]
            tail = [ln.strip() for ln in lines if ln.strip()][-1:]
            raise ImageError(f"building {ref} failed: {' '.join(tail) or exc.msg}") from None


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return ""


def cleanup_orphans(engine: DockerEngine) -> int:
    """Remove this host's patchwright containers whose owner process is gone."""
    removed, host = 0, socket.gethostname()
    for ct in engine.client.containers.list(all=True, filters={"label": f"{LABEL}=1"}):
        labels = ct.labels or {}
        if labels.get(f"{LABEL}.host") != host:
            continue
        pid = int(labels.get(f"{LABEL}.pid", "0") or 0)
        if pid > 0 and _start_time(pid) == labels.get(f"{LABEL}.started"):
            continue  # owner alive
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            ct.remove(force=True)
            removed += 1
    return removed


_LIVE: weakref.WeakSet[DockerSandbox] = weakref.WeakSet()


def _close_all() -> None:
    for box in list(_LIVE):
        box.close()


atexit.register(_close_all)


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: finally blocks and atexit remove containers


class DockerSandbox:
    """Implements :class:`patchwright.core.protocols.Sandbox` in one container."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        image: str | None = None,
        requirements: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        memory_mb: int = 2048,
        cpus: float | None = None,
        max_processes: int = 256,
        engine: DockerEngine | None = None,
        wheels_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._root = os.path.abspath(os.fspath(root))
        self.python = "python"
        self.workdir = WORKSPACE
        self.extra_env = dict(env or {})
        self._host_env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        self._host_env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
        code, out = self._host_git("rev-parse", "--verify", "HEAD^{commit}")
        if code != 0:
            raise ValueError(f"not a git repository with a commit: {self._root}")
        self.base = out.strip()
        self._git_dir = self._host_git("rev-parse", "--path-format=absolute", "--git-common-dir")
        if os.path.exists(os.path.join(self._git_dir[1].strip(), "objects/info/alternates")):
            raise ValueError(f"repositories with alternates are not supported: {self._root}")
        # apply() checks patches against the base tree in a private index: the host work
        # tree may be anything (another sandbox may be using it).
        self._private = tempfile.mkdtemp(prefix="patchwright-docker-")
        self._host_env["GIT_INDEX_FILE"] = os.path.join(self._private, "index")
        try:
            if self._host_git("read-tree", self.base)[0] != 0:
                raise ValueError(f"cannot read the base tree of {self._root}")
            self.engine = engine or DockerEngine.connect()
            cleanup_orphans(self.engine)
            reqs = images.read_requirements(self._root) if requirements is None else requirements
            wheels = Path(wheels_dir) if wheels_dir else None
            self.image = image or images.bootstrap(self.engine, reqs, wheels_dir=wheels)
        except BaseException:
            shutil.rmtree(self._private, ignore_errors=True)
            raise
        self.memory_mb, self.max_processes = memory_mb, max_processes
        self.cpus = cpus or float(min(os.cpu_count() or 1, 2))
        self.run_id = uuid.uuid4().hex[:12]
        self.container: Any = None
        self._agent: AgentChannel | None = None
        self._dirty = True
        self._pending = ""
        self._closed = False
        _LIVE.add(self)
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError):
                if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                    signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_config(
        cls,
        root: str | os.PathLike[str],
        config: SandboxConfig,
        *,
        wheels_dir: Path | None = None,
        hide: object = (),
        secrets: object = (),
    ) -> DockerSandbox:
        """The sandbox ``sandbox.kind=docker`` builds (its limits from the config; image
        wheels cached in ``wheels_dir``; ``hide`` and ``secrets`` are for the local
        sandbox: a container sees nothing of the host but the workspace, and none of
        Patchwright's environment or config, anyway)."""
        return cls(root, memory_mb=config.memory_mb, max_processes=config.max_processes,
                   wheels_dir=wheels_dir)  # fmt: skip

    @property
    def root(self) -> str:
        return self._root

    # -- container ---------------------------------------------------------------------------

    def _host_git(self, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
        code, out, _ = sandbox_git(self._root, *args, env=self._host_env, stdin=stdin)
        return code, out

    def _start(self) -> None:
        labels = {
            LABEL: "1",
            f"{LABEL}.run": self.run_id,
            f"{LABEL}.pid": str(os.getpid()),
            f"{LABEL}.started": _start_time(os.getpid()),
            f"{LABEL}.host": socket.gethostname(),
        }
        self.container = self.engine.client.containers.run(
            self.image,
            ["sleep", "infinity"],
            name=f"patchwright-{self.run_id}-{uuid.uuid4().hex[:4]}",
            detach=True,
            init=True,
            network_mode="none",
            mem_limit=f"{self.memory_mb + 512}m",
            memswap_limit=f"{self.memory_mb + 512}m",
            nano_cpus=int(self.cpus * 1e9),
            pids_limit=self.max_processes + 64,
            cap_drop=["ALL"],
            cap_add=["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETUID", "SETGID"],
            security_opt=["no-new-privileges"],
            tmpfs={"/tmp": "size=512m,mode=1777"},
            labels=labels,
        )
        # The snapshot record names the user's path: the tests never see it.
        git = tar_dir(self._git_dir[1].strip(), "git", leave_out=[SNAPSHOT_FILE])
        self.container.put_archive(STATE, git)
        self._root_exec(SETUP)
        self._checkout()
        self._start_agent()

    def _start_agent(self) -> None:
        api = self.engine.api
        exec_id = api.exec_create(
            self.container.id, AGENT_COMMAND, stdin=True, user="root", workdir="/"
        )["Id"]
        self._agent = AgentChannel(api.exec_start(exec_id, socket=True))
        answer, _ = self._agent.call({"hello": True}, timeout=180)  # preloaded and warm
        if not answer.get("ready"):
            raise RuntimeError(f"the sandbox agent did not start: {answer}")

    def _exec(
        self, script: str, *args: str, user: str = SANDBOX_USER, stderr: bool = False
    ) -> tuple[int, bytes]:
        res = self.container.exec_run(
            ["sh", "-c", script, "pw", *args], user=user, workdir="/", stderr=stderr
        )
        return int(res.exit_code or 0), bytes(res.output or b"")

    def _root_exec(self, script: str, *args: str) -> None:
        code, out = self._exec(script, *args, user="root", stderr=True)
        if code != 0:
            raise RuntimeError(f"sandbox set-up failed ({code}): {out[-300:]!r}")

    def _checkout(self) -> None:
        """Fresh work tree at the base; its index becomes the pristine one."""
        code, out = self._exec(CHECKOUT, self.base, stderr=True)
        if code != 0:
            raise RuntimeError(f"checkout in the sandbox failed: {out[-300:]!r}")
        self._root_exec(PUBLISH_INDEX)
        self._dirty = False

    def _rebuild_workspace(self) -> None:
        self._root_exec(REBUILD)
        self._checkout()

    def _recreate(self) -> None:
        self._remove()
        self._start()

    def _remove(self) -> None:
        if self._agent is not None:
            self._agent.close()
            self._agent = None
        if self.container is not None:
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                self.container.remove(force=True)
            self.container = None

    # -- workspace ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the base commit (done in the container by the next run)."""
        self._pending, self._dirty = "", True

    def apply(self, patch: Patch) -> bool:
        """Reset, then apply ``patch``; False (workspace at base) when it does not apply."""
        self.reset()
        if patch.empty:
            return True
        try:
            validate_patch(patch.diff)
        except PatchError:
            return False
        code, _ = self._host_git(
            "apply", "--check", "--cached", "--whitespace=nowarn", "-", stdin=patch.diff.encode()
        )
        if code != 0:
            return False
        self._pending = patch.diff
        return True

    # -- running -----------------------------------------------------------------------------

    def _expand(self, text: str) -> str:
        return text.replace(PYTHON, self.python).replace(SCRATCH, OUT).replace(WORKDIR, WORKSPACE)

    def _run(
        self, command: Command, limits: RunLimits
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        argv = [self._expand(a) for a in command.argv]
        env = {**self.extra_env, **{k: self._expand(v) for k, v in command.env.items()}}
        request: dict[str, Any] = {
            "reset": self._dirty,
            "base": self.base,
            "patch": self._pending,
            "env": sandbox_env(env),
            "write": {k: self._expand(v) for k, v in command.files.items()},
            "wall": limits.wall_timeout,
            "grace": INTERRUPT_GRACE,
            "mem": limits.memory_mb * 1024 * 1024,
            "files": ["output.log", *command.fetch],
            "tail": command.output_limit * 4,
        }
        if command.warm is not None and command.warm.name == "pytest":
            request["args"] = argv[3:]  # after "python -m pytest": the agent's own pytest
        else:
            request["argv"] = argv
        timeout = limits.wall_timeout + INTERRUPT_GRACE + 60
        for attempt in range(3):
            try:
                answer, payload = self._agent.call(request, timeout)
            except (AgentError, OSError, docker.errors.APIError) as exc:
                if attempt == 2:
                    raise RuntimeError(f"the Docker sandbox failed: {exc}") from None
                stalled = isinstance(exc, AgentError) and "stalled" in str(exc)
                self._recreate()  # the agent or the container died, or hung
                request["reset"] = True
                if stalled:  # it outlived every limit: report a timeout
                    return {"state": "", "rc": None, "timed_out": True}, {}
                continue
            if answer.get("state") == "reset":  # a test wrecked the work tree
                if attempt == 2:
                    raise RuntimeError("the sandbox's work tree cannot be reset")
                if attempt == 0:
                    self._rebuild_workspace()
                else:
                    self._recreate()
                request["reset"] = True
                continue
            self._dirty = False
            return answer, split_files(answer, payload)
        raise RuntimeError("unreachable")

    def execute(self, command: Command, limits: RunLimits) -> Completed:
        """Run ``command`` as the sandbox user in the container (a command of pytest's
        :class:`~patchwright.core.protocols.WarmStart` in the agent's preloaded pytest);
        the scratch folder is a private one outside the work tree."""
        answer, files = self._run(command, limits)
        if answer.get("state") in ("apply", "error"):
            message = answer.get("error") or "patch did not apply in the container"
            return Completed(returncode=None, error=message)
        output = files.pop("output.log", b"").decode("utf-8", "replace")
        return Completed(
            returncode=answer.get("rc"),
            timed_out=bool(answer.get("timed_out")),
            output=output[-command.output_limit :],
            files=files,
            duration=float(answer.get("elapsed") or 0.0),
        )

    def close(self) -> None:
        """Remove the container."""
        if not self._closed:
            self._closed = True
            self._remove()
            shutil.rmtree(self._private, ignore_errors=True)
            _LIVE.discard(self)

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bootstrap_images(
    requirements: Sequence[str] = (), source: str = "auto", wheels_dir: Path | None = None
) -> str:
    """``patchwright sandbox bootstrap``: build base and env images; the env image's ref."""
    engine = DockerEngine.connect()
    ref = images.bootstrap(engine, requirements, source, wheels_dir=wheels_dir)
    print(ref, file=sys.stdout)
    return ref
