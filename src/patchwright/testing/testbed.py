"""A TestBed: one sandbox and one test runner, the seam the pipeline and the search use."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from patchwright.core.domain import Patch, TestResult
from patchwright.core.protocols import Collected, CoverageMap, RunLimits, Sandbox, TestRunner
from patchwright.core.registry import component_config, resolve
from patchwright.sandbox.local import LocalSandbox


class SandboxTestBed:
    """Implements :class:`patchwright.core.protocols.TestBed`: the runner builds each
    command and reads its results, the sandbox runs it."""

    __test__ = False

    def __init__(self, sandbox: Sandbox, runner: TestRunner) -> None:
        self.sandbox = sandbox
        self.runner = runner

    @property
    def root(self) -> str:
        return self.sandbox.root

    @property
    def settings(self) -> dict[str, object]:
        return self.runner.settings

    @settings.setter
    def settings(self, value: dict[str, object]) -> None:
        self.runner.settings = value

    def reset(self) -> None:
        self.sandbox.reset()

    def apply(self, patch: Patch) -> bool:
        return self.sandbox.apply(patch)

    def collect(self, limits: RunLimits) -> Collected:
        done = self.sandbox.execute(self.runner.collect_command(self.sandbox), limits)
        return self.runner.parse_collect(done, self.sandbox)

    def run_tests(self, tests: Sequence[str], limits: RunLimits) -> TestResult:
        command = self.runner.run_command(self.sandbox, tests, limits, coverage=False)
        done = self.sandbox.execute(command, limits)
        return self.runner.parse_run(done, self.sandbox, tests, limits)

    def collect_coverage(
        self, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        command = self.runner.run_command(self.sandbox, tests, limits, coverage=True)
        done = self.sandbox.execute(command, limits)
        result = self.runner.parse_run(done, self.sandbox, tests, limits)
        return result, self.runner.read_coverage(done, self.sandbox)

    def calibrate(
        self, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        return self.runner.calibrate(self, tests, limits)

    def close(self) -> None:
        try:
            self.runner.close()
        finally:
            self.sandbox.close()

    def __enter__(self) -> SandboxTestBed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def local_bed(
    root: str | os.PathLike[str],
    *,
    runner: str = "pytest",
    python: str | None = None,
    env: Mapping[str, str] | None = None,
    cgroups: bool = True,
    **options: Any,
) -> SandboxTestBed:
    """A local sandbox on ``root`` with the runner named ``runner`` (core.registry), its
    Config built from ``options`` (e.g. ``plugins="none"``, ``pytest_args=[...]``)."""
    cls = resolve("runner", runner)
    sandbox = LocalSandbox(root, python=python, env=env, cgroups=cgroups)
    return SandboxTestBed(sandbox, cls(component_config(cls, options)))
