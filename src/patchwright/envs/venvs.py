"""Isolated virtual environments for one set of requirements, cached by a hash of the spec
under ``$PATCHWRIGHT_HOME/envs``. Building needs a package index (PyPI)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from patchwright.core.errors import PatchwrightError

ENV_FORMAT = 1
READY = "patchwright-env.json"


class EnvError(PatchwrightError):
    """The environment could not be built; the message is one line for the user."""


def patchwright_home() -> Path:
    default = Path.home() / ".local" / "state" / "patchwright"
    return Path(os.environ.get("PATCHWRIGHT_HOME") or default)


def env_key(requirements: Sequence[str]) -> str:
    spec = {
        "format": ENV_FORMAT,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "requirements": sorted(r.strip() for r in requirements if r.strip()),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def env_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env(
    requirements: Sequence[str],
    *,
    home: Path | None = None,
    log: Callable[[str], None] | None = None,
    timeout: float = 1800.0,
) -> Path:
    """A venv with ``requirements`` installed (reused when already built); returns its python."""
    root = (home or patchwright_home()) / "envs"
    env = root / env_key(requirements)
    python = env_python(env)
    if (env / READY).exists() and python.exists():
        return python
    if env.exists():
        shutil.rmtree(env)
    root.mkdir(parents=True, exist_ok=True)
    if log:
        log(f"building environment {env.name}: {' '.join(requirements)}")
    tmp = env.with_name(env.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    _run([sys.executable, "-m", "venv", str(tmp)], timeout)
    tmp_python = env_python(tmp)
    cmd = [str(tmp_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run(cmd + list(requirements), timeout)
    tmp.rename(env)
    # venv scripts hard-code their path; python -m works regardless, and we only use that.
    (env / READY).write_text(
        json.dumps({"version": ENV_FORMAT, "requirements": list(requirements)}), "utf-8"
    )
    return python


def _run(cmd: list[str], timeout: float) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise EnvError(f"timed out: {' '.join(cmd[:6])}") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        raise EnvError(f"environment build failed ({' '.join(cmd[3:8])}): {tail[0][:300]}")


def installed_version(python: Path, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=120)
    return proc.stdout.strip()
