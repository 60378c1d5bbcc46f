"""The unittest runner: stdlib ``unittest`` suites run test by test by a small driver
(:mod:`patchwright.testing.unittest_driver`) in the sandbox, one JSON line per test; per-test
coverage from ``python -m coverage run`` with coverage.py's ``test_function`` contexts.

Test ids are ``path/to/test_mod.py::Class::method`` (the path relative to the workspace
root), the id pytest gives the same test, so ``--test`` selectors read the same with either
runner; ``path/to/test_mod.py`` and ``path/to/test_mod.py::Class`` select groups, and
dotted names (``pkg.test_mod.Class.method``) work too. Lines run in ``setUp`` are not
attributed to the test (coverage.py starts the context at the test method)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from patchwright.core.domain import TestOutcome, TestResult, TestStatus
from patchwright.core.protocols import (
    PYTHON,
    SCRATCH,
    WORKDIR,
    BuildContext,
    Collected,
    Command,
    Completed,
    CoverageMap,
    RunLimits,
    Sandbox,
    TestBed,
)
from patchwright.core.registry import component_config
from patchwright.testing import coverage_data
from patchwright.testing.layout import src_folder, workspace_packages
from patchwright.testing.outcomes import finish
from patchwright.testing.pytest_junit import aggregate

DRIVER = Path(__file__).with_name("unittest_driver.py")
RESULTS = "results.jsonl"
TAIL_LIMIT = 4000
_STATUS = {
    "pass": TestStatus.PASS,
    "fail": TestStatus.FAIL,
    "error": TestStatus.ERROR,
    "skip": TestStatus.SKIP,
    "timeout": TestStatus.TIMEOUT,
}


class UnittestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_dir: str = "."
    """Where discovery starts (relative to the workspace; "." also tries tests/ and test/
    when they are plain folders)."""
    pattern: str = "test*.py"


class UnittestRunner:
    """Implements :class:`patchwright.core.protocols.TestRunner` for stdlib unittest."""

    __test__ = False
    name = "unittest"
    Config = UnittestConfig

    @classmethod
    def build(cls, ctx: BuildContext) -> UnittestRunner:
        config = component_config(cls, ctx.config.runners.get(cls.name))
        assert isinstance(config, UnittestConfig)
        return cls(config)

    def __init__(self, config: UnittestConfig | None = None) -> None:
        self.config = config or UnittestConfig()
        self.settings: dict[str, object] = {}

    def _command(
        self, mode: str, tests: Sequence[str], limits: RunLimits | None, coverage: bool,
        root: str = "",
    ) -> Command:
        request = {
            "mode": mode,
            "root": WORKDIR,
            "start": self.config.start_dir,
            "pattern": self.config.pattern,
            "tests": list(tests),
            "timeout": limits.per_test_timeout if limits else 0,
            "max_failures": (1 if limits.fail_fast else limits.max_failures) if limits else 0,
            "out": f"{SCRATCH}/{RESULTS}",
        }
        files = {
            "pw_unittest.py": DRIVER.read_text(encoding="utf-8"),
            "request.json": json.dumps(request),
        }
        argv = [PYTHON, f"{SCRATCH}/pw_unittest.py", f"{SCRATCH}/request.json"]
        fetch: tuple[str, ...] = (RESULTS,)
        if coverage:
            files["coveragerc"] = coverage_data.rc_text(
                f"{SCRATCH}/.coverage", source=WORKDIR, dynamic_context="test_function",
                packages=workspace_packages(root) if root else (),
            )  # fmt: skip
            argv[1:1] = ["-m", "coverage", "run", f"--rcfile={SCRATCH}/coveragerc"]
            fetch += (".coverage",)
        # the workspace's src/ before a copy of the project installed into the environment
        env = {"PYTHONPATH": f"{WORKDIR}/src"} if root and src_folder(root) else {}
        return Command(argv=tuple(argv), env=env, files=files, fetch=fetch,
                       output_limit=TAIL_LIMIT)  # fmt: skip

    def collect_command(self, sandbox: Sandbox) -> Command:
        return self._command("collect", (), None, False, sandbox.root)

    def parse_collect(self, done: Completed, sandbox: Sandbox) -> Collected:
        found = Collected()
        rows, finished = _rows(done)
        for row in rows:
            if "collected" in row:
                found.tests.append(str(row["collected"]))
            elif "collection_error" in row:
                found.errors.append(str(row["collection_error"]))
        if done.error:
            found.errors.append(done.error)
        elif not finished:
            found.errors.append(_crash(done))
        return found

    def run_command(
        self, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits, coverage: bool
    ) -> Command:
        return self._command("run", tests, limits, coverage, sandbox.root)

    def parse_run(
        self, done: Completed, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits
    ) -> TestResult:
        rows, finished = _rows(done)
        outcomes: dict[str, TestOutcome] = {}
        errors: list[str] = []
        stopped = False
        for row in rows:
            if "collection_error" in row:
                errors.append(str(row["collection_error"]))
            elif row.get("stopped"):
                stopped = True
            elif "id" in row:
                outcomes[str(row["id"])] = TestOutcome(
                    status=_STATUS.get(str(row.get("status")), TestStatus.ERROR),
                    duration=float(row.get("duration") or 0.0),
                    message=str(row.get("message") or ""),
                    output=str(row.get("output") or ""),
                )
        compile_error = done.error or "\n".join(errors)
        if not compile_error and not finished and not done.timed_out:
            compile_error = _crash(done)  # the driver died: what ran, ran
        if not compile_error and tests and not outcomes and finished:
            compile_error = "no tests collected"
        whole = {t: w for t in tests if t.endswith(".py") and t not in outcomes
                 and (w := aggregate(t, outcomes))}  # a module asked for by its path: one outcome too
        return finish(done, tests, {**outcomes, **whole}, compile_error, stopped,
                      lambda t: any(k.startswith(t + "::") for k in outcomes), TAIL_LIMIT)

    def read_coverage(self, done: Completed, sandbox: Sandbox) -> CoverageMap:
        ids: dict[str, list[str]] = {}
        for row in _rows(done)[0]:
            if "id" in row and row.get("context"):
                ids.setdefault(str(row["context"]), []).append(str(row["id"]))
        per_context = coverage_data.read_coverage_bytes(
            done.files.get(".coverage"), sandbox.workdir, lambda c: c or None,
            installed=sandbox.root,
        )  # fmt: skip
        result: CoverageMap = {}
        for context, files in per_context.items():
            for tid in ids.get(context, []):
                target = result.setdefault(tid, {})
                for path, lines in files.items():
                    target.setdefault(path, set()).update(lines)
        return result

    def calibrate(
        self, bed: TestBed, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        return bed.collect_coverage(tests, limits)

    def close(self) -> None:
        pass


def _rows(done: Completed) -> tuple[list[dict[str, object]], bool]:
    """The driver's JSON lines and whether it finished."""
    rows: list[dict[str, object]] = []
    text = done.files.get(RESULTS, b"").decode("utf-8", "replace")
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows, any(row.get("done") for row in rows)


def _crash(done: Completed) -> str:
    lines = [ln.strip() for ln in done.output.splitlines() if ln.strip()]
    detail = lines[-1] if lines else f"exit code {done.returncode}"
    return f"the unittest run crashed: {detail}"[:500]
