"""The fork server: a pytest process that forks one child per test run.

Self-contained on purpose: the host sends this source, after the shared fragment
:mod:`patchwright.sandbox.inproc_pytest`, to the *test* interpreter with
``python -c SOURCE CONFIG_JSON`` (cwd = the workspace root), which may be another virtual
environment, so it must not import patchwright and must stay compatible with older Pythons.
It never imports code from the workspace: it drops the workspace from ``sys.path`` before
importing anything, and refuses plugins that pull workspace modules in or start threads, so
that every child imports the candidate's code fresh from source.

Protocol, one JSON object per line. Start: the server answers ``{"ready": ...}``,
``{"retry": [plugins]}`` (restart without those plugins) or ``{"unusable": reason}``. Each
request (id, args, cwd, env, out, procs, rlimits; ``stop``: the child stops itself once
set up, until the host has put it in the run's cgroups and continues it) gets ``{"id", "pid": N}`` once the child
is set up (own session, in the run's cgroups, limited) and ``{"id", "status": code}``
(``-signal`` when killed) when it has exited. The server exits at end of input.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # never at run time: imports before sys.path is cleaned could hit the workspace
    from typing import Any

if "run_pytest" not in globals():  # imported for tests; sent, the fragment comes first
    from patchwright.sandbox.inproc_pytest import run_pytest

_STARTUP_MODULES = frozenset(sys.modules)
_RLIMITS = ("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_NPROC")


def _inside(path: object, root: str) -> bool:
    if not isinstance(path, str) or not path:
        return False
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)


def _workspace_modules(names: "set[str]", root: str) -> "list[str]":
    """Names of modules in ``names`` loaded from (or spanning) the workspace."""
    found = []
    for name in names:
        mod = sys.modules.get(name)
        paths = list(getattr(mod, "__path__", None) or [])
        if any(_inside(p, root) for p in [getattr(mod, "__file__", None), *paths]):
            found.append(name)
    return found


def _preload(config: "dict[str, Any]", threads: int) -> "dict[str, Any]":
    """Import pytest and the plugins every run will load; the handshake reply."""
    import importlib
    import threading

    root = config["root"]
    before = set(sys.modules)
    import pytest  # noqa: F401
    from _pytest import config as pytest_config

    for name in getattr(pytest_config, "default_plugins", ()):
        try:
            importlib.import_module("_pytest." + name)
        except Exception:
            pass
    bad = _workspace_modules(set(sys.modules) - before, root)
    if bad or threading.active_count() > threads:
        return {"unusable": f"pytest itself loads {bad or 'threads'}"}
    retry, base = [], set(sys.modules)
    for name, module in _plugins(config, root):
        before = set(sys.modules)
        try:
            importlib.import_module(module)
        except Exception:
            continue  # the child imports it again and fails the way a plain run does
        if (
            _workspace_modules(set(sys.modules) - before, root)
            or threading.active_count() > threads
        ):
            retry.append(name)
    if retry:
        return {"retry": retry}
    config["preloaded"] = set(sys.modules) - base
    names = {n.partition(".")[0] for n in set(sys.modules) - _STARTUP_MODULES}
    names.discard("__main__")
    paths = [root] + [p for p in sys.path if _inside(p, root)]
    return {"ready": True, "names": sorted(names), "paths": paths}


def _plugins(config: "dict[str, Any]", root: str) -> "list[tuple[str, str]]":
    """(entry-point name, module) of the pytest11 plugins to import, outside the workspace."""
    import importlib.util

    if not config["autoload"]:
        return [("timeout", "pytest_timeout")]
    from importlib import metadata

    try:
        eps: Any = metadata.entry_points(group="pytest11")
    except TypeError:  # Python < 3.10
        eps = metadata.entry_points().get("pytest11", [])
    found = []
    for ep in eps:
        module = ep.value.partition(":")[0].strip()
        if ep.name in config["skip"] or not module:
            continue
        try:
            spec = importlib.util.find_spec(module.partition(".")[0])
        except Exception:
            continue
        if spec is None:
            continue
        where = [spec.origin, *(spec.submodule_search_locations or [])]
        if not any(_inside(p, root) for p in where):
            found.append((ep.name, module))
    return found


def _marker_slot(name: str) -> "tuple[int, int] | None":
    """(address, length) of ``name``'s value in the environment block /proc shows."""
    try:
        with open("/proc/self/stat") as fh:
            env_start = int(fh.read().rpartition(")")[2].split()[47])
        with open("/proc/self/environ", "rb") as fh:
            block = fh.read()
    except (OSError, IndexError, ValueError):
        return None
    key = name.encode() + b"="
    idx = 0 if block.startswith(key) else block.find(b"\0" + key) + 1
    if idx <= 0 and not block.startswith(key):
        return None
    start = idx + len(key)
    end = block.find(b"\0", start)
    return env_start + start, (end if end >= 0 else len(block)) - start


