"""What an environment is: the spec asked for (:class:`EnvSpec`), the ready venv that
satisfies it (:class:`Env`) and the one error type of ``envs/`` (:class:`EnvError`)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.core.errors import PatchwrightError

ENV_FORMAT = 1
"""Version of the key recipe and of the files in the cache (ready and failure markers)."""


class EnvError(PatchwrightError):
    """No interpreter, or the environment could not be built; one line for the user
    (``args[1]``, when present, is pip's output tail for the failure marker)."""


def _clean(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(s.strip() for s in items if s and s.strip())


@dataclass(frozen=True)
class EnvSpec:
    """An interpreter and what to install into a venv made from it."""

    python: str = ""
    """``"X.Y"`` (looked up: ``--python`` mapping, pyenv, ``pythonX.Y`` on PATH), a path to
    an interpreter, or ``""`` for the interpreter running patchwright."""
    requirements: tuple[str, ...] = ()
    """pip requirement specifiers."""
    pins: tuple[str, ...] = ()
    """Tooling resolved together with the requirements; installed after them when pip
    reports the two in conflict (GitChameleon's test tooling)."""
    pip_args: tuple[str, ...] = ()
    """Extra ``pip install`` options (an index URL, ``--no-deps``); part of the key."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "python", self.python.strip())
        for name in ("requirements", "pins", "pip_args"):
            object.__setattr__(self, name, _clean(getattr(self, name)))

    def key(self, python_version: str) -> str:
        """``py3.10-<hash>``: the hash covers the interpreter's full version, the sorted
        requirements and pins, and the pip options."""
        data: dict[str, object] = {
            "format": ENV_FORMAT,
            "python": python_version,
            "requirements": sorted(self.requirements),
            "pins": sorted(self.pins),
        }
        if self.pip_args:  # absent when empty: keys of environments built before stay valid
            data["pip_args"] = list(self.pip_args)
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
        minor = ".".join(python_version.split(".")[:2])
        return f"py{minor}-{digest}"


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

    def installed_version(self, dist: str) -> str:
        """The installed version of distribution ``dist`` ("" when it is not installed)."""
        code = f"import importlib.metadata as m; print(m.version({dist!r}))"
        proc = subprocess.run(
            [os.fspath(self.python), "-c", code], capture_output=True, text=True, timeout=120
        )
        return proc.stdout.strip()
