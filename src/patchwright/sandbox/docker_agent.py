"""The agent inside a sandbox container: resets the work tree, applies patches and runs
pytest in forked children, one request at a time.

Self-contained on purpose: :mod:`patchwright.sandbox.docker` sends this source, after the
shared fragment :mod:`patchwright.sandbox.inproc_pytest`, to the image's Python (``python -I -c SOURCE CONFIG_JSON``, as root, in a long-lived ``exec``
whose standard input and output carry the protocol), so it must not import patchwright.
It imports pytest and its plugins once (never anything from the work tree: ``-I`` and the
working directory ``/`` keep it off ``sys.path``), and forks a child per run that drops to
the sandbox user (own session, rlimits) and runs ``python -m pytest`` in-process. After
every run it kills every process of the sandbox user.

Protocol: one JSON request per line: ``reset`` (bool), ``base``, ``patch`` (text, "" for
none), ``args`` (arguments of the preloaded pytest) or ``argv`` (a plain process instead),
``env`` (the whole environment), ``write`` (name -> text put in the output folder first),
``wall``, ``grace``, ``mem`` (bytes), ``files`` (names to send back), ``tail`` (bytes of
``output.log`` kept). Answer: one JSON line (``state``: "" |
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
if "run_pytest" not in globals():  # imported for tests; sent, the fragment comes first
    from patchwright.sandbox.inproc_pytest import run_pytest
TAIL = 16000

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


def _drop(cfg: dict[str, Any]) -> None:
    os.setgroups([])
    os.setgid(cfg["gid"])
    os.setuid(cfg["uid"])


def _child(req: dict[str, Any], cfg: dict[str, Any], preloaded: set[str]) -> int:
    """In the forked child: drop to the sandbox user, then ``python -m pytest ARGS``."""
    import resource
    import shutil

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
    for name, text in req.get("write", {}).items():
        with open(os.path.join(out, os.path.basename(name)), "w", encoding="utf-8") as fh:
            fh.write(text)
    if req.get("argv"):  # a plain process (not the preloaded pytest)
        os.chdir(cfg["workspace"])
        os.execvpe(req["argv"][0], req["argv"], req["env"])
    return run_pytest(req["args"], cfg["workspace"], req["env"], preloaded)


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


def _user_pids(uid: int) -> list[int]:
    """Live (not zombie) processes of ``uid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat("/proc/" + entry).st_uid == uid:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        if fh.read().rpartition(b")")[2].split()[:1] != [b"Z"]:
                            pids.append(int(entry))
            except OSError:
                pass
    return pids


def _kill_user(cfg: dict[str, Any]) -> None:
    """SIGKILL every process of the sandbox user. ``kill(-1)`` as that user (real and
    effective uid; the saved uid stays root to come back): no fork needed, so it works
    when a fork bomb holds every pid."""
    for attempt in range(200):
        os.setresuid(cfg["uid"], cfg["uid"], 0)
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass  # nothing left to signal
        finally:
            os.setresuid(0, 0, 0)
        if not _user_pids(cfg["uid"]):
            return
        time.sleep(min(0.001 * (attempt + 1), 0.02))


