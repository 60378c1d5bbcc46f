"""Checks that keep a validated patch honest (issue 12).

- :func:`test_edits`: the files of a patch that are tests or test configuration. A patch
  that "fixes" a failure by editing the test, a conftest or pytest's options is refused at
  validation unless the user allows it (``allow_test_edits``).
- :func:`flaky_at_base`: the originally failing tests run again at the base commit, in
  the same kind of run as validation (no coverage). One that passes there is flaky (or
  passes only outside coverage runs, as a conftest can arrange): its "fix" proves nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import PurePosixPath

from patchwright.core.domain import Patch, Task, TestStatus
from patchwright.core.protocols import RunLimits, TestBed

TEST_CONFIG_FILES = frozenset(
    {"conftest.py", "pytest.ini", ".pytest.ini", "tox.ini", ".coveragerc", "noxfile.py"}
)
"""Files that configure how tests run or what they report, whatever their contents."""
MIXED_CONFIG_FILES = frozenset({"pyproject.toml", "setup.cfg"})
"""Files that configure tests among other things: test configuration when a changed line
of the patch mentions pytest or its options."""
TEST_DIRS = frozenset({"test", "tests", "testing"})


def _test_module(path: PurePosixPath) -> bool:
    name = path.name
    if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
        return True
    if name.endswith((".java", ".kt")) and path.stem.endswith(("Test", "Tests")):
        return True
    return any(part in TEST_DIRS for part in path.parts[:-1])


def _changed_lines(diff: str, path: str) -> list[str]:
    lines: list[str] = []
    current = ""
    for line in diff.splitlines():
        if line.startswith("+++ ") or line.startswith("--- "):
            name = line[4:].strip()
            if name != "/dev/null":
                current = name[2:] if name[:2] in ("a/", "b/") else name
        elif line[:1] in "+-" and current == path:
            lines.append(line[1:])
    return lines


def test_edits(patch: Patch, test_ids: Sequence[str] = ()) -> list[str]:
    """The files ``patch`` changes that are test modules (including those the task's test
    ids name), test configuration, or pytest settings in a mixed configuration file."""
    named = {t.split("::", 1)[0] for t in test_ids}
    found = []
    for file in patch.files:
        path = PurePosixPath(file)
        mixed = path.name in MIXED_CONFIG_FILES and any(
            "pytest" in line or "addopts" in line for line in _changed_lines(patch.diff, file)
        )
        if mixed or file in named or path.name in TEST_CONFIG_FILES or _test_module(path):
            found.append(file)
    return found


def flaky_at_base(bed: TestBed, task: Task, limits: RunLimits) -> list[str]:
    """The task's failing tests that pass when run again at the base commit."""
    if not task.failing_tests:
        return []
    bed.reset()
    again = bed.run_tests(task.failing_tests, dataclasses.replace(limits, fail_fast=False))
    return [t for t in task.failing_tests if again.status(t) == TestStatus.PASS]
