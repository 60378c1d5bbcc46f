"""The JUnit runner: a Java project compiled with ``javac`` and its JUnit 4 tests run test
by test by a small driver (:mod:`patchwright.testing.junit_driver` and ``PwJUnit.java``) in
the sandbox, one JSON line per test; per-test line coverage from the JaCoCo agent when the
Debian ``libjacoco-java`` jars are there (``scripts/java-setup.sh``).

Test ids are ``pkg.Class#method``; a class name or a test file's path selects its tests.
A compile error (a candidate that does not compile) is the result's ``compile_error``, the
candidate's feedback, not a crash."""

from __future__ import annotations

import json
import os
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
from patchwright.sandbox.local import LocalSandbox
from patchwright.testing.junit_compile import CompileServer
from patchwright.testing.outcomes import finish

HERE = Path(__file__).parent
DRIVER_FILES = {
    "pw_junit.py": HERE / "junit_driver.py",
    "PwJUnit.java": HERE / "java" / "PwJUnit.java",
    "PwCoverage.java": HERE / "java" / "PwCoverage.java",
}
RESULTS = "results.jsonl"
TAIL_LIMIT = 4000
_STATUS = {
    "pass": TestStatus.PASS,
    "fail": TestStatus.FAIL,
    "error": TestStatus.ERROR,
    "skip": TestStatus.SKIP,
    "timeout": TestStatus.TIMEOUT,
}
JUNIT_JARS = ("junit4.jar", "hamcrest-core.jar")
JACOCO_JARS = ("org.jacoco.core.jar", "asm.jar", "asm-commons.jar", "asm-tree.jar")
AGENT_JAR = "org.jacoco.agent.jar"
"""Debian's jar holds the agent itself as ``jacocoagent.jar`` (the driver unpacks it)."""


class JUnitConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jar_dir: str = "/usr/share/java"
    """Where junit4.jar, hamcrest-core.jar and the JaCoCo jars are (Debian's place)."""
    classpath: list[str] = []
    """More jars or class folders (relative to the workspace, or absolute)."""
    release: str = "11"
    """``javac --release`` (JaCoCo 0.8.6 reads class files up to Java 16)."""
    jvm_args: list[str] = []
    """More options for the test JVM (``-Duser.timezone=America/Los_Angeles``, as Defects4J
    runs its tests)."""
    coverage: bool = True
    """Per-test JaCoCo coverage in coverage runs (off, or no JaCoCo: no coverage)."""
    compile_server: bool = True
    """Compile in a warm javac per local workspace, only the files a candidate changed
    (:mod:`patchwright.testing.junit_compile`); off: a fresh javac in each run."""


