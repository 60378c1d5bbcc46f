"""End-to-end: ``patchwright repair`` on the shipped Java example (examples/java_demo, one
operator bug) through javac, JUnit 4 and JaCoCo, LLM-free; the diff applies and a plain
``javac`` + ``JUnitCore`` run of the tests then passes."""

import glob
import json
import shutil
import subprocess
from pathlib import Path

from patchwright.testing.detect import detect_runner

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "java_demo"
JARS = ["/usr/share/java/junit4.jar", "/usr/share/java/hamcrest-core.jar"]


def test_java_demo_is_repaired_end_to_end(cli, tmp_path):
    proj = tmp_path / "java_demo"
    shutil.copytree(EXAMPLE, proj)
    assert detect_runner(proj) == "junit"
    run = tmp_path / "run"
    res = cli("repair", str(proj), "--out", str(run), "-q", timeout=900)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("diff --git a/src/main/java/demo/Stats.java")
    assert "-            if (values[i] < best) {" in res.stdout
    assert "+            if (values[i] > best) {" in res.stdout
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "plausible" and result["validated"] is True
    assert result["failing_tests"] == ["demo.StatsTest#maxFindsTheLargest"]
    assert "demo.StatsTest#maxOfOne" in result["passing_tests"]
    subprocess.run(["git", "apply", "-"], input=res.stdout, text=True, cwd=proj, check=True)
    classes = tmp_path / "classes"
    sources = glob.glob(str(proj / "src" / "**" / "*.java"), recursive=True)
    cp = ":".join([*JARS, str(classes)])
    subprocess.run(["javac", "-nowarn", "-d", str(classes), "-cp", cp, *sources], check=True)
    done = subprocess.run(["java", "-cp", cp, "org.junit.runner.JUnitCore", "demo.StatsTest"],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert "OK (4 tests)" in done.stdout
