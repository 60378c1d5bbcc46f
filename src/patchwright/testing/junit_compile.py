"""A warm ``javac`` per workspace for the JUnit runner (``PwCompile.java``): the project is
compiled once at base, and each later run compiles only the source files whose bytes
changed, against the base classes, in a JVM that is already warm (a tenth of a second for
a small file against about three seconds for a fresh ``javac``).

Only compiling happens here: annotation processing is off, so no project code runs in the
server; the tests still run in a fresh JVM in the sandbox. With the sandbox's namespace
isolation the server lives in the same namespaces (read-only system, private ``/tmp``, no
network). The class folders are under the sandbox's private folder, which its runs see.
When the server cannot start or misbehaves, :meth:`CompileServer.prepare` returns None and
the run compiles with ``javac`` inside the sandbox as before.

A changed file is compiled alone: a class whose code inlined a constant of a changed class
keeps the old value, and a changed signature shows as a linkage error when a test runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import select
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from patchwright.testing import junit_driver
from patchwright.testing.processes import kill_and_reap

SERVER_SOURCE = Path(__file__).parent / "java" / "PwCompile.java"
START_TIMEOUT = 120.0
"""Seconds for the server's JVM to start and compile itself."""
COMPILE_TIMEOUT = 300.0
"""Seconds one compile may take (a whole large project at base)."""
MAX_FAILURES = 3
JVM_FLAGS = ("-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto")


class CompileFailed(Exception):
    """The server is gone or misbehaved."""


