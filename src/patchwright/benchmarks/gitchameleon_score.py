"""Score a GitChameleon answer: the hidden pytest module (the benchmark's verdict) or the
visible assert script (feedback a solver may use).

Answers are untrusted code. Each run gets a fresh temporary folder, its own session and,
where writable, its own cgroups with memory and process limits (see
:mod:`patchwright.sandbox.limits`); at the wall limit, and at the end of every run, all its
processes are killed. Pytest results come from its JUnit report, not its console output.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from patchwright.benchmarks.gitchameleon_data import Problem
from patchwright.core.domain import TestStatus
from patchwright.core.events import ToolCall
from patchwright.core.protocols import RunLimits
from patchwright.envs import Env, clean_env
from patchwright.sandbox.limits import CGROUP_ROOT, Containment, wait_exit
from patchwright.testing import pytest_junit as junit

HIDDEN_TIMEOUT = 300.0
VISIBLE_TIMEOUT = 120.0
MEMORY_MB = 4096
"""Address-space limit per run: numerical libraries reserve much more than they use."""
MAX_PROCESSES = 256
TAIL_LIMIT = 4000
_ENV_DROP_PREFIXES = ("PYTEST_", "COVERAGE_")
_FAILED = (TestStatus.FAIL, TestStatus.ERROR, TestStatus.TIMEOUT)


@dataclass
class Score:
    passed: bool
    tests_passed: int = 0
    tests_failed: int = 0
    """Failed, erroring and timed-out tests; a collection error counts as one."""
    tests_skipped: int = 0
    timed_out: bool = False
    returncode: int | None = None
    error: str = ""
    """Collection error, or the last exception line (visible script)."""
    failing: tuple[str, ...] = ()
    output_tail: str = ""
    seconds: float = 0.0

    def event(self, tool: str, attempt: int | None = None) -> ToolCall:
        """This run as a trajectory event (``tool``: visible or hidden)."""
        return ToolCall(
            tool=tool, ok=self.passed, failed=list(self.failing), seconds=round(self.seconds, 3),
            passed_count=self.tests_passed, failed_count=self.tests_failed, summary=self.error,
            attempt=attempt,
        )  # fmt: skip

    def to_dict(self, with_output: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data["failing"] = list(self.failing)
        if not with_output:
            data.pop("output_tail")
        return data


def _run_env(private: Path) -> dict[str, str]:
    env = {k: v for k, v in clean_env().items() if not k.startswith(_ENV_DROP_PREFIXES)}
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        PYTHONBREAKPOINT="0",
        MPLBACKEND="Agg",
        MPLCONFIGDIR=str(private / "mpl"),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def run_contained(
    cmd: list[str],
    cwd: Path,
    private: Path,
    timeout: float,
    memory_mb: int = MEMORY_MB,
) -> tuple[int | None, bool, str, float]:
    """Run ``cmd`` contained: (exit code or None, timed out, output tail, seconds)."""
    limits = RunLimits(wall_timeout=timeout, memory_mb=memory_mb, max_processes=MAX_PROCESSES)
    out_path = private / "output.log"
    started = time.monotonic()
    timed_out = False
    with open(out_path, "wb") as out, Containment(CGROUP_ROOT).start(limits) as group:
        proc = group.popen(cmd, cwd=str(cwd), env=_run_env(private), stdout=out.fileno())
        if not wait_exit(proc, timeout):
            timed_out = True
        group.kill()
        try:
            code: int | None = proc.wait(timeout=10)
        except Exception:
            code = None
    seconds = time.monotonic() - started
    text = out_path.read_bytes().decode("utf-8", "replace")
    return (None if timed_out else code), timed_out, text[-TAIL_LIMIT:], seconds


class _Workdir:
    """A fresh temp folder: ``work`` (the candidate's cwd) and a private sibling."""

    def __enter__(self) -> tuple[Path, Path]:
        self.root = Path(tempfile.mkdtemp(prefix="pw-gitchameleon-"))
        work, private = self.root / "work", self.root / "private"
        work.mkdir()
        private.mkdir()
        return work, private

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def run_hidden(
    env: Env, row: Problem, answer: str, timeout: float = HIDDEN_TIMEOUT,
    memory_mb: int = MEMORY_MB,
) -> Score:
    """Write the answer to ``sample_<id>.py`` beside the hidden test module and run pytest."""
    with _Workdir() as (work, private):
        (work / f"{row.module}.py").write_text(answer, encoding="utf-8")
        test_file = f"test_{row.module}.py"
        (work / test_file).write_text(row.hidden_test, encoding="utf-8")
        (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # no outer config
        report = private / "junit.xml"
        cmd = [
            str(env.python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-o", "junit_family=xunit1", f"--junitxml={report}", f"--rootdir={work}",
            test_file,
        ]
        code, timed_out, output, seconds = run_contained(cmd, work, private, timeout, memory_mb)
        xml = report.read_bytes().decode("utf-8", "replace") if report.exists() else None
        result = junit.interpret(
            xml,
            returncode=code,
            requested=[],
            fail_fast=False,
            timed_out=timed_out,
            output=output,
            duration=seconds,
            root=str(work),
        )
    passed = sum(1 for o in result.tests.values() if o.status == TestStatus.PASS)
    skipped = sum(1 for o in result.tests.values() if o.status == TestStatus.SKIP)
    failing = tuple(t for t, o in result.tests.items() if o.status in _FAILED)
    error = result.compile_error
    if not error and code not in (0, 1) and not timed_out:
        error = f"pytest exited with code {code}"
    failed = len(failing) + (1 if error and not failing else 0)
    ok = code == 0 and not timed_out and not error and passed > 0 and failed == 0
    return Score(
        passed=ok,
        tests_passed=passed,
        tests_failed=failed,
        tests_skipped=skipped,
        timed_out=timed_out,
        returncode=code,
        error=error[:500],
        failing=failing,
        output_tail=output,
        seconds=round(seconds, 2),
    )


def run_visible(
    env: Env, row: Problem, answer: str, timeout: float = VISIBLE_TIMEOUT,
    memory_mb: int = MEMORY_MB,
) -> Score:
    """Run the answer module followed by the visible asserts as one script; exit 0 passes."""
    with _Workdir() as (work, private):
        script = work / f"visible_{row.module}.py"
        script.write_text(answer.rstrip("\n") + "\n\n" + row.test + "\n", encoding="utf-8")
        cmd = [str(env.python), script.name]
        code, timed_out, output, seconds = run_contained(cmd, work, private, timeout, memory_mb)
    ok = code == 0 and not timed_out
    error = "" if ok else (
        "timed out" if timed_out else junit.summarize_error(output, str(work)) or f"exit {code}"
    )
    return Score(
        passed=ok,
        tests_passed=int(ok),
        tests_failed=int(not ok),
        timed_out=timed_out,
        returncode=code,
        error=error[:500],
        output_tail=output,
        seconds=round(seconds, 2),
    )
