"""bench defects4j on a made-up framework folder in Defects4J's layout and a project clone
the test builds: the bug rebuilt as the framework does (fixed revision, compile-error patch
of its id range, an ISO-8859-1 file converted, the source patch applied), verified with
javac + JUnit (trigger test fails on buggy, passes on fixed), repaired and re-checked; a
bug whose patch does not apply is unverified with its reason; bad input is one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from patchwright.benchmarks.defects4j_data import checkout, read_bug
from patchwright.core.diff import file_diff
from patchwright.repo.git import head_commit, init_repo

FIXED = """package demo;

// Calc, caf\u00e9 (ISO-8859-1 in the clone)
public class Calc {
    public static int max(int a, int b) {
        if (a > b) {
            return a;
        }
        return b;
    }

    public static int one() {
        return 1;
    }
}
"""
BUGGY = FIXED.replace("a > b", "a < b")
TESTS = """package demo;

import static org.junit.Assert.assertEquals;
import org.junit.Test;

public class CalcTest {
    @Test
    public void maxOfTwo() {
        assertEquals(3, Calc.max(1, 3));
    }

    @Test
    public void same() {
        assertEquals(2, Calc.max(2, 2));
    }
}
"""
MAIN = "src/main/java/demo/Calc.java"
TEST = "src/test/java/demo/CalcTest.java"


def _world(tmp: Path) -> tuple[Path, Path]:
    """A clone (buggy commit, fixed commit; the file in ISO-8859-1 and broken on this JDK
    until its compile-error patch) and a framework folder with two bugs (the second's
    source patch goes the wrong way: it does not apply)."""
    clone = tmp / "repos" / "commons-lang"
    broken = FIXED.replace("return 1;", "return 1")
    (clone / MAIN).parent.mkdir(parents=True)
    (clone / TEST).parent.mkdir(parents=True)
    (clone / MAIN).write_bytes(broken.replace("a > b", "a < b").encode("latin-1"))
    (clone / TEST).write_text(TESTS, encoding="utf-8")
    old = init_repo(clone, "old")
    (clone / MAIN).write_bytes(broken.encode("latin-1"))
    subprocess.run(["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qam", "fix"], check=True)  # fmt: skip
    fixed = head_commit(clone)
    proj = tmp / "d4j" / "framework" / "projects" / "Lang"
    for sub in ("patches", "trigger_tests", "relevant_tests", "compile-errors", "lib"):
        (proj / sub).mkdir(parents=True)
    (proj / "active-bugs.csv").write_text(
        "bug.id,revision.id.buggy,revision.id.fixed,report.id,report.url\n"
        f"1,{old},{fixed},X-1,u\n2,{old},{fixed},X-2,u\n"
    )
    # its hunk is far from the non-ASCII line: it applies to the ISO-8859-1 bytes
    (proj / "compile-errors" / "one-1-2.diff").write_text(file_diff(MAIN, broken, FIXED))
    (proj / "compile-errors" / "other-5-9.diff").write_text("not applied: out of range\n")
    (proj / "patches" / "1.src.patch").write_text(file_diff(MAIN, FIXED, BUGGY))
    (proj / "patches" / "2.src.patch").write_text(file_diff(MAIN, BUGGY, FIXED))  # wrong way
    for n in ("1", "2"):
        (proj / "trigger_tests" / n).write_text("--- demo.CalcTest::maxOfTwo\njava.lang.AssertionError\n")
        (proj / "relevant_tests" / n).write_text("demo.CalcTest\n")
    return tmp / "d4j", tmp / "repos"


def test_checkout_rebuilds_the_buggy_version_as_the_framework_does(tmp_path: Path) -> None:
    home, repos = _world(tmp_path)
    bug = read_bug(home, "Lang", 1)
    assert bug.triggers == ["demo.CalcTest#maxOfTwo"] and bug.relevant == ["demo.CalcTest"]
    notes = checkout(home, repos / "commons-lang", bug, tmp_path / "b", buggy=True)
    assert notes == ["compile-errors/one-1-2.diff", "1 file(s) from ISO-8859-1 to UTF-8"]
    assert (tmp_path / "b" / MAIN).read_text(encoding="utf-8") == BUGGY
    assert not (tmp_path / "b" / "compile-errors").exists()


def test_bench_verifies_repairs_and_rechecks(tmp_path: Path) -> None:
    home, repos = _world(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "patchwright.cli", "bench", "defects4j", "--d4j-home", str(home),
           "--repos", str(repos), "--projects", "Lang", "--bugs", "1-2", "--out", str(out),
           "--max-seconds", "400"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["benchmark"] == "defects4j" and done.stdout.startswith("defects4j: 1 verified of 2")
    by_id = {r["id"]: r for r in summary["results"]}
    assert by_id["Lang-1"]["status"] == "plausible", by_id["Lang-1"]
    assert by_id["Lang-1"]["rechecked"] is True
    assert by_id["Lang-1"]["extra"]["same_as_developer"] is True
    assert by_id["Lang-2"]["status"] == "unverified"
    assert "patch does not apply" in by_id["Lang-2"]["message"] or "fails" in by_id["Lang-2"]["message"]


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "patchwright.cli", "bench", "defects4j", "--d4j-home",
           str(tmp_path), "--repos", str(tmp_path)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
