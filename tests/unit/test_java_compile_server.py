"""The JUnit runner's warm javac (testing/junit_compile.py) on a small project the test
writes: the base compiled once, a candidate's changed file alone, the same results and
coverage as a fresh javac per run, compile errors as feedback, classes a run tampered with
compiled again, a deleted file. Needs a JDK and the jars scripts/java-setup.sh installs."""

from __future__ import annotations

import os
from pathlib import Path

from patchwright.core.diff import make_patch
from patchwright.core.domain import TestStatus
from patchwright.core.protocols import RunLimits
from patchwright.repo.git import init_repo
from patchwright.testing.testbed import SandboxTestBed, local_bed

CALC = """package demo;

public class Calc {
    public static int max(int a, int b) {
        if (a < b) {
            return a;
        }
        return b;
    }

    public static int twice(int a) {
        return Helper.add(a, a);
    }
}
"""
HELPER = """package demo;

class Helper {
    static int add(int a, int b) {
        return a + b;
    }
}
"""
TESTS = """package demo;

import static org.junit.Assert.assertEquals;
import org.junit.Test;

public class CalcTest {
    @Test
    public void maxOfTwo() {
        assertEquals(3, Calc.max(1, 3));
    }

    @Test
    public void twiceOfTwo() {
        assertEquals(4, Calc.twice(2));
    }
}
"""
MAIN = "src/main/java/demo/Calc.java"
HELP = "src/main/java/demo/Helper.java"
TEST = "src/test/java/demo/CalcTest.java"
LIMITS = RunLimits(per_test_timeout=10.0, wall_timeout=240.0)
FIXED = CALC.replace("a < b", "a > b")


def _bed(root: Path, **options: object) -> SandboxTestBed:
    for rel, text in ((MAIN, CALC), (HELP, HELPER), (TEST, TESTS)):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    init_repo(root, "java project")
    return local_bed(root, runner="junit", **options)


def _statuses(bed: SandboxTestBed) -> dict[str, TestStatus]:
    result = bed.run_tests(["demo.CalcTest"], LIMITS)
    assert not result.compile_error, result.compile_error
    return {t: o.status for t, o in result.tests.items()}


def test_candidates_compile_only_the_changed_file_with_the_same_results(tmp_path: Path) -> None:
    with _bed(tmp_path / "warm") as warm, _bed(tmp_path / "cold", compile_server=False) as cold:
        server = warm.runner.compile_server(warm.sandbox)  # type: ignore[attr-defined]
        assert server is not None
        assert _statuses(warm) == _statuses(cold)
        assert _statuses(warm)["demo.CalcTest#maxOfTwo"] == TestStatus.FAIL
        assert len(server.compiles) == 2  # the drivers and the base, once
        patch = make_patch({MAIN: CALC}, {MAIN: FIXED})
        for bed in (warm, cold):
            assert bed.apply(patch)
        assert (
            _statuses(warm)
            == _statuses(cold)
            == {
                "demo.CalcTest#maxOfTwo": TestStatus.PASS,
                "demo.CalcTest#twiceOfTwo": TestStatus.PASS,
            }
        )
        assert len(server.compiles) == 3 and not server.disabled
        warm.reset()
        assert _statuses(warm)["demo.CalcTest#maxOfTwo"] == TestStatus.FAIL  # base classes again
        assert len(server.compiles) == 3


def test_a_changed_file_that_another_uses_is_seen(tmp_path: Path) -> None:
    with _bed(tmp_path / "p") as bed:
        bed.run_tests([], LIMITS)
        bed.apply(make_patch({HELP: HELPER}, {HELP: HELPER.replace("a + b", "a - b")}))
        assert _statuses(bed)["demo.CalcTest#twiceOfTwo"] == TestStatus.FAIL


def test_compile_error_is_feedback_with_the_workspace_path(tmp_path: Path) -> None:
    with _bed(tmp_path / "p") as bed:
        bed.run_tests([], LIMITS)
        bed.apply(make_patch({MAIN: CALC}, {MAIN: CALC.replace("return b;", "return b")}))
        result = bed.run_tests(["demo.CalcTest#maxOfTwo"], LIMITS)
        assert "javac failed" in result.compile_error
        assert f"{MAIN}:8" in result.compile_error
        assert str(tmp_path) not in result.compile_error
        assert result.status("demo.CalcTest#maxOfTwo") == TestStatus.ERROR


def test_coverage_of_a_candidate_reads_its_own_classes(tmp_path: Path) -> None:
    with _bed(tmp_path / "p") as bed:
        _, before = bed.collect_coverage([], LIMITS)
        assert before["demo.CalcTest#maxOfTwo"][MAIN] == {5, 6}
        longer = FIXED.replace(
            "            return a;\n", "            int c = a;\n            return c;\n"
        )
        bed.apply(make_patch({MAIN: CALC}, {MAIN: longer}))
        result, after = bed.collect_coverage([], LIMITS)
        assert result.status("demo.CalcTest#maxOfTwo") == TestStatus.PASS
        assert after["demo.CalcTest#maxOfTwo"][MAIN] == {5, 9}  # "return b;" moved down
        assert after["demo.CalcTest#twiceOfTwo"][HELP] == {5}


def test_classes_a_run_changed_are_compiled_again(tmp_path: Path) -> None:
    with _bed(tmp_path / "p") as bed:
        server = bed.runner.compile_server(bed.sandbox)  # type: ignore[attr-defined]
        bed.run_tests([], LIMITS)
        base = [os.path.join(d, f) for d, _, fs in os.walk(server.home) for f in fs
                if f == "Calc.class" and "base-" in d]  # fmt: skip
        assert len(base) == 1
        Path(base[0]).write_bytes(b"not a class")  # what a hostile run could do
        assert _statuses(bed)["demo.CalcTest#maxOfTwo"] == TestStatus.FAIL
        assert len(server.compiles) == 4  # drivers and base twice
        assert not os.path.exists(base[0])


def test_a_deleted_file_compiles_the_whole_project(tmp_path: Path) -> None:
    with _bed(tmp_path / "p") as bed:
        bed.run_tests([], LIMITS)
        inline = CALC.replace("Helper.add(a, a)", "a + a")
        patch = make_patch({MAIN: CALC, HELP: HELPER}, {MAIN: inline})
        assert bed.apply(patch)
        assert _statuses(bed)["demo.CalcTest#twiceOfTwo"] == TestStatus.PASS
        bed.reset()
        (Path(bed.root) / HELP).unlink()  # Calc still needs Helper: the base's class is not used
        assert "javac failed" in bed.run_tests([], LIMITS).compile_error
