"""The JUnit runner on a tiny Maven-layout project the test writes: javac, JUnit 4 test by
test, per-test JaCoCo coverage, compile errors as a result (not a crash), selectors,
runner auto-detection. Needs a JDK and the jars scripts/java-setup.sh installs."""

from __future__ import annotations

from pathlib import Path

import pytest

from patchwright.core.domain import TestStatus
from patchwright.core.protocols import RunLimits
from patchwright.repo.git import init_repo
from patchwright.testing.detect import detect_runner
from patchwright.testing.testbed import SandboxTestBed, local_bed

CALC = """package demo;

public class Calc {
    public static int max(int a, int b) {
        if (a < b) {
            return a;
        }
        return b;
    }

    public static int add(int a, int b) {
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
    public void addTwo() {
        assertEquals(4, Calc.add(1, 3));
    }

    @Test
    public void loops() {
        while (Calc.add(0, 0) == 0) { }
    }
}
"""
MAIN = "src/main/java/demo/Calc.java"
TEST = "src/test/java/demo/CalcTest.java"
LIMITS = RunLimits(per_test_timeout=3.0, wall_timeout=240.0)


def _project(root: Path, calc: str = CALC) -> Path:
    for rel, text in ((MAIN, calc), (TEST, TESTS)):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    init_repo(root, "java project")
    return root


@pytest.fixture
def bed(tmp_path: Path) -> SandboxTestBed:
    b = local_bed(_project(tmp_path / "p"), runner="junit")
    yield b
    b.close()


def test_collect_lists_class_hash_method_ids(bed: SandboxTestBed) -> None:
    found = bed.collect(LIMITS)
    assert not found.errors
    assert sorted(found.tests) == ["demo.CalcTest#addTwo", "demo.CalcTest#loops",
                                   "demo.CalcTest#maxOfTwo"]  # fmt: skip


def test_run_gives_per_test_status_and_coverage(bed: SandboxTestBed) -> None:
    result, coverage = bed.collect_coverage([], LIMITS)
    assert not result.compile_error
    assert result.status("demo.CalcTest#addTwo") == TestStatus.PASS
    assert result.status("demo.CalcTest#maxOfTwo") == TestStatus.FAIL
    assert result.status("demo.CalcTest#loops") == TestStatus.TIMEOUT
    failure = result.tests["demo.CalcTest#maxOfTwo"]
    assert "expected:<3> but was:<1>" in failure.message
    assert "CalcTest.java:9" in failure.output
    assert coverage["demo.CalcTest#maxOfTwo"][MAIN] == {5, 6}
    assert coverage["demo.CalcTest#addTwo"] == {MAIN: {12}}  # test classes are no suspects


def test_selectors_by_file_class_and_method(bed: SandboxTestBed) -> None:
    one = bed.run_tests(["demo.CalcTest#addTwo"], LIMITS)
    assert list(one.tests) == ["demo.CalcTest#addTwo"] and not one.failed_ids()
    by_file = bed.run_tests([TEST], LIMITS)
    assert set(by_file.failed_ids()) == {"demo.CalcTest#maxOfTwo", "demo.CalcTest#loops"}
    by_class = bed.run_tests(["demo.CalcTest"], RunLimits(per_test_timeout=3.0, fail_fast=True))
    assert by_class.stopped_early and len(by_class.failed_ids()) == 1


def test_compile_error_is_feedback_not_a_crash(tmp_path: Path) -> None:
    broken = CALC.replace("return a + b;", "return a + ;")
    with local_bed(_project(tmp_path / "p", broken), runner="junit") as b:
        result = b.run_tests(["demo.CalcTest#addTwo"], LIMITS)
    assert "javac failed" in result.compile_error
    assert "Calc.java:12" in result.compile_error
    assert result.status("demo.CalcTest#addTwo") == TestStatus.ERROR


def test_detects_java_projects(tmp_path: Path) -> None:
    assert detect_runner(_project(tmp_path / "p")) == "junit"
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "pom.xml").write_text("<project/>")
    assert detect_runner(tmp_path / "q") == "junit"
    (tmp_path / "q" / "test_x.py").write_text("def test_x():\n    pass\n")
    assert detect_runner(tmp_path / "q") == "pytest"


