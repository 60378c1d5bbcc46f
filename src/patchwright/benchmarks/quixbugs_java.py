"""QuixBugs (Java): the rows of ``quixbugs_java.jsonl`` (``language: java``) laid out as one
small git repository per bug with paths relative to the source root (``java_programs/X.java``,
``java_testcases/junit/X_TEST.java`` and the support files), repaired with the JUnit runner
and the Java templates; a patch is re-checked in a fresh copy against the whole test class."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from patchwright.core.config import RunConfig
from patchwright.core.diff import PatchError, apply_to_files
from patchwright.core.protocols import RunLimits

JAVA_SETTINGS: dict[str, Any] = {"runner": "junit"}
"""What a Java row's run config gets on top of the bench's (the proposers stay generic:
``mutations`` stands for ``java_templates`` in a Java project)."""


def is_java(row: dict[str, Any]) -> bool:
    return row.get("language") == "java"


def java_config(config: RunConfig) -> RunConfig:
    return config.model_copy(update=JAVA_SETTINGS)


def recheck_java(row: dict[str, Any], diff: str, config: RunConfig) -> bool:
    """Apply the patch to a fresh copy of the bug and run its whole JUnit test class."""
    from patchwright.benchmarks.quixbugs import write_bug_repo
    from patchwright.testing.testbed import local_bed

    try:
        patched = apply_to_files({row["buggy_file"]: row["buggy_source"]}, diff)
    except PatchError:
        return False
    if set(patched) != {row["buggy_file"]}:
        return False
    with tempfile.TemporaryDirectory(prefix="pw-recheck-") as tmp:
        repo = Path(tmp) / "repo"
        write_bug_repo(row, repo, patched[row["buggy_file"]])
        bed = local_bed(repo, runner="junit")
        try:
            limits = RunLimits(
                per_test_timeout=10.0,
                wall_timeout=300.0,
                memory_mb=config.sandbox.memory_mb,
                max_processes=config.sandbox.max_processes,
            )
            result = bed.run_tests([row.get("test_class") or row["test_file"]], limits)
        finally:
            bed.close()
        return bool(result.tests) and not result.failed_ids() and not result.compile_error