def _read(path: str, uid: int, tail: int) -> bytes | None:
    """A file the sandbox user wrote (its last ``tail`` bytes if set); None when unfit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if st.st_uid != uid or (st.st_size > MAX_FILE and not tail):
            return None
        if tail:
            os.lseek(fd, max(st.st_size - tail, 0), os.SEEK_SET)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _git(cfg: dict[str, Any], *args: str) -> bool:
    """git as the sandbox user in the work tree (root-owned git dir, private index)."""
    proc = subprocess.run(
        ["git", *args],
        env=cfg["git_env"],
        cwd=cfg["workspace"],
        user=cfg["uid"],
        group=cfg["gid"],
        extra_groups=[],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return proc.returncode == 0


def _remove(path: str) -> None:
    """Remove a file, link or folder without following links (no sandbox process is
    alive at this point, so nothing can swap it meanwhile)."""
    import shutil

    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def _write(path: str, data: bytes, cfg: dict[str, Any]) -> None:
    """A fresh file owned by the sandbox user (never written through a planted link)."""
    _remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        os.write(fd, data)
        os.fchown(fd, cfg["uid"], cfg["gid"])
    finally:
        os.close(fd)


def _reset(cfg: dict[str, Any], base: str, patch: str) -> str:
    """Work tree at ``base`` plus ``patch``: "" done, "apply" the patch did not apply (tree
    at base), "reset" the tree cannot be reset."""
    env, ws = cfg["git_env"], cfg["workspace"]
    _remove(os.path.join(ws, ".git"))
    for name in os.listdir("/tmp"):
        _remove(os.path.join("/tmp", name))
    try:
        with open(os.path.join(env["STATE"], "index"), "rb") as fh:
            _write(env["GIT_INDEX_FILE"], fh.read(), cfg)
    except OSError:
        return "reset"
    if not (_git(cfg, "read-tree", "--reset", "-u", base) and _git(cfg, "clean", "-ffdxq")):
        return "reset"
    _write(os.path.join(ws, ".git"), f"gitdir: {env['STATE']}/git\n".encode(), cfg)
    if patch:
        patch_file = os.path.join(env["STATE"], "run", "patch.diff")
        _write(patch_file, patch.encode(), cfg)
        if not _git(cfg, "apply", "--whitespace=nowarn", patch_file):
            return _reset(cfg, base, "") or "apply"
    return ""


def _handle(
    req: dict[str, Any], cfg: dict[str, Any], preloaded: set[str]
) -> tuple[dict[str, Any], list[bytes]]:
    answer: dict[str, Any] = {"state": "", "rc": None, "timed_out": False, "elapsed": 0.0}
    if req["reset"]:
        started = time.monotonic()
        answer["state"] = _reset(cfg, req["base"], req["patch"])
        answer["reset_seconds"] = time.monotonic() - started
        if answer["state"]:
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
        tail = int(req.get("tail", TAIL)) if name == "output.log" else 0
        data = _read(os.path.join(cfg["out"], name), cfg["uid"], tail)
        if data is not None:
            sizes[name] = len(data)
            blobs.append(data)
    answer["sizes"] = sizes
    return answer, blobs


_WARM_TEST = "def test_warm():\n    assert [1] == [1]\n"


def _warm(cfg: dict[str, Any], preloaded: set[str]) -> set[str]:
    """Run pytest once on a throw-away test as the sandbox user, then import here the
    library modules that run needed (never the test's): later children start warmer."""
    import importlib
    import importlib.util
    import shutil

    folder = "/tmp/pw-warm"
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with open(os.path.join(folder, "test_warm.py"), "w") as fh:
        fh.write(_WARM_TEST)
    os.chown(folder, cfg["uid"], cfg["gid"])
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            args = ["-q", "-p", "no:cacheprovider", "-p", "pytest_timeout", "--timeout=30"]
            env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
            args += ["-o", "junit_family=xunit1", f"--junitxml={folder}/j.xml"]
            req = {"mem": 1 << 40, "env": env, "args": args}
            _child(req, {**cfg, "workspace": folder, "out": folder + "/out"}, preloaded)
            os.write(write_end, "\n".join(sys.modules).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        names = fh.read().decode().split()
    os.waitpid(pid, 0)
    _kill_user(cfg)
    shutil.rmtree(folder, ignore_errors=True)
    prefixes = tuple({sys.prefix, sys.base_prefix, os.path.dirname(os.__file__)})
    before = set(sys.modules)
    for name in sorted(set(names) - before):
        try:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec else None
            if origin in ("built-in", "frozen") or (origin and origin.startswith(prefixes)):
                importlib.import_module(name)
        except Exception:
            pass
    return preloaded | (set(sys.modules) - before)


def main() -> None:
    import gc

    cfg = json.loads(sys.argv[1])
    preloaded = _preload()
    try:
        preloaded = _warm(cfg, preloaded)
    except Exception:
        pass
    gc.collect()
    gc.freeze()  # children neither copy nor scan the preloaded objects
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
            if req.get("hello"):
                answer, blobs = {"ready": True, "preloaded": len(preloaded)}, []
            else:
                answer, blobs = _handle(req, cfg, preloaded)
        except Exception as exc:
            answer, blobs = {"state": "error", "error": f"{type(exc).__name__}: {exc}"}, []
        out.write(json.dumps(answer).encode() + b"\n")
        for blob in blobs:
            out.write(blob)
        out.flush()


if __name__ == "__main__":
    main()