class CompileServer:
    """One ``PwCompile`` JVM for one workspace, and the classes compiled at base."""

    def __init__(self, root: str, private: str, isolation: Any = None) -> None:
        self.root = root
        self.home = os.path.join(private, "pwjava")
        self.isolation = isolation
        self.disabled = ""
        """Why the server is not used any more ('' while usable)."""
        self.compiles: list[float] = []
        """Seconds of each compile it did (figures for benchmarks)."""
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._failures = 0
        self._key: tuple[str, ...] = ()
        self._drivers = ""
        self._base = ""
        self._base_hashes: dict[str, str] = {}
        self._stamp: dict[str, tuple[int, int]] = {}
        """Size and mtime of every file under the drivers and base folders: a run that
        wrote there (they are in the sandbox's reach) makes them compile again."""
        self._last = ""

    # -- lifecycle -----------------------------------------------------------------------

    def _start(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise CompileFailed("no java on PATH")
        os.makedirs(self.home, exist_ok=True)
        source = os.path.join(self.home, SERVER_SOURCE.name)  # seen by an isolated server
        shutil.copyfile(SERVER_SOURCE, source)
        argv = [java, *JVM_FLAGS, source]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        if "JAVA_HOME" in os.environ:
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        if self.isolation is not None:
            argv = self.isolation.wrap(argv, self.root, init=True)
            env = self.isolation.env(env)
        self._proc = subprocess.Popen(
            argv, cwd=self.root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
        )  # fmt: skip
        self._buf = b""
        reply = self._read(time.monotonic() + START_TIMEOUT)
        if not reply.get("ready"):
            raise CompileFailed(str(reply.get("error") or f"bad start reply {reply!r}"))

    def discard(self) -> None:
        proc, self._proc = self._proc, None
        kill_and_reap(proc)

    def close(self) -> None:
        self.discard()
        shutil.rmtree(self.home, ignore_errors=True)

    def _fail(self, why: str) -> None:
        self.discard()
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self.disabled = f"the compile server failed {MAX_FAILURES} times: {why}"

    # -- protocol ------------------------------------------------------------------------

    def _read(self, deadline: float) -> dict[str, Any]:
        proc = self._proc
        if proc is None or proc.stdout is None:
            raise CompileFailed("no server")
        fd = proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise CompileFailed("the compile server did not answer in time")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise CompileFailed("the compile server exited")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            reply = json.loads(line)
        except ValueError as exc:
            raise CompileFailed(f"bad reply {line[:200]!r}") from exc
        if not isinstance(reply, dict):
            raise CompileFailed(f"bad reply {line[:200]!r}")
        return reply

    def _compile(self, dest: str, classpath: Sequence[str], release: str,
                 files: Sequence[str]) -> str:  # fmt: skip
        """Compile ``files`` into ``dest``: '' or javac's words."""
        if self._proc is None:
            self._start()
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        fields = ["compile", dest, os.pathsep.join(classpath), release, *files, "end"]
        if any("\n" in f or "\r" in f for f in fields):
            return "javac failed: a path has a line break"
        start = time.monotonic()
        proc.stdin.write(("\n".join(fields) + "\n").encode("utf-8"))
        proc.stdin.flush()
        reply = self._read(time.monotonic() + COMPILE_TIMEOUT)
        self.compiles.append(time.monotonic() - start)
        if reply.get("ok") is True:
            return ""
        text = str(reply.get("error") or "no message").replace(self.root.rstrip("/") + "/", "")
        return "javac failed:\n" + text[-junit_driver.LIMIT :]

    def _fresh(self, name: str) -> str:
        return os.path.join(self.home, f"{name}-{secrets.token_hex(8)}")

    # -- one run -------------------------------------------------------------------------

    def prepare(
        self, classpath: Sequence[str], release: str, drivers: Sequence[str]
    ) -> dict[str, object] | None:
        """Compile the workspace as it is now: the request fields for the driver
        (``precompiled`` class folders, or ``compile_error``); None: compile in the run."""
        if self.disabled:
            return None
        try:
            return self._prepare(list(classpath), release, list(drivers))
        except (CompileFailed, OSError) as exc:
            self._fail(str(exc))
            return None

    def _prepare(self, classpath: list[str], release: str, drivers: list[str]) -> dict[str, object]:
        key = (release, *classpath, *drivers)
        if key != self._key or (self._stamp and _stamps(self._base, self._drivers) != self._stamp):
            # other jars or drivers, or a run changed the classes: compile all again
            for old in (self._drivers, self._base):
                if old:
                    shutil.rmtree(old, ignore_errors=True)
            self._key, self._drivers, self._base, self._base_hashes = key, "", "", {}
            self._stamp = {}
        if not self._drivers:
            os.makedirs(self.home, exist_ok=True)
            dest = self._fresh("drivers")
            copies = []
            for path in drivers:  # where an isolated server can read them
                copies.append(os.path.join(self.home, os.path.basename(path)))
                shutil.copyfile(path, copies[-1])
            error = self._compile(dest, classpath, release, copies)
            if error:
                raise CompileFailed(f"the JUnit driver does not compile: {error[:300]}")
            self._drivers = dest
        hashes = _hashes(self.root)
        if not hashes:
            return {"compile_error": "no tests found: no .java files"}
        if self._last:
            shutil.rmtree(self._last, ignore_errors=True)
            self._last = ""
        cp = [self._drivers, *classpath]
        if not self._base:
            dest = self._fresh("base")
            error = self._compile(dest, cp, release, [self._abs(r) for r in sorted(hashes)])
            if error:
                shutil.rmtree(dest, ignore_errors=True)
                return {"compile_error": error}
            self._base, self._base_hashes = dest, hashes
            self._stamp = _stamps(self._base, self._drivers)
            return {"precompiled": [self._base, self._drivers]}
        changed = [r for r, h in sorted(hashes.items()) if self._base_hashes.get(r) != h]
        whole = not set(self._base_hashes) <= set(hashes)  # a file went: compile all
        if not changed and not whole:
            return {"precompiled": [self._base, self._drivers]}
        dest = self._last = self._fresh("run")
        files = sorted(hashes) if whole else changed
        error = self._compile(dest, cp if whole else [self._base, *cp], release,
                              [self._abs(r) for r in files])  # fmt: skip
        if error:
            return {"compile_error": error}
        dirs = [dest] if whole else [dest, self._base]
        return {"precompiled": [*dirs, self._drivers]}

    def _abs(self, rel: str) -> str:
        return os.path.join(self.root, rel)


def _hashes(root: str) -> dict[str, str]:
    found = {}
    for rel in junit_driver.sources(root):
        with open(os.path.join(root, rel), "rb") as fh:
            found[rel] = hashlib.sha1(fh.read()).hexdigest()
    return found


def _stamps(*folders: str) -> dict[str, tuple[int, int]]:
    found = {}
    for folder in folders:
        for here, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = os.path.join(here, name)
                with contextlib.suppress(OSError):
                    st = os.lstat(path)
                    found[path] = (st.st_size, st.st_mtime_ns)
    return found
