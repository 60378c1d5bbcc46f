"""The pytest runner: JUnit reports for per-test results, pytest-cov contexts for per-test
coverage, the fork server for warm local runs, and the plugins "auto" choice."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
from patchwright.testing import coverage_data
from patchwright.testing import pytest_junit as junit
from patchwright.testing.forkserver import ForkServer, blocked_plugins
from patchwright.testing.layout import src_folder, workspace_packages

PLUGIN = Path(__file__).with_name("pytest_coverage_plugin.py")

NO_TESTS = "no tests found"
"""How a collection that found nothing (pytest's exit code 5) begins its error."""
COLLECT_LIMIT = 16 * 1024 * 1024
"""Characters of ``--collect-only`` output read (one id a line)."""



_COLLECTING = re.compile(r"^_+ ERROR collecting (?P<path>\S+) _+$")


def _collection_errors(output: str) -> dict[str, str]:
    """pytest's own last ``E`` line per module of its ERRORS section (what failed)."""
    said: dict[str, str] = {}
    current = ""
    for line in output.splitlines():
        if m := _COLLECTING.match(line.strip()):
            current = m.group("path")
        elif line.startswith("E ") and current:
            said[current] = line[1:].strip()[:300]
        elif line.startswith("=") and current:
            current = "" if "short test summary" in line or "ERRORS" not in line else current
    return said

class PytestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plugins: Literal["auto", "all", "none"] = "auto"
    """Installed pytest plugins: "all" loads them (pytest's default), "none" skips them
    (much faster where heavy plugins are installed), "auto" checks at reproduce, on the
    tests it runs there, that they give the same results without them and then skips them."""
    pytest_args: list[str] = Field(default_factory=list)
    fork_server: bool = True
    """Run candidates' tests in children forked from a warm pytest process (3-4x faster,
    local sandbox); coverage runs always use a fresh process."""
    other_threads: bool = False
    """Coverage also measures threads other than the one running the tests (default: not,
    so that a monitor thread's lines do not join every test's spectrum)."""
    workspace_first: bool = True
    """The workspace's ``src/`` comes first on PYTHONPATH, before a copy of the project
    installed into the environment (regular or editable install)."""


class _Named:
    """The warm pytest a container sandbox holds itself (nothing to run here)."""

    name = "pytest"

    def run(self, *args: object) -> None:
        return None


class _ForkWarm:
    """A :class:`ForkServer` as a :class:`~patchwright.core.protocols.WarmStart`."""

    name = "pytest"

    def __init__(self, server: ForkServer) -> None:
        self.server = server

    def run(self, argv, env, out_path, containment, limits, grace):  # type: ignore[no-untyped-def]
        return self.server.run(argv[3:], env, out_path, containment, limits, grace)


class PytestRunner:
    """Implements :class:`patchwright.core.protocols.TestRunner` for pytest. Test ids are
    pytest node ids relative to the workspace root."""

    __test__ = False
    name = "pytest"
    Config = PytestConfig

    @classmethod
    def build(cls, ctx: BuildContext) -> PytestRunner:
        """Options from ``runners.pytest``; the ``sandbox.plugins``, ``sandbox.pytest_args``
        and ``sandbox.fork_server`` keys users already set apply where it is silent."""
        options = dict(ctx.config.runners.get(cls.name, {}))
        sb = ctx.config.sandbox
        for key in ("plugins", "pytest_args", "fork_server"):
            if key in sb.model_fields_set:
                options.setdefault(key, getattr(sb, key))
        config = component_config(cls, options)
        assert isinstance(config, PytestConfig)
        return cls(config)

    def __init__(self, config: PytestConfig | None = None) -> None:
        self.config = config or PytestConfig()
        self.autoload = self.config.plugins != "none"
        self._servers: dict[tuple[str, str, bool], ForkServer] = {}
        self._private = ""
        self._probed = False
        self._missing = ""
        self.timeout_plugin = True
        """pytest-timeout is in the test interpreter (found out at collection)."""

    @property
    def settings(self) -> dict[str, object]:
        return {"autoload_plugins": self.autoload}

    @settings.setter
    def settings(self, value: dict[str, object]) -> None:
        if "autoload_plugins" in value:
            self.autoload = bool(value["autoload_plugins"])

    # -- commands ----------------------------------------------------------------------------

    def _env(self, coverage: bool) -> dict[str, str]:
        env = {} if self.autoload else {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        if coverage:
            env["COVERAGE_FILE"] = f"{SCRATCH}/.coverage"
        return env

    def collect_command(self, sandbox: Sandbox) -> Command:
        argv = [PYTHON, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        argv += [f"--rootdir={WORKDIR}", *self.config.pytest_args]
        return Command(argv=tuple(argv), env=self._env(False), output_limit=COLLECT_LIMIT)

    def parse_collect(self, done: Completed, sandbox: Sandbox) -> Collected:
        found = Collected()
        missing = self._probe(sandbox)
        if missing:
            found.errors.append(missing)
            return found
        if done.error:
            found.errors.append(done.error)
            return found
        why = _collection_errors(done.output)
        for line in done.output.splitlines():
            if line.startswith("ERROR "):
                where = line[6:].strip()
                path = where.split(" - ", 1)[0].strip()
                found.errors.append(f"{path}: {why[path]}" if path in why and " - " not in where
                                    else where)  # fmt: skip
            elif "::" in line and not line.startswith((" ", "=", "_")):
                found.tests.append(line.strip())
        if not found.tests and done.returncode not in (0, 5):
            detail = junit.errors_from_output(done.output, sandbox.workdir)
            found.errors.append(detail or f"pytest exited with code {done.returncode}")
        elif not found.tests and done.returncode == 5:
            found.errors.append(f"{NO_TESTS} (pytest: {junit.pytest_words(done.output)})")
        if done.timed_out:
            found.errors.append("collection hit its wall-clock limit")
        return found

    def _warm(self, sandbox: Sandbox, coverage: bool) -> object | None:
        if not isinstance(sandbox, LocalSandbox):
            return _Named()  # a container keeps its own preloaded pytest
        if coverage or not self.config.fork_server:
            return None
        key = (sandbox.python, sandbox.root, self.autoload)
        server = self._servers.get(key)
        if server is None:
            if not self._private:
                self._private = tempfile.mkdtemp(prefix="patchwright-pytest-")
            log = os.path.join(self._private, f"forkserver-{len(self._servers)}.log")
            server = ForkServer(sandbox.python, sandbox.root, autoload=self.autoload,
                                skip=blocked_plugins(self.config.pytest_args), log=log)  # fmt: skip
            self._servers[key] = server
        return _ForkWarm(server)

    def fork_server(self, sandbox: Sandbox) -> ForkServer | None:
        """The fork server this runner uses for ``sandbox`` now (None: none)."""
        warm = self._warm(sandbox, False)
        return warm.server if isinstance(warm, _ForkWarm) else None

    def run_command(
        self, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits, coverage: bool
    ) -> Command:
        self._probe(sandbox)
        rc = f"{SCRATCH}/coveragerc"
        argv = junit.build_command(
            PYTHON, WORKDIR, f"{SCRATCH}/junit.xml", limits, tests,
            extra_args=self.config.pytest_args, autoload_plugins=self.autoload,
            coverage_rc=rc if coverage else None, timeout_plugin=self.timeout_plugin,
        )  # fmt: skip
        env = {**self._env(coverage), **self._paths(sandbox, coverage)}
        files: dict[str, str] = {}
        if coverage:
            # the packages go to the plugin, which gives them to coverage as source_pkgs
            # where its version has that option (5.3+; an older one rejects the rc file)
            files["coveragerc"] = coverage_data.rc_text(f"{SCRATCH}/.coverage", source=WORKDIR)
            files[f"{junit.COVERAGE_PLUGIN}.py"] = PLUGIN.read_text(encoding="utf-8")
            env.update(PW_COV_RC=rc, PW_COV_FALLBACK=coverage_data.fallback(),
                       PW_COV_PKGS=",".join(workspace_packages(sandbox.root)))  # fmt: skip
            if self.config.other_threads:
                env["PW_COV_THREADS"] = "all"
        return Command(
            argv=tuple(argv),
            env=env,
            files=files,
            fetch=("junit.xml", *((".coverage",) if coverage else ())),
            output_limit=junit.TAIL_LIMIT,
            warm=self._warm(sandbox, coverage),  # type: ignore[arg-type]
        )

    # -- results -----------------------------------------------------------------------------

    def parse_run(
        self, done: Completed, sandbox: Sandbox, tests: Sequence[str], limits: RunLimits
    ) -> TestResult:
        if self._missing and not done.error and done.returncode != 0:
            done = dataclasses.replace(done, error=self._missing)
        if done.error:
            return TestResult(
                compile_error=done.error,
                tests={t: _error(done.error) for t in tests},
                duration=done.duration,
            )
        report = done.files.get("junit.xml")
        return junit.interpret(
            report.decode("utf-8", "replace") if report is not None else None,
            returncode=done.returncode,
            requested=list(tests),
            fail_fast=limits.fail_fast or limits.max_failures > 0,
            timed_out=done.timed_out,
            output=done.output,
            duration=done.duration,
            root=sandbox.workdir,
        )

    def read_coverage(self, done: Completed, sandbox: Sandbox) -> CoverageMap:
        return coverage_data.read_coverage_bytes(
            done.files.get(".coverage"), sandbox.workdir, installed=sandbox.root
        )

    def _paths(self, sandbox: Sandbox, coverage: bool) -> dict[str, str]:
        """PYTHONPATH: the scratch folder (the coverage plugin), then the workspace's
        ``src/`` so that its code comes before a copy installed into the environment."""
        parts = [SCRATCH] if coverage else []
        if self.config.workspace_first and src_folder(sandbox.root):
            parts.append(f"{WORKDIR}/src")
        inherited = os.environ.get("PYTHONPATH", "") if isinstance(sandbox, LocalSandbox) else ""
        if not parts:
            return {}
        return {"PYTHONPATH": os.pathsep.join([*parts, *([inherited] if inherited else [])])}

    def _probe(self, sandbox: Sandbox) -> str:
        """What the test interpreter lacks for our commands ('' when nothing): pytest is a
        must (one line says how to install it); without pytest-timeout only wall limits hold."""
        if self._probed:
            return self._missing
        self._probed = True
        code = "import importlib.util as u; print(*[bool(u.find_spec(m)) for m in ('pytest', 'pytest_timeout')])"
        done = sandbox.execute(Command(argv=(PYTHON, "-c", code)), RunLimits(wall_timeout=60))
        have = done.output.split()[-2:] if done.returncode == 0 else []
        if have and have[0] == "False":
            python = sandbox.python
            self._missing = f"pytest is not installed in {python}: run '{python} -m pip install pytest'"
        if have and have[1] == "False":
            self.timeout_plugin = False
        return self._missing

    def calibrate(
        self, bed: TestBed, tests: Sequence[str], limits: RunLimits
    ) -> tuple[TestResult, CoverageMap]:
        """The coverage run of ``tests``. In plugins "auto", with the installed plugins
        loaded (as pytest would), then once more without them: when that gives the same
        outcomes, later runs skip the plugins."""
        if self.config.plugins != "auto":
            self.autoload = self.config.plugins == "all"
            return bed.collect_coverage(tests, limits)
        self.autoload = True
        result, coverage = bed.collect_coverage(tests, limits)
        self.autoload = False
        lean = bed.run_tests(tests, limits)
        if not (result.tests and _statuses(lean) == _statuses(result)):
            self.autoload = True
        return result, coverage

    def close(self) -> None:
        for server in self._servers.values():
            server.close()
        self._servers.clear()
        if self._private:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = ""


def _statuses(result: TestResult) -> dict[str, TestStatus]:
    return {t: o.status for t, o in result.tests.items()}


def _error(message: str) -> TestOutcome:
    return TestOutcome(status=TestStatus.ERROR, message=message[: junit.MESSAGE_LIMIT])