def _set_marker(slot: "tuple[int, int] | None", value: "str | None") -> None:
    """Show the run's marker in /proc/PID/environ (as an exec'd child would), padded."""
    if slot is None or not value or len(value.encode()) > slot[1]:
        return
    try:
        with open("/proc/self/mem", "r+b", buffering=0) as fh:
            fh.seek(slot[0])
            fh.write(value.encode().ljust(slot[1], b":"))
    except OSError:
        pass


def _contain(req: "dict[str, Any]", slot: "tuple[int, int] | None", marker: str) -> None:
    """What the host's preexec does: session, cgroups, marker, rlimits; then the fds."""
    import resource

    os.setsid()
    pid = str(os.getpid()).encode()
    for path in req["procs"]:
        try:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        except OSError:
            pass
    _set_marker(slot, req["env"].get(marker))
    for name, value in req["rlimits"]:
        which = getattr(resource, name, None)
        if name not in _RLIMITS or which is None:
            continue
        try:
            hard = resource.getrlimit(which)[1]
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (OSError, ValueError):
            pass
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(null)
    os.close(out)


def _run_pytest(req: "dict[str, Any]", preloaded: "set[str]") -> int:
    return run_pytest(req["args"], req["cwd"], req["env"], preloaded)


def _spawn(req: "dict[str, Any]", slot: "tuple[int, int] | None", config: "dict[str, Any]") -> int:
    """Fork a contained child running pytest; return its pid once it is set up."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.close(ready_r)
            if os.getpid() != 1:
                import signal

                signal.signal(signal.SIGINT, signal.default_int_handler)
            _contain(req, slot, config["marker_env"])
            os.write(ready_w, b"1")
            os.close(ready_w)
            if req.get("stop"):  # isolated: the host puts us in the run's cgroups first
                import signal

                os.kill(os.getpid(), signal.SIGSTOP)
            code = _run_pytest(req, config["preloaded"])
        except BaseException:
            try:
                import traceback

                traceback.print_exc()
                sys.stderr.flush()
            except BaseException:
                pass
        finally:
            os._exit(code)
    os.close(ready_w)
    try:
        os.read(ready_r, 1)  # empty when the child died during set-up
    finally:
        os.close(ready_r)
    return pid


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _reply(obj: "dict[str, Any]") -> None:
    import json

    data = (json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(1, data) :]


def main() -> None:
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".", cwd)]
    import gc
    import json
    import threading

    config = json.loads(sys.argv[1])
    config["root"] = root = os.path.realpath(config["root"])
    sys.path[:] = [p for p in sys.path if os.path.realpath(p) != root]
    slot = _marker_slot(config["marker_env"])
    if os.getpid() == 1:  # the namespace's init (isolated): a test's SIGINT must not stop it
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    hello = _preload(config, threading.active_count())
    _reply(hello)
    if not hello.get("ready"):
        return
    gc.collect()
    gc.freeze()  # children neither copy nor scan the preloaded objects
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = os.read(0, 65536)
            if not chunk:
                return
            buf += chunk
        line, _, buf = buf.partition(b"\n")
        rid = None
        try:
            req = json.loads(line)
            rid = req["id"]
            pid = _spawn(req, slot, config)
        except Exception as exc:
            _reply({"id": rid, "error": f"{type(exc).__name__}: {exc}"})
            continue
        status = None
        if req.get("stop"):  # reply once it has stopped (or died trying)
            status = os.waitpid(pid, os.WUNTRACED)[1]
            if os.WIFSTOPPED(status):
                status = None
        _reply({"id": rid, "pid": pid})
        if status is None:
            status = os.waitpid(pid, 0)[1]
        _reply({"id": rid, "status": _exit_code(status)})


if __name__ == "__main__":
    main()
