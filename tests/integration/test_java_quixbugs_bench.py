"""``patchwright bench quixbugs`` on a Java data file in QuixBugs-Java's layout, written
here (two made-up bugs, not benchmark data): the JUnit runner and the Java templates repair
them, each patch is re-checked against the whole JUnit class, and the summary is labelled
quixbugs-java."""

import json

HELPER = "public class QuixFixOracleHelper {\n}\n"


def _row(name: str, buggy: str, tests: str) -> dict[str, object]:
    return {
        "id": f"quixbugs-java-{name}",
        "language": "java",
        "buggy_file": f"java_programs/{name}.java",
        "buggy_source": buggy,
        "test_file": f"java_testcases/junit/{name}_TEST.java",
        "test_class": f"java_testcases.junit.{name}_TEST",
        "tests": tests,
        "support_files": {"QuixFixOracleHelper.java": HELPER},
    }


def _tests(name: str, cases: list[tuple[str, str]]) -> str:
    body = "".join(
        f"    @org.junit.Test(timeout = 3000)\n    public void test_{i}() throws java.lang.Exception {{\n"
        f"        org.junit.Assert.assertEquals({want}, java_programs.{name}.{call});\n    }}\n\n"
        for i, (call, want) in enumerate(cases)
    )
    return f"package java_testcases.junit;\n\npublic class {name}_TEST {{\n{body}}}\n"


CLAMP = """package java_programs;

public class CLAMP {
    public static int clamp(int x, int lo, int hi) {
        if (x < lo) {
            return lo;
        }
        if (x < hi) {
            return hi;
        }
        return x;
    }
}
"""
COUNT = """package java_programs;

public class COUNT_BELOW {
    public static int count_below(int[] xs, int limit) {
        int n = 0;
        for (int i = 0; i < xs.length - 1; i++) {
            if (xs[i] < limit) {
                n++;
            }
        }
        return n;
    }
}
"""


def test_java_rows_are_repaired_and_rechecked(cli, tmp_path):
    rows = [
        _row(
            "CLAMP",
            CLAMP,
            _tests(
                "CLAMP",
                [("clamp(5, 0, 10)", "5"), ("clamp(-3, 0, 10)", "0"), ("clamp(12, 0, 10)", "10")],
            ),
        ),
        _row(
            "COUNT_BELOW",
            COUNT,
            _tests(
                "COUNT_BELOW",
                [
                    ("count_below(new int[] {1, 2, 3}, 5)", "3"),
                    ("count_below(new int[] {7, 1}, 5)", "1"),
                    ("count_below(new int[] {}, 5)", "0"),
                ],
            ),
        ),
    ]
    data = tmp_path / "qbj.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    res = cli("bench", "quixbugs", "--data", str(data), "--out", str(out), timeout=1200)
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["benchmark"] == "quixbugs-java/mcts"
    assert summary["instances"] == 2
    by_id = {r["id"]: r for r in summary["results"]}
    for r in by_id.values():
        assert r["status"] == "plausible" and r["rechecked"] is True, r
    assert summary["plausible"] == 2
