"""The linter-fix candidate source (the one module that runs ruff): ``ruff check --fix
--unsafe-fixes`` with the performance rule families, on a copy of the files."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

PERF_RULES = ("PERF", "FURB", "SIM", "C4", "UP")


class RuffMissing(RuntimeError):
    """ruff is not installed in Patchwright's interpreter."""


def ruff_fix(files: Mapping[str, str], select: tuple[str, ...] = PERF_RULES, *,
             preview: bool = False, timeout: float = 120.0) -> dict[str, str]:  # fmt: skip
    """The files ruff's fixes changed (path -> new text); the others are left out."""
    if not files:
        return {}
    with tempfile.TemporaryDirectory(prefix="pw-ruff-") as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        cmd = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--quiet",
               "--exit-zero", "--fix", "--unsafe-fixes", "--target-version", "py311",
               *(["--preview"] if preview else []), f"--select={','.join(select)}",
               *sorted(files)]  # fmt: skip
        try:
            done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {}
        if done.returncode != 0 and "No module named ruff" in done.stderr:
            raise RuffMissing("ruff is not installed: pip install ruff")
        out = {}
        for rel, text in files.items():
            new = (root / rel).read_text(encoding="utf-8")
            if new != text:
                out[rel] = new
        return out


__all__ = ["PERF_RULES", "RuffMissing", "ruff_fix"]
