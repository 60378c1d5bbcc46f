"""A scripted test bed: test outcomes come from a function of the patched files, not from
running code. A real class for tests of search and agent logic (selectable in code, not a
mock): it keeps the TestBed contract (apply resets first, unsafe paths refused)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from patchwright.core.diff import PatchError, apply_to_files
from patchwright.core.domain import Patch, TestOutcome, TestResult, TestStatus
from patchwright.core.protocols import Collected, CoverageMap, RunLimits

Oracle = Callable[[Mapping[str, str]], Mapping[str, TestStatus]]
"""Files (base with the patch applied) -> status of every test."""


class ScriptedSandbox:
    def __init__(
        self,
        root: str,
        base_files: Mapping[str, str],
        oracle: Oracle,
        coverage: CoverageMap | None = None,
    ) -> None:
        self._root = root
        self.base_files = dict(base_files)
        self.files = dict(base_files)
        self.oracle = oracle
        self.coverage = coverage or {}
        self.settings: dict[str, object] = {}
        self.runs: list[list[str]] = []
        self.applied: list[str] = []

    @property
    def root(self) -> str:
        return self._root

    def reset(self) -> None:
        self.files = dict(self.base_files)

    def apply(self, patch: Patch) -> bool:
        self.reset()
        try:
            self.files.update(apply_to_files(self.base_files, patch.diff))
        except PatchError:
            return False
        self.applied.append(patch.hash)
        return True

    def run_tests(self, tests: Sequence[str], limits: RunLimits) -> TestResult:
        self.runs.append(list(tests))
        statuses = self.oracle(self.files)
        chosen = list(tests) or list(statuses)
        outcomes: dict[str, TestOutcome] = {}
        failures = 0
        cap = 1 if limits.fail_fast else limits.max_failures
        for test in chosen:
            status = statuses.get(test, TestStatus.ERROR)
            outcomes[test] = TestOutcome(status=status, message="" if status == TestStatus.PASS else "scripted failure")
            if status != TestStatus.PASS:
                failures += 1
                if cap and failures >= cap:
                    break
        return TestResult(tests=outcomes, stopped_early=len(outcomes) < len(chosen))

    def collect(self, limits: RunLimits) -> Collected:
        return Collected(tests=list(self.oracle(self.files)))

    def collect_coverage(self, tests: Sequence[str], limits: RunLimits) -> tuple[TestResult, CoverageMap]:
        return self.run_tests(tests, limits), self.coverage

    def calibrate(self, tests: Sequence[str], limits: RunLimits) -> tuple[TestResult, CoverageMap]:
        return self.collect_coverage(tests, limits)

    def close(self) -> None:
        pass
