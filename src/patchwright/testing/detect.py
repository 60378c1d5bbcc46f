"""Which test runner a project uses when the configuration says "auto"."""

from __future__ import annotations

import os
import re
from pathlib import Path

_PYTEST_CONFIG = (("pytest.ini", ""), ("pyproject.toml", "[tool.pytest"),
                  ("setup.cfg", "[tool:pytest]"), ("tox.ini", "[pytest]"))  # fmt: skip
_SKIP = {".git", ".hg", ".tox", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"}
_UNITTEST = re.compile(r"^\s*(import unittest|from unittest\b)", re.M)
_PYTEST = re.compile(r"^\s*(import pytest|from pytest\b|from _pytest\b)", re.M)
_BARE_TEST = re.compile(r"^def test_", re.M)
MAX_FILES = 400


def _test_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        for name in sorted(files):
            if name == "conftest.py" or (
                name.endswith(".py") and (name.startswith("test") or name.endswith("_test.py"))
            ):
                found.append(Path(folder, name))
                if len(found) >= MAX_FILES:
                    return found
    return found


_JAVA_BUILD = ("pom.xml", "build.xml", "build.gradle", "build.gradle.kts")


def _java_project(base: Path) -> bool:
    """A Java build file at the root, or some ``.java`` file (a bounded walk)."""
    if any((base / name).is_file() for name in _JAVA_BUILD):
        return True
    seen = 0
    for _folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        if any(name.endswith(".java") for name in files):
            return True
        seen += len(files)
        if seen > 20 * MAX_FILES:
            return False
    return False


def detect_runner(root: str | os.PathLike[str]) -> str:
    """"unittest" when the project is plainly a unittest suite (no pytest configuration or
    conftest.py, no test file that imports pytest or holds a bare ``def test_`` function,
    and some test file that imports unittest); "junit" when there is no Python test file and
    the project is Java (a pom.xml / build.xml / Gradle file, or .java sources); "pytest"
    otherwise, as before runners could be chosen."""
    base = Path(root)
    for name, marker in _PYTEST_CONFIG:
        path = base / name
        if path.is_file() and (not marker or marker in path.read_text("utf-8", "replace")):
            return "pytest"
    files = _test_files(base)
    if any(f.name == "conftest.py" for f in files):
        return "pytest"
    uses_unittest = False
    for path in files:
        text = path.read_text("utf-8", "replace")
        if _PYTEST.search(text) or _BARE_TEST.search(text):
            return "pytest"
        uses_unittest = uses_unittest or bool(_UNITTEST.search(text))
    if uses_unittest:
        return "unittest"
    return "junit" if not files and _java_project(base) else "pytest"
