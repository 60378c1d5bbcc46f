"""The project's own environment: the interpreter its tests should run with.

Given (``--python PATH``, ``--venv DIR``, ``sandbox.python``) or found, in this order,
without running any tool or touching the network:

1. ``PROJECT/.venv``, then ``PROJECT/venv`` (uv, ``python -m venv``, Poetry in-project);
2. the active ``$VIRTUAL_ENV`` (when it is not the one running Patchwright);
3. Poetry's environment for the project (``poetry.lock`` or ``[tool.poetry]``: the
   ``NAME-HASH-pyX.Y`` folder under its virtualenvs folder; ``$POETRY_VIRTUALENVS_PATH``,
   ``$POETRY_CACHE_DIR``);
4. uv's ``$UV_PROJECT_ENVIRONMENT`` (``uv.lock``);
5. Hatch's default environment (``[tool.hatch]`` or ``hatch.toml``: its configured ``path``,
   else the one folder under ``$HATCH_DATA_DIR/env/virtual/NAME/`` that installs the project).

None found: the interpreter running Patchwright, as before.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from patchwright.envs.spec import EnvError


@dataclass(frozen=True)
class ProjectEnv:
    python: str
    """The interpreter (a path)."""
    how: str
    """Where it came from, for the user (``.venv``, ``$VIRTUAL_ENV``, ``poetry``, ...)."""


def venv_python(folder: Path) -> Path | None:
    """The interpreter of a virtual environment folder (None: not one)."""
    for rel in ("bin/python", "bin/python3", "Scripts/python.exe"):
        path = folder / rel
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def given(python: str = "", venv: str = "") -> ProjectEnv | None:
    """``--python`` / ``--venv`` checked (a bad one: :class:`EnvError`, one line)."""
    if venv:
        found = venv_python(Path(venv).expanduser())
        if found is None:
            raise EnvError(f"not a virtual environment (no bin/python): {venv}")
        return ProjectEnv(str(found), f"--venv {venv}")
    if python:
        path = Path(python).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise EnvError(f"not an executable interpreter: {python}")
        return ProjectEnv(str(path), "--python")
    return None


def _pyproject(project: Path) -> dict[str, object]:
    try:
        return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _table(data: Mapping[str, object], *keys: str) -> dict[str, object]:
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return dict(data)


def poetry_env_name(name: str, project: Path) -> str:
    """Poetry's ``NAME-HASH`` for a project folder (its EnvManager.generate_env_name)."""
    sanitized = re.sub(r'[ $`!*@"\\\r\n\t]', "_", name.lower())[:42]
    normalized = os.path.normcase(os.path.realpath(project))
    digest = hashlib.sha256(normalized.encode()).digest()
    return f"{sanitized}-{base64.urlsafe_b64encode(digest).decode()[:8]}"


def _poetry(project: Path, data: Mapping[str, object], environ: Mapping[str, str]) -> Path | None:
    poetry = _table(data, "tool", "poetry")
    name = str(poetry.get("name") or _table(data, "project").get("name") or "")
    if not name or not (poetry or (project / "poetry.lock").is_file()):
        return None
    home = Path(environ.get("HOME", "~")).expanduser()
    cache = Path(environ.get("POETRY_CACHE_DIR") or environ.get("XDG_CACHE_HOME") or home / ".cache")
    if "POETRY_CACHE_DIR" not in environ:
        cache = cache / "pypoetry"
    folder = Path(environ.get("POETRY_VIRTUALENVS_PATH") or cache / "virtualenvs")
    envs = sorted(folder.glob(poetry_env_name(name, project) + "-py*"), reverse=True)
    return next((p for e in envs if (p := venv_python(e))), None)


def _hatch(project: Path, data: Mapping[str, object], environ: Mapping[str, str]) -> Path | None:
    hatch = _table(data, "tool", "hatch")
    if not hatch and not (project / "hatch.toml").is_file():
        return None
    path = _table(hatch, "envs", "default").get("path")
    if isinstance(path, str) and path:
        return venv_python(project / path)
    name = str(_table(data, "project").get("name") or "")
    home = Path(environ.get("HOME", "~")).expanduser()
    data_dir = Path(
        environ.get("HATCH_DATA_DIR")
        or Path(environ.get("XDG_DATA_HOME", home / ".local/share")) / "hatch"
    )
    found = [p for p in (data_dir / "env" / "virtual" / name).glob(f"*/{name}") if venv_python(p)]
    real = str(project.resolve())
    mine = [p for p in found if any(real in pth.read_text("utf-8", "replace")
                                    for pth in p.glob("lib/python*/site-packages/*.pth"))]  # fmt: skip
    pick = mine or (found if len(found) == 1 else [])
    return venv_python(pick[0]) if pick else None


def discover(project: Path, environ: Mapping[str, str] | None = None) -> ProjectEnv | None:
    """The project's environment found by its files and folders (None: none)."""
    environ = os.environ if environ is None else environ
    for name in (".venv", "venv"):
        found = venv_python(project / name)
        if found is not None:
            return ProjectEnv(str(found), name)
    active = environ.get("VIRTUAL_ENV", "")
    if active and Path(active).resolve() != Path(sys.prefix).resolve():
        found = venv_python(Path(active))
        if found is not None:
            return ProjectEnv(str(found), "$VIRTUAL_ENV")
    data = _pyproject(project)
    uv_env = environ.get("UV_PROJECT_ENVIRONMENT", "")
    if uv_env and (project / "uv.lock").is_file():
        found = venv_python(project / uv_env)
        if found is not None:
            return ProjectEnv(str(found), "uv")
    for how, finder in (("poetry", _poetry), ("hatch", _hatch)):
        found = finder(project, data, environ)
        if found is not None:
            return ProjectEnv(str(found), how)
    return None


def project_python(project: Path, python: str = "", venv: str = "",
                   environ: Mapping[str, str] | None = None) -> ProjectEnv | None:  # fmt: skip
    """The interpreter for the project's tests: given, else found (None: Patchwright's)."""
    return given(python, venv) or discover(project, environ)
