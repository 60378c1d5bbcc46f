"""Frames of failing tests' tracebacks: the project lines (test files left out) a failure
passed through, read from the test outcomes' message and output tails.

Three spellings are read: Python's ``File "PATH", line N, in NAME`` (also behind pytest's
``E`` prefix, as a SyntaxError at import shows it), pytest's ``PATH:N: in NAME`` /
``PATH:N: ExcType`` headers, and the ``(PATH, line N)`` of a one-line error summary, and Java's ``at pkg.C.m(C.java:N)`` (the
source whose package folders and name match). Paths may be absolute (inside the
project root) or relative to it; frames outside the project are dropped. Frames come
outermost first, as the tracebacks print them: the last one is where the error was raised.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from patchwright.core.domain import TestResult
from patchwright.repo.lang import java_frames

_PYTHON = re.compile(r'^(?:E\s)?\s*File "(?P<path>[^"]+)", line (?P<line>\d+)', re.M)
_SUMMARY = re.compile(r"\((?P<path>[^\s(),]+\.py), line (?P<line>\d+)\)")
_PYTEST = re.compile(r"^(?P<path>[^\s:][^:\n]*\.py):(?P<line>\d+): ", re.M)

Frame = tuple[str, int]


def _relative(path: str, root: str) -> str | None:
    if not os.path.isabs(path):
        rel = os.path.normpath(path).replace(os.sep, "/")
        return None if rel.startswith("../") else rel
    real = os.path.realpath(path)
    if not real.startswith(root + os.sep):
        return None
    return os.path.relpath(real, root).replace(os.sep, "/")


def frames(text: str, root: Path | str, include: Callable[[str], bool]) -> list[Frame]:
    """Project frames of one failure's text, outermost first, repeats (recursion) folded."""
    real_root = os.path.realpath(str(root))
    found: list[tuple[int, Frame]] = []
    for pattern in (_PYTHON, _PYTEST, _SUMMARY):
        for m in pattern.finditer(text):
            rel = _relative(m.group("path"), real_root)
            if rel is None or not include(rel) or not (Path(real_root) / rel).is_file():
                continue
            found.append((m.start(), (rel, int(m.group("line")))))
    found.sort()
    out: list[Frame] = []
    for _, frame in found:
        if frame in out:
            out.remove(frame)  # keep the innermost occurrence
        out.append(frame)
    return out


def failing_frames(
    result: TestResult, failing: Iterable[str], root: Path | str, include: Callable[[str], bool]
) -> dict[str, list[Frame]]:
    """Per failing test, its traceback's project frames (tests without any left out)."""
    out: dict[str, list[Frame]] = {}
    java: list[str] | None = None
    for test in failing:
        outcome = result.tests.get(test)
        if outcome is None:
            continue
        text = f"{outcome.output}\n{outcome.message}"
        found = frames(text, root, include)
        if not found and ".java:" in text:
            if java is None:
                java = _java_sources(Path(root))
            # a Java trace prints the innermost frame first
            found = [f for f in reversed(java_frames(text, java)) if include(f[0])]
        if found:
            out[test] = found
    return out


def _java_sources(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*.java") if ".git" not in p.parts
    )  # fmt: skip
