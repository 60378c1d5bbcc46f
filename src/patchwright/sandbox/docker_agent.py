"""The agent inside a sandbox container: resets the work tree, applies patches and runs
pytest in forked children, one request at a time.

Self-contained on purpose: :mod:`patchwright.sandbox.docker` sends this source to the
image's Python (``python -I -c SOURCE CONFIG_JSON``, as root, in a long-lived ``exec``
whose standard input and output carry the protocol), so it must not import patchwright.
It imports pytest and its plugins once (never anything from the work tree: ``-I`` and the
working directory ``/`` keep it off ``sys.path``), and forks a child per run that drops to
the sandbox user (own session, rlimits) and runs ``python -m pytest`` in-process. After
every run it kills every process of the sandbox user.

Protocol: one JSON request per line: ``reset`` (bool), ``base``, ``patch`` (text, "" for
none), ``args`` (pytest arguments), ``env`` (the whole environment), ``wall``, ``grace``,
``mem`` (bytes), ``files`` (names to send back). Answer: one JSON line (``state``: "" |
"reset" (the work tree cannot be reset) | "apply" (the patch did not apply), ``rc``,
``timed_out``, ``elapsed``, ``sizes``: name -> byte count), then the files' bytes in order.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
TAIL = 16000

_RESET = """
reset() {
  rm -rf "$WS/.git" /tmp/* /tmp/.[!.]* 2>/dev/null
  cd "$WS" && cp "$STATE/index" "$GIT_INDEX_FILE" && git read-tree --reset -u "$1" \\
    && git clean -ffdxq || return 1
  printf 'gitdir: %s/git\\n' "$STATE" > "$WS/.git"
}
reset "$1" || { echo reset; exit 0; }
if [ -n "$2" ]; then
  printf '%s' "$2" > "$STATE/run/patch.diff"
  git apply --whitespace=nowarn "$STATE/run/patch.diff" 2>/dev/null || {
    reset "$1"; echo apply; }
fi
"""
MAX_FILE = 64 * 1024 * 1024


def _preload() -> set[str]:
    """Import pytest, its built-in plugins and the test plugins of the image."""
    import importlib

    before = set(sys.modules)
    import pytest  # noqa: F401
    from _pytest import config as pytest_config

    names = ["_pytest." + n for n in getattr(pytest_config, "default_plugins", ())]
    for name in [*names, "pytest_timeout", "pytest_cov.plugin"]:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    return set(sys.modules) - before


def _quiet_preloaded(preloaded: set[str]) -> None:
    """No "already imported, cannot be rewritten" warning for preloaded plugins."""
    try:
        from _pytest.assertion.rewrite import AssertionRewritingHook as Hook
    except ImportError:
        return
    warn = getattr(Hook, "_warn_already_imported", None)
    if warn is None:
        return

    def _warn_already_imported(self: object, name: str) -> None:
        if name not in preloaded:
            warn(self, name)

    Hook._warn_already_imported = _warn_already_imported  # type: ignore[method-assign]


def _drop(cfg: dict[str, Any]) -> None:
    os.setgroups([])
    os.setgid(cfg["gid"])
    os.setuid(cfg["uid"])


def _child(req: dict[str, Any], cfg: dict[str, Any], preloaded: set[str]) -> int:
    """In the forked child: drop to the sandbox user, then ``python -m pytest ARGS``."""
    import atexit
    import resource
    import runpy
    import shutil
    import traceback

    os.setsid()
    _drop(cfg)
    for which, value in (
        (resource.RLIMIT_AS, req["mem"]),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 1 << 30),
    ):
        resource.setrlimit(which, (value, value))
    out = cfg["out"]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    log = os.open(os.path.join(out, "output.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    os.chdir(cfg["workspace"])
    os.environ.clear()
    os.environ.update(req["env"])
    sys.dont_write_bytecode = True
    sys.path.insert(0, cfg["workspace"])
    _quiet_preloaded(preloaded)
    sys.argv[:] = ["pytest", *req["args"]]
    code: object = 0
    try:
        runpy.run_module("pytest", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        traceback.print_exc()
        code = 1
    threading = sys.modules.get("threading")
    for step in (getattr(threading, "_shutdown", None), getattr(atexit, "_run_exitfuncs", None)):
        try:
            if step is not None:
                step()
        except BaseException:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    if code is None:
        return 0
    return code & 0xFF if isinstance(code, int) else 1


def _wait(pid: int, timeout: float) -> int | None:
    """The wait status of ``pid`` once it exits within ``timeout``, else None."""
    deadline = time.monotonic() + timeout
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = -1
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if fd >= 0:
                select.select([fd], [], [], left)
            else:
                time.sleep(min(left, 0.005))
    finally:
        if fd >= 0:
            os.close(fd)


def _kill_user(cfg: dict[str, Any]) -> None:
    """SIGKILL every process of the sandbox user (from a child that became that user)."""
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            try:
                _drop(cfg)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


def _read(path: str, uid: int, tail: bool) -> bytes | None:
    """A file the sandbox user wrote (its last bytes for ``tail``); None when unfit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if st.st_uid != uid or (st.st_size > MAX_FILE and not tail):
            return None
        if tail:
            os.lseek(fd, max(st.st_size - TAIL, 0), os.SEEK_SET)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _handle(
    req: dict[str, Any], cfg: dict[str, Any], preloaded: set[str]
) -> tuple[dict[str, Any], list[bytes]]:
    answer: dict[str, Any] = {"state": "", "rc": None, "timed_out": False, "elapsed": 0.0}
    if req["reset"]:
        proc = subprocess.run(
            ["sh", "-c", _RESET, "reset", req["base"], req["patch"]],
            env=cfg["git_env"],
            cwd="/",
            user=cfg["uid"],
            group=cfg["gid"],
            extra_groups=[],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        answer["state"] = proc.stdout.decode(errors="replace").strip()
        if answer["state"]:
            _kill_user(cfg)
            return answer, []
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = _child(req, cfg, preloaded)
        except BaseException:
            pass
        finally:
            os._exit(code)
    status = _wait(pid, req["wall"])
    if status is None:
        answer["timed_out"] = True
        try:
            os.killpg(pid, signal.SIGINT)  # pytest writes the report of finished tests
        except OSError:
            pass
        status = _wait(pid, req["grace"])
    answer["elapsed"] = time.monotonic() - start
    _kill_user(cfg)
    if status is None:
        status = os.waitpid(pid, 0)[1]
    elif os.WIFEXITED(status):
        answer["rc"] = os.WEXITSTATUS(status)
    blobs, sizes = [], {}
    for name in req["files"]:
        data = _read(os.path.join(cfg["out"], name), cfg["uid"], name == "output.log")
        if data is not None:
            sizes[name] = len(data)
            blobs.append(data)
    answer["sizes"] = sizes
    return answer, blobs


def main() -> None:
    import gc

    cfg = json.loads(sys.argv[1])
    preloaded = _preload()
    gc.collect()
    gc.freeze()  # children neither copy nor scan the preloaded objects
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            answer, blobs = _handle(json.loads(line), cfg, preloaded)
        except Exception as exc:
            answer, blobs = {"state": "error", "error": f"{type(exc).__name__}: {exc}"}, []
        out.write(json.dumps(answer).encode() + b"\n")
        for blob in blobs:
            out.write(blob)
        out.flush()


if __name__ == "__main__":
    main()
