"""Installed versions of libraries in the project's environment, read without importing
them: ``*.dist-info`` folder names of a virtual environment's site-packages, else
``importlib.metadata`` (this interpreter, or one short probe of the project's)."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

_PROBE = (
    "import importlib.metadata as m, json, sys\n"
    "out = {}\n"
    "for n in json.loads(sys.argv[1]):\n"
    "    try:\n"
    "        out[n] = m.version(n)\n"
    "    except Exception:\n"
    "        pass\n"
    "print(json.dumps(out))\n"
)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _site_packages(python: Path) -> list[Path]:
    prefix = python.parent.parent  # venv/bin/python -> venv (the link is not followed)
    return sorted(prefix.glob("lib/python3*/site-packages")) + sorted(
        prefix.glob("Lib/site-packages")
    )


def _from_dist_info(folders: list[Path], wanted: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in folders:
        for info in folder.glob("*.dist-info"):
            name, _, version = info.name.removesuffix(".dist-info").partition("-")
            if _norm(name) in wanted and version:
                found.setdefault(_norm(name), version)
    return found


def installed_versions(libraries: Iterable[str], python: str | None) -> dict[str, str]:
    """Normalized distribution name -> installed version, for those of ``libraries``
    installed in the environment of ``python`` (None: this interpreter)."""
    wanted = {_norm(n) for n in libraries}
    if not wanted:
        return {}
    if python is None or Path(python).absolute() == Path(sys.executable).absolute():
        out = {}
        for name in wanted:
            try:
                out[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
        return out
    folders = _site_packages(Path(python))
    if folders:
        return _from_dist_info(folders, wanted)
    try:
        proc = subprocess.run([python, "-c", _PROBE, json.dumps(sorted(wanted))],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError, IndexError):
        return {}
    return {_norm(k): str(v) for k, v in data.items()}


def version_key(text: str) -> tuple[int, ...]:
    """``2.4.6`` -> (2, 4, 6); pre-release and local parts dropped."""
    out = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        out.append(int(digits.group()))
    return tuple(out)
