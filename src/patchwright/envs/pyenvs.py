"""Interpreters by "X.Y" and cached virtual environments built from them.

:func:`find_python` looks for an interpreter of one minor version: an explicit mapping
first (config or ``--python X.Y=PATH``), then pyenv's ``versions/X.Y.*`` (under
``pyenv root``, ``$PYENV_ROOT`` and ``~/.pyenv``), then ``pythonX.Y`` on PATH.

:func:`ensure_env` gives a venv with a set of requirements, keyed by a hash of the
interpreter's full version and the sorted requirements, shared by every problem and run
that asks for the same. A build happens in a temporary folder under a file lock and is
renamed into place when pip succeeds; a failed build leaves a marker with pip's error tail,
so that the rest of the same run does not try it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.core.errors import PatchwrightError
from patchwright.envs.venvs import patchwright_home

ENV_FORMAT = 1
READY = "patchwright-env.json"
FAILED_SUFFIX = ".failed.json"
PIP_TIMEOUT = 1200.0
ERROR_TAIL = 1500

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")
_PYENV_DIR_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_GENERIC_ERRORS = (
    "subprocess-exited-with-error",
    "legacy-install-failure",
    "metadata-generation-failed",
    "failed-wheel-build-for-install",
    "Failed building wheel",
    "Could not build wheels",
    "Failed to build",
    "Command errored out",
    "See above",
)
_BUILDING = re.compile(
    r"(?:Failed building wheel for|trying to install package\.\s*\S*)"
    r"\s*([A-Za-z0-9][\w.-]*)"
)
_CONFLICT_MARKERS = ("ResolutionImpossible", "conflicting dependencies")
_ENV_DROP = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "PIP_USER",
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_REQUIRE_VIRTUALENV",
    "__PYVENV_LAUNCHER__",
)


class EnvError(PatchwrightError):
    """No interpreter, or the environment could not be built; one line for the user."""


@dataclass(frozen=True)
class Env:
    """A ready virtual environment."""

    python: Path
    """Its interpreter (``bin/python``)."""
    key: str
    path: Path
    python_version: str = ""
    """Full version of the base interpreter, e.g. 3.10.13."""
    requirements: tuple[str, ...] = ()
    build_seconds: float = 0.0
    """Seconds this call spent building it (0 when it was already there)."""
    wait_seconds: float = 0.0
    """Seconds this call waited for another process building the same environment."""
    info: dict[str, object] = field(default_factory=dict, compare=False)


def default_cache_dir() -> Path:
    return patchwright_home() / "envs"


# -- interpreters --------------------------------------------------------------------------


def parse_python_map(items: Sequence[str]) -> dict[str, str]:
    """``["3.10=/usr/bin/python3.10", ...]`` -> ``{"3.10": "/usr/bin/python3.10"}``."""
    out: dict[str, str] = {}
    for item in items:
        version, sep, path = item.partition("=")
        version, path = version.strip(), path.strip()
        if not sep or not _VERSION_RE.match(version) or not path:
            raise EnvError(f"--python takes X.Y=PATH (e.g. 3.10=/usr/bin/python3.10), got {item!r}")
        out[version] = path
    return out


def _pyenv_roots() -> list[Path]:
    roots: list[Path] = []
    exe = shutil.which("pyenv")
    if exe:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            proc = subprocess.run(
                [exe, "root"], capture_output=True, text=True, timeout=20, check=False
            )
            if proc.returncode == 0 and proc.stdout.strip():
                roots.append(Path(proc.stdout.strip()))
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    roots.append(Path.home() / ".pyenv")
    unique: list[Path] = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique


def interpreter_version(python: str | os.PathLike[str]) -> str:
    """Full version (e.g. ``3.10.13``) that ``python`` reports; EnvError when it cannot run."""
    code = "import platform; print(platform.python_version())"
    try:
        proc = subprocess.run(
            [os.fspath(python), "-I", "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EnvError(f"cannot run {python}: {exc}") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnvError(f"cannot run {python}: {tail[:200]}")
    return proc.stdout.strip()


def _matches(python: Path, version: str) -> str | None:
    """Full version of ``python`` when it runs and is ``version`` (X.Y), else None."""
    if not (python.is_file() and os.access(python, os.X_OK)):
        return None
    try:
        full = interpreter_version(python)
    except EnvError:
        return None
    return full if full.split(".")[:2] == version.split(".") else None


def find_python(version: str, explicit: Mapping[str, str] | None = None) -> Path:
    """An interpreter of Python ``version`` ("X.Y"); EnvError naming what was tried."""
    if not _VERSION_RE.match(version):
        raise EnvError(f"not a Python version (X.Y): {version!r}")
    if explicit and version in explicit:
        given = Path(explicit[version]).expanduser()
        if _matches(given, version):
            return given
        raise EnvError(f"the interpreter given for Python {version} is not one: {given}")
    tried: list[str] = []
    for root in _pyenv_roots():
        versions = root / "versions"
        tried.append(f"{versions}/{version}.*")
        found: list[tuple[int, Path]] = []
        with contextlib.suppress(OSError):
            for entry in versions.iterdir():
                m = _PYENV_DIR_RE.match(entry.name)
                if m and f"{m.group(1)}.{m.group(2)}" == version:
                    found.append((int(m.group(3)), entry / "bin" / "python"))
        for _, python in sorted(found, reverse=True):
            if _matches(python, version):
                return python
    name = f"python{version}"
    tried.append(f"{name} on PATH")
    on_path = shutil.which(name)
    if on_path and _matches(Path(on_path), version):
        return Path(on_path)
    raise EnvError(
        f"no Python {version} interpreter (tried {', '.join(tried)}); "
        f"pass --python {version}=/path/to/python"
    )


# -- environments --------------------------------------------------------------------------


def env_key(python_version: str, requirements: Sequence[str], pins: Sequence[str] = ()) -> str:
    """``py3.10-<hash>``: the hash covers the full interpreter version and the sorted specs."""
    spec = {
        "format": ENV_FORMAT,
        "python": python_version,
        "requirements": sorted(r.strip() for r in requirements if r.strip()),
        "pins": sorted(p.strip() for p in pins if p.strip()),
    }
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    minor = ".".join(python_version.split(".")[:2])
    return f"py{minor}-{digest}"


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without what would leak into another interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env.update(PYTHONNOUSERSITE="1", PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(extra or {})
    return env


def _venv_python(path: Path) -> Path:
    return path / "bin" / "python"


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[float]:
    """Hold an exclusive lock on ``lock_path``; yields the seconds spent waiting."""
    started = time.monotonic()
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _run(cmd: list[str], timeout: float, env: dict[str, str]) -> tuple[int | None, str]:
    """Run ``cmd`` in its own session: (exit code or None on timeout, combined output)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        out.seek(0)
        return code, out.read().decode("utf-8", "replace")


