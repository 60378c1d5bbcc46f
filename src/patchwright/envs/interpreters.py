"""Interpreters: by "X.Y" (an explicit mapping first, i.e. config or ``--python X.Y=PATH``,
then pyenv's ``versions/X.Y.*`` under ``pyenv root``, ``$PYENV_ROOT`` and ``~/.pyenv``,
then ``pythonX.Y`` on PATH), by path, or the one running patchwright; and the process
environment to run another interpreter in."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from patchwright.envs.spec import EnvError

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")
_PYENV_DIR_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
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


def resolve_interpreter(
    python: str, explicit: Mapping[str, str] | None = None
) -> tuple[Path, str]:
    """(interpreter, its full version) for an :attr:`EnvSpec.python` value."""
    if not python:
        return Path(sys.executable), platform.python_version()
    if _VERSION_RE.match(python):
        found = find_python(python, explicit)
        return found, interpreter_version(found)
    path = Path(python).expanduser()
    return path, interpreter_version(path)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without what would leak into another interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env.update(PYTHONNOUSERSITE="1", PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(extra or {})
    return env
