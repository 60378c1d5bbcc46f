"""One contract for every Sandbox (local, docker) with every TestRunner (pytest, unittest):
real processes, real git, a real Docker engine. The project's tests are plain
``unittest.TestCase`` classes, which both runners run, under the same ids.

Without a Docker engine the docker cases FAIL, unless ``PATCHWRIGHT_NO_DOCKER=1`` is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import git
from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch, TestStatus
from patchwright.core.protocols import RunLimits, Sandbox, TestBed, TestRunner
from patchwright.core.registry import component_config, names, resolve
from patchwright.testing.coverage_data import SETUP_KEY
from patchwright.testing.testbed import SandboxTestBed

MOD = """\
def add(a, b):
    return a - b


def sign(x):
    if x < 0:
        return -1
    return 1
"""
FIXED = MOD.replace("a - b", "a + b")
TESTS = """\
import time
import unittest

import mod


class TestMod(unittest.TestCase):
    def test_add(self):
        self.assertEqual(mod.add(1, 2), 3)

    def test_zero(self):
        self.assertEqual(mod.add(0, 0), 0)

    def test_raise(self):
        raise ValueError("boom")

    @unittest.skip("not now")
    def test_skip(self):
        pass

    def test_sign(self):
        self.assertEqual(mod.sign(-5), -1)


class TestSlow(unittest.TestCase):
    def test_slow(self):
        time.sleep(30)
"""
F = "tests/test_mod.py"
ADD, ZERO, RAISE, SKIP, SIGN = (f"{F}::TestMod::{n}" for n in
                                ("test_add", "test_zero", "test_raise", "test_skip", "test_sign"))  # fmt: skip
SLOW = f"{F}::TestSlow::test_slow"
ALL = [ADD, ZERO, RAISE, SKIP, SIGN, SLOW]
FAST = RunLimits(per_test_timeout=2, wall_timeout=60)
NO_DOCKER = pytest.mark.skipif(
    os.environ.get("PATCHWRIGHT_NO_DOCKER") == "1", reason="PATCHWRIGHT_NO_DOCKER=1"
)
SANDBOXES = [pytest.param(n, marks=NO_DOCKER) if n == "docker" else n for n in names("sandbox")]
RUNNERS = [n for n in names("runner") if n != "junit"]  # Python runners (JUnit: test_java_*)


def _repo(root: Path) -> Path:
    files = {"mod.py": MOD, "tests/__init__.py": "", "tests/test_mod.py": TESTS}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def _sandbox(kind: str, root: Path) -> Sandbox:
    if kind == "docker":
        from patchwright.sandbox.docker import DockerSandbox, DockerUnavailableError

        try:
            return DockerSandbox(root)
        except DockerUnavailableError as exc:
            pytest.fail(f"{exc} (set PATCHWRIGHT_NO_DOCKER=1 to skip the Docker tests)")
    return resolve("sandbox", kind)(root)  # type: ignore[no-any-return]


def _runner(name: str) -> TestRunner:
    cls = resolve("runner", name)
    options = {"plugins": "none"} if name == "pytest" else {}
    return cls(component_config(cls, options))  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=SANDBOXES)
def sandbox_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=RUNNERS)
def bed(
    request: pytest.FixtureRequest, sandbox_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SandboxTestBed]:
    root = _repo(tmp_path_factory.mktemp(f"{sandbox_kind}-{request.param}") / "repo")
    testbed = SandboxTestBed(_sandbox(sandbox_kind, root), _runner(str(request.param)))
    yield testbed
    testbed.close()


def test_bed_keeps_the_protocols(bed: SandboxTestBed) -> None:
    assert isinstance(bed, TestBed)
    assert isinstance(bed.sandbox, Sandbox) and isinstance(bed.runner, TestRunner)
    assert Path(bed.root, "mod.py").read_text() == MOD


def test_collect_finds_every_test_and_runs_none(bed: SandboxTestBed) -> None:
    bed.reset()
    found = bed.collect(FAST)
    assert sorted(found.tests) == sorted(ALL) and not found.errors


def test_per_test_statuses(bed: SandboxTestBed) -> None:
    bed.reset()
    result = bed.run_tests(ALL, FAST)
    assert not result.compile_error, result.output_tail
    assert result.status(ADD) == TestStatus.FAIL
    assert result.status(ZERO) == TestStatus.PASS and result.status(SIGN) == TestStatus.PASS
    assert result.status(RAISE) in (TestStatus.FAIL, TestStatus.ERROR)
    assert "ValueError" in result.tests[RAISE].message
    assert result.status(SKIP) == TestStatus.SKIP
    assert result.status(SLOW) == TestStatus.TIMEOUT
    everything = bed.run_tests([], FAST)
    assert {t: o.status for t, o in everything.tests.items()} == {
        t: o.status for t, o in result.tests.items()
    }


def test_selectors_pick_modules_and_classes(bed: SandboxTestBed) -> None:
    bed.reset()
    by_class = bed.run_tests([f"{F}::TestMod"], FAST)
    assert set(by_class.tests) == {ADD, ZERO, RAISE, SKIP, SIGN}
    one = bed.run_tests([ZERO], FAST)
    assert set(one.tests) == {ZERO} and one.passed(ZERO)


def test_coverage_of_chosen_tests(bed: SandboxTestBed) -> None:
    bed.reset()
    result, coverage = bed.collect_coverage([ADD, SIGN], FAST)
    assert set(result.tests) == {ADD, SIGN}
    assert {t for t in coverage if not t.startswith(SETUP_KEY)} == {ADD, SIGN}
    assert coverage[ADD]["mod.py"] == {2}
    assert coverage[SIGN]["mod.py"] == {6, 7}


def test_apply_and_reset(bed: SandboxTestBed) -> None:
    fix = make_patch({"mod.py": MOD}, {"mod.py": FIXED})
    assert bed.apply(fix)
    assert bed.run_tests([ADD], FAST).passed(ADD)
    bed.reset()
    assert bed.run_tests([ADD], FAST).status(ADD) == TestStatus.FAIL
    extra = "import unittest\n\nclass TestNew(unittest.TestCase):\n    def test_new(self):\n        pass\n"
    assert bed.apply(make_patch({}, {"tests/test_new.py": extra}))
    assert bed.run_tests(["tests/test_new.py"], FAST).passed("tests/test_new.py::TestNew::test_new")
    assert not bed.apply(Patch(diff=make_patch({"mod.py": "other\n"}, {"mod.py": "x\n"}).diff))
    assert sorted(bed.collect(FAST).tests) == sorted(ALL)  # the refused patch left base


def test_syntax_error_is_a_compile_error(bed: SandboxTestBed) -> None:
    assert bed.apply(make_patch({"mod.py": MOD}, {"mod.py": "def add(:\n"}))
    result = bed.run_tests([ADD], FAST)
    assert result.compile_error and not result.passed(ADD)
    bed.reset()


def test_fail_fast_stops_at_the_first_failure(bed: SandboxTestBed) -> None:
    bed.reset()
    result = bed.run_tests([ADD, ZERO], RunLimits(per_test_timeout=2, wall_timeout=60,
                                                  fail_fast=True))  # fmt: skip
    assert result.status(ADD) == TestStatus.FAIL and ZERO not in result.tests
    assert result.stopped_early


def test_wall_timeout_keeps_finished_results(bed: SandboxTestBed) -> None:
    bed.reset()
    result = bed.run_tests([ZERO, SLOW], RunLimits(per_test_timeout=60, wall_timeout=4))
    assert result.timed_out
    assert result.status(SLOW) == TestStatus.TIMEOUT
    assert result.passed(ZERO)