def _tail(text: str, limit: int = ERROR_TAIL) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[-20:])[-limit:]


def _first_error(text: str) -> str:
    """The most telling error line of pip's output (and the package it was building), for
    a one-line message."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith("error")]
    specific = [ln for ln in errors if not any(g in ln for g in _GENERIC_ERRORS)]
    pick = (specific or errors or lines[-1:] or ["no output"])[0]
    m = _BUILDING.search(text)
    if m and m.group(1) not in pick:
        pick = f"building {m.group(1)}: {pick}"
    return pick[:300]


def _failure_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{key}{FAILED_SUFFIX}"


def _read_failure(path: Path, run_id: str | None) -> str | None:
    """The recorded error when ``path`` marks a failure of this run, else None."""
    if run_id is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("run_id") != run_id:
        return None
    return str(data.get("message") or "environment build failed earlier in this run")


def ensure_env(
    python_version: str,
    requirements: Sequence[str],
    cache_dir: Path | None = None,
    *,
    pins: Sequence[str] = (),
    pythons: Mapping[str, str] | None = None,
    run_id: str | None = None,
    pip_timeout: float = PIP_TIMEOUT,
    log: Callable[[str], None] | None = None,
) -> Env:
    """A venv of Python ``python_version`` with ``requirements`` and ``pins`` installed.

    ``pins`` are resolved together with ``requirements``; when pip reports them in
    conflict, they are installed in a second step after the requirements (the way
    GitChameleon's own builder installs its test tooling). ``run_id`` names this run:
    a failure recorded under the same id is raised again without retrying.
    """
    cache_dir = Path(cache_dir or default_cache_dir())
    base = find_python(python_version, pythons)
    full = interpreter_version(base)
    reqs = tuple(r.strip() for r in requirements if r.strip())
    pin_list = tuple(p.strip() for p in pins if p.strip())
    key = env_key(full, reqs, pin_list)
    path = cache_dir / key
    python = _venv_python(path)
    if (path / READY).exists() and python.exists():
        return Env(python, key, path, full, reqs + pin_list)
    cache_dir.mkdir(parents=True, exist_ok=True)
    failure = _failure_path(cache_dir, key)
    recorded = _read_failure(failure, run_id)
    if recorded is not None:
        raise EnvError(recorded.splitlines()[0])
    with _locked(cache_dir / f"{key}.lock") as waited:
        if (path / READY).exists() and python.exists():  # built by another process meanwhile
            return Env(python, key, path, full, reqs + pin_list, wait_seconds=waited)
        recorded = _read_failure(failure, run_id)
        if recorded is not None:
            raise EnvError(recorded.splitlines()[0])
        if log:
            log(f"building environment {key}: Python {full}, {' '.join(reqs + pin_list)}")
        started = time.monotonic()
        try:
            info = _build(base, path, reqs, pin_list, pip_timeout)
        except EnvError as exc:
            record = {
                "version": ENV_FORMAT,
                "run_id": run_id,
                "key": key,
                "python": full,
                "requirements": list(reqs),
                "pins": list(pin_list),
                "message": exc.args[0],
                "output_tail": exc.args[1] if len(exc.args) > 1 else "",
            }
            failure.write_text(json.dumps(record, indent=2), encoding="utf-8")
            raise EnvError(exc.args[0]) from None
        failure.unlink(missing_ok=True)
        seconds = time.monotonic() - started
        return Env(python, key, path, full, reqs + pin_list, seconds, waited, info)


def _build(
    base: Path, path: Path, reqs: tuple[str, ...], pins: tuple[str, ...], timeout: float
) -> dict[str, object]:
    """Build into a temporary sibling of ``path`` and rename it into place."""
    if path.exists():  # a leftover without its ready marker
        shutil.rmtree(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    env = clean_env()
    try:
        code, out = _run([str(base), "-m", "venv", str(tmp)], 300, env)
        if code != 0:
            raise EnvError(f"venv creation failed: {_first_error(out)}", _tail(out))
        pip = [str(_venv_python(tmp)), "-m", "pip", "install", "--disable-pip-version-check",
               "--no-input", "--quiet"]
        started = time.monotonic()
        code, out = _run([*pip, *reqs, *pins], timeout, env)
        split = False
        if code != 0 and pins and any(m in out for m in _CONFLICT_MARKERS):
            split = True
            code, out = _run([*pip, *reqs], timeout, env)
            if code == 0:
                code, out = _run([*pip, *pins], timeout, env)
        if code is None:
            raise EnvError(f"pip install timed out after {timeout:g}s", _tail(out))
        if code != 0:
            raise EnvError(f"pip install failed: {_first_error(out)}", _tail(out))
        pip_seconds = time.monotonic() - started
        _, frozen = _run([str(_venv_python(tmp)), "-m", "pip", "freeze", "--all"], 120, env)
        info: dict[str, object] = {
            "version": ENV_FORMAT,
            "base_python": str(base),
            "requirements": list(reqs),
            "pins": list(pins),
            "pins_installed_separately": split,
            "pip_seconds": round(pip_seconds, 1),
            "freeze": frozen.split(),
        }
        (tmp / READY).write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.rename(tmp, path)
        return info
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