class JUnitRunner:
    """Implements :class:`patchwright.core.protocols.TestRunner` for JUnit 4."""

    __test__ = False
    name = "junit"
    Config = JUnitConfig

    @classmethod
    def build(cls, ctx: BuildContext) -> JUnitRunner:
        config = component_config(cls, ctx.config.runners.get(cls.name))
        assert isinstance(config, JUnitConfig)
        return cls(config)

    def __init__(self, config: JUnitConfig | None = None) -> None:
        self.config = config or JUnitConfig()
        self.settings: dict[str, object] = {}
        self._servers: dict[str, CompileServer] = {}

    def _jars(self, names: Sequence[str]) -> list[str]:
        paths = [os.path.join(self.config.jar_dir, n) for n in names]
        return [p for p in paths if os.path.isfile(p)]

    def _jacoco(self) -> list[str]:
        jacoco = self._jars(JACOCO_JARS) if self.config.coverage else []
        return jacoco if len(jacoco) == len(JACOCO_JARS) and self._jars((AGENT_JAR,)) else []

    def compile_server(self, sandbox: Sandbox) -> CompileServer | None:
        """The warm javac this runner uses for ``sandbox`` (None: compiles in each run)."""
        if not self.config.compile_server or not isinstance(sandbox, LocalSandbox):
            return None
        server = self._servers.get(sandbox.root)
        if server is None:
            private = os.path.dirname(sandbox.scratch)
            server = CompileServer(sandbox.root, private, sandbox.containment.isolation)
            self._servers[sandbox.root] = server
        return server

    def _precompile(self, sandbox: Sandbox) -> dict[str, object]:
        server = self.compile_server(sandbox)
        if server is None:
            return {}
        jars = self._jars(JUNIT_JARS) + self._jacoco()
        extra = [os.path.join(sandbox.root, p) for p in self.config.classpath]
        drivers = [DRIVER_FILES["PwJUnit.java"]]
        if self._jacoco():
            drivers.append(DRIVER_FILES["PwCoverage.java"])
        fields = server.prepare(jars + extra, self.config.release, [str(d) for d in drivers])
        return fields or {}

    def _command(
        self, sandbox: Sandbox, mode: str, tests: Sequence[str], limits: RunLimits | None,
        coverage: bool,
    ) -> Command:
        extra = [p if os.path.isabs(p) else f"{WORKDIR}/{p}" for p in self.config.classpath]
        jacoco = self._jacoco() if coverage else []
        agent = self._jars((AGENT_JAR,))
        request = {
            "mode": mode,
            "root": WORKDIR,
            "scratch": SCRATCH,
            "tests": list(tests),
            "timeout": limits.per_test_timeout if limits else 0,
            "max_failures": (1 if limits.fail_fast else limits.max_failures) if limits else 0,
            "coverage": bool(jacoco),
            "release": self.config.release,
            "classpath": self._jars(JUNIT_JARS) + extra,
            "jacoco": jacoco,
            "agent": agent[0] if agent else "",
            "memory_mb": limits.memory_mb if limits else 2048,
            "jvm_args": list(self.config.jvm_args),
            "out": f"{SCRATCH}/{RESULTS}",
            **self._precompile(sandbox),
        }
        files = {name: path.read_text(encoding="utf-8") for name, path in DRIVER_FILES.items()}
        files["request.json"] = json.dumps(request)
        # -S: the driver needs the standard library only (no site-packages, faster start)
        argv = (PYTHON, "-S", f"{SCRATCH}/pw_junit.py", f"{SCRATCH}/request.json")
        return Command(argv=argv, files=files, fetch=(RESULTS,), output_limit=TAIL_LIMIT)

    def collect_command(self, sandbox: Sandbox) -> Command:
        return self._command(sandbox, "collect", (), None, False)

    def parse_collect(self, done: Completed, sandbox: Sandbox) -> Collected:
        found = Collected()
        rows, finished = _rows(done)
        for row in rows:
            if "collected" in row:
                found.tests.append(str(row["collected"]))
            elif "collection_error" in row or "compile_error" in row:
                found.errors.append(str(row.get("collection_error") or row["compile_error"]))
        if done.error:
            found.errors.append(done.error)
        elif not finished:
            found.errors.append(_crash(done, rows))
        return found

    def run_command(
        self, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits, coverage: bool
    ) -> Command:
        return self._command(sandbox, "run", tests, limits, coverage)

    def parse_run(
        self, done: Completed, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits
    ) -> TestResult:
        rows, finished = _rows(done)
        outcomes: dict[str, TestOutcome] = {}
        errors: list[str] = []
        stopped = False
        for row in rows:
            if "compile_error" in row or "collection_error" in row:
                errors.append(str(row.get("compile_error") or row["collection_error"]))
            elif row.get("stopped"):
                stopped = True
            elif "id" in row:
                outcomes[str(row["id"])] = TestOutcome(
                    status=_STATUS.get(str(row.get("status")), TestStatus.ERROR),
                    duration=float(str(row.get("duration") or 0.0)),
                    message=str(row.get("message") or ""),
                    output=str(row.get("output") or ""),
                )
        compile_error = done.error or "\n".join(errors)
        if not compile_error and not finished and not done.timed_out:
            compile_error = _crash(done, rows)
        if not compile_error and tests and not outcomes and finished:
            compile_error = "no tests collected"
        return finish(done, tests, outcomes, compile_error, stopped,
                      lambda t: any(_selects(t, k) for k in outcomes), TAIL_LIMIT)

    def read_coverage(self, done: Completed, sandbox: Sandbox) -> CoverageMap:
        result: CoverageMap = {}
        for row in _rows(done)[0]:
            files = row.get("files")
            if "cov" in row and isinstance(files, dict):
                target = result.setdefault(str(row["cov"]), {})
                for path, lines in files.items():
                    target.setdefault(str(path), set()).update(int(n) for n in lines)
        return result

    def calibrate(
        self, bed: TestBed, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        return bed.collect_coverage(tests, limits)

    def close(self) -> None:
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.close()


def _selects(selector: str, test_id: str) -> bool:
    """``selector`` (a class name, or a test file's path: ``src/test/java/pkg/Cls.java``
    selects ``pkg.Cls``, whatever folders lie above the package) covers ``test_id``."""
    cls = test_id.split("#", 1)[0]
    if selector.endswith(".java"):
        return ("." + selector[:-5].replace("/", ".")).endswith("." + cls)
    return selector == cls


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


def _crash(done: Completed, rows: Sequence[dict[str, object]]) -> str:
    said = [str(r["crash"]) for r in rows if "crash" in r]
    lines = [ln.strip() for ln in done.output.splitlines() if ln.strip()]
    detail = said[0] if said else (lines[-1] if lines else f"exit code {done.returncode}")
    return f"the JUnit run crashed: {detail}"[:500]