def test_helpers_beside_the_tests_are_no_suspects(tmp_path: Path) -> None:
    root = tmp_path / "flat"
    files = {
        "programs/Calc.java": "package programs;\n\npublic class Calc {\n"
                              "    public static int one() {\n        return 1;\n    }\n}\n",
        "checks/Oracle.java": "package checks;\n\npublic class Oracle {\n"
                              "    public static boolean same(int a, int b) {\n        return a == b;\n    }\n}\n",
        "checks/CalcTest.java": "package checks;\n\nimport static org.junit.Assert.assertTrue;\n"
                                "import org.junit.Test;\n\npublic class CalcTest {\n    @Test\n"
                                "    public void one() {\n        assertTrue(Oracle.same(2, programs.Calc.one()));\n"
                                "    }\n}\n",
    }  # fmt: skip
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    init_repo(root, "flat layout")
    with local_bed(root, runner="junit") as b:
        result, coverage = b.collect_coverage([], LIMITS)
    assert result.status("checks.CalcTest#one") == TestStatus.FAIL
    assert coverage["checks.CalcTest#one"] == {"programs/Calc.java": {5}}


BIG = """package demo;

import static org.junit.Assert.assertEquals;
import org.junit.Test;

public class BigTest {
    @Test
    public void needsSixHundredMegabytes() {
        int[][] table = new int[25][6400000];
        table[24][6399999] = 7;
        assertEquals(7, table[24][6399999]);
    }
}
"""


def test_the_heap_gets_most_of_the_memory_limit(tmp_path: Path) -> None:
    # 640 MB of arrays under a 2,048 MB address-space limit (a JVM capped at a quarter of
    # the limit ran out of heap here).
    root = _project(tmp_path / "p")
    (root / "src/test/java/demo/BigTest.java").write_text(BIG, encoding="utf-8")
    init_repo(root, "java project", force=True)
    limits = RunLimits(per_test_timeout=20.0, wall_timeout=240.0, memory_mb=2048)
    with local_bed(root, runner="junit") as b:
        result = b.run_tests(["demo.BigTest"], limits)
    assert result.status("demo.BigTest#needsSixHundredMegabytes") == TestStatus.PASS, result.tests


def test_coverage_survives_an_old_asm_on_the_class_path(tmp_path: Path) -> None:
    # Defects4J Lang puts ASM 3 (ClassVisitor an interface) on the class path; JaCoCo's
    # analyser loaded beside it failed with IncompatibleClassChangeError and no test had
    # coverage ("the failing tests execute no project code").
    import subprocess

    fake = tmp_path / "asm" / "org" / "objectweb" / "asm"
    fake.mkdir(parents=True)
    (fake / "ClassVisitor.java").write_text("package org.objectweb.asm;\npublic interface ClassVisitor {}\n")
    subprocess.run(["javac", "--release", "8", "-d", str(tmp_path / "asm-classes"),
                    str(fake / "ClassVisitor.java")], check=True)  # fmt: skip
    jar = tmp_path / "asm-3.jar"
    subprocess.run(["jar", "cf", str(jar), "-C", str(tmp_path / "asm-classes"), "."], check=True)
    with local_bed(_project(tmp_path / "p"), runner="junit", classpath=[str(jar)]) as b:
        result, coverage = b.collect_coverage(["demo.CalcTest#maxOfTwo"], LIMITS)
    assert result.status("demo.CalcTest#maxOfTwo") == TestStatus.FAIL
    assert coverage["demo.CalcTest#maxOfTwo"][MAIN] == {5, 6}


JUNIT3_TEST = """package demo;

import junit.framework.TestCase;

public class Calc3Test extends TestCase {
    public void testAdd() {
        assertEquals(4, Calc.add(1, 3));
    }

    public void testZone() {
        assertEquals("America/Los_Angeles", java.util.TimeZone.getDefault().getID());
    }
}
"""


def test_junit3_classes_run_and_jvm_args_reach_the_test_jvm(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "src/test/java/demo/Calc3Test.java").write_text(JUNIT3_TEST, encoding="utf-8")
    init_repo(root, "java project", force=True)
    with local_bed(root, runner="junit", jvm_args=["-Duser.timezone=Asia/Tokyo"]) as b:
        found = b.collect(LIMITS)
        plain = b.run_tests(["demo.Calc3Test"], LIMITS)
    assert "demo.Calc3Test#testAdd" in found.tests
    assert plain.status("demo.Calc3Test#testAdd") == TestStatus.PASS
    assert plain.status("demo.Calc3Test#testZone") == TestStatus.FAIL
    zone = ["-Duser.timezone=America/Los_Angeles"]
    with local_bed(root, runner="junit", jvm_args=zone) as b:
        zoned = b.run_tests(["demo.Calc3Test#testZone"], LIMITS)
    assert zoned.status("demo.Calc3Test#testZone") == TestStatus.PASS
