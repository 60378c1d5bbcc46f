"""What runs inside a sandbox container besides the agent: set-up shell scripts, the
agent's configuration and channel (its ``exec``'s multiplexed stream), and the reading of
its answers into :class:`TestResult`. No engine calls: :mod:`patchwright.sandbox.docker`
makes them. See that module for the layout of a container (``/pw/git``, ``/workspace``).
"""

from __future__ import annotations

import io
import json
import socket
import struct
import tarfile
import time
from collections.abc import Mapping, Sequence
from typing import Any

from patchwright.sandbox import docker_agent
from patchwright.sandbox.images import SANDBOX_UID, SANDBOX_USER, STATE, VENV, WORKSPACE
from patchwright.sandbox.inproc_pytest import bundle

INTERRUPT_GRACE = 1.0
"""Seconds a run gets after SIGINT at the wall limit to write its report."""
OUT = f"{STATE}/run/out"
AGENT_SOURCE = bundle(docker_agent.__file__)
GIT_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": f"/home/{SANDBOX_USER}",
    "WS": WORKSPACE,
    "STATE": STATE,
    "GIT_DIR": f"{STATE}/git",
    "GIT_WORK_TREE": WORKSPACE,
    "GIT_INDEX_FILE": f"{STATE}/run/index",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_CONFIG_COUNT": "3",
    "GIT_CONFIG_KEY_0": "safe.directory",
    "GIT_CONFIG_VALUE_0": "*",
    "GIT_CONFIG_KEY_1": "core.hooksPath",
    "GIT_CONFIG_VALUE_1": "/dev/null",
    "GIT_CONFIG_KEY_2": "core.fsmonitor",
    "GIT_CONFIG_VALUE_2": "false",
}
_EXPORTS = " ".join(f"{k}='{v}'" for k, v in GIT_ENV.items() if k != "PATH")
AGENT_CONFIG = json.dumps(
    {
        "uid": SANDBOX_UID,
        "gid": SANDBOX_UID,
        "workspace": WORKSPACE,
        "out": OUT,
        "git_env": GIT_ENV,
    }
)
AGENT_COMMAND = [f"{VENV}/bin/python", "-I", "-c", AGENT_SOURCE, AGENT_CONFIG]

# Root, once per container: the pristine git dir, read-only to the sandbox user.
SETUP = f"""set -e
chown -R root:root {STATE}/git && chmod -R a+rX,go-w {STATE}/git
mkdir -p {STATE}/run && chown {SANDBOX_USER}:{SANDBOX_USER} {STATE}/run && chmod 700 {STATE}/run
"""
# Root, when a test wrecked the work tree so that git cannot reset it.
REBUILD = f"""set -e
rm -rf {WORKSPACE} && mkdir {WORKSPACE} && chown {SANDBOX_USER}:{SANDBOX_USER} {WORKSPACE}
"""
# Sandbox user: a fresh work tree. git compares whole seconds of stat data: wait for the
# next second, so that any later change to a file has another ctime than the index records.
CHECKOUT = f"""set -e
cd {WORKSPACE}; rm -f {STATE}/run/index
export {_EXPORTS}
git read-tree --reset -u "$1"
printf 'gitdir: {STATE}/git\\n' > {WORKSPACE}/.git
t=$(date +%s); while [ "$(date +%s)" = "$t" ]; do sleep 0.05; done
"""
# Root: that checkout's index becomes the pristine one every reset starts from.
PUBLISH_INDEX = f"""set -e
cp {STATE}/run/index {STATE}/index.new && chmod 644 {STATE}/index.new
mv {STATE}/index.new {STATE}/index && cp {STATE}/index {STATE}/git/index
"""


class AgentError(RuntimeError):
    """The agent's stream ended or stalled."""


class AgentChannel:
    """Requests to the agent on its ``exec``'s standard input; answers from the
    multiplexed output stream (8-byte frame headers: stream, size)."""

    def __init__(self, sock: Any) -> None:
        self.io = sock
        self.sock: socket.socket = getattr(sock, "_sock", sock)
        self.buf = b""
        self.stderr = b""

    def _fill(self, deadline: float) -> None:
        header = self._recv(8, deadline)
        stream, size = header[0], struct.unpack(">I", header[4:])[0]
        data = self._recv(size, deadline)
        if stream == 2:
            self.stderr = (self.stderr + data)[-4000:]
        else:
            self.buf += data

    def _recv(self, n: int, deadline: float) -> bytes:
        chunks, left = [], n
        while left:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                chunk = self.sock.recv(left)
            except (TimeoutError, OSError) as exc:
                raise AgentError(f"agent stalled or gone: {exc}") from None
            if not chunk:
                raise AgentError(f"agent ended: {self.stderr[-500:]!r}")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def call(self, request: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """Send ``request``; its answer and the bytes of the files that follow it."""
        self.sock.settimeout(10)
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            self._fill(deadline)
        line, _, self.buf = self.buf.partition(b"\n")
        answer = json.loads(line)
        size = sum(answer.get("sizes", {}).values())
        while len(self.buf) < size:
            self._fill(deadline)
        payload, self.buf = self.buf[:size], self.buf[size:]
        return answer, payload

    def close(self) -> None:
        for closer in (self.sock.close, getattr(self.io, "close", None)):
            try:
                if closer is not None:
                    closer()
            except OSError:
                pass


def sandbox_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of a run in a container (``extra`` last)."""
    env = {
        "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"/home/{SANDBOX_USER}",
        "USER": SANDBOX_USER,
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONBREAKPOINT": "0",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "safe.directory",
        "GIT_CONFIG_VALUE_0": "*",
    }
    env.update(extra)
    return env


def split_files(answer: dict[str, Any], payload: bytes) -> dict[str, bytes]:
    files, pos = {}, 0
    for name, size in answer.get("sizes", {}).items():
        files[name] = payload[pos : pos + size]
        pos += size
    return files


def tar_dir(path: str, arcname: str, *, leave_out: Sequence[str] = ()) -> bytes:
    """A tar of ``path`` named ``arcname``, owned by root (files, folders, symlinks only),
    without the members ``leave_out`` names (relative to ``path``)."""
    buf = io.BytesIO()
    skip = {f"{arcname}/{name}" for name in leave_out}

    def owner(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if not (info.isfile() or info.isdir() or info.issym()) or info.name in skip:
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(path, arcname=arcname, filter=owner)
    return buf.getvalue()
