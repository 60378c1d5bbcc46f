"""Java as a language: file and project language, the proposer that stands for the
generic one, test ids, stack-trace frames to source paths, and the tree-sitter index of a
Java file (classes, methods, skeleton)."""

from pathlib import Path

from patchwright.repo.index import CodeIndex, java_parses
from patchwright.repo.lang import (
    java_frames,
    java_test_id,
    language_of,
    project_language,
    proposer_for,
    split_java_test_id,
)

SRC = """package demo;

/** Sums. */
public class Calc {
    /** Adds. */
    public static int add(int a, int b) {
        return a + b;
    }

    static class Inner {
        void run() { }
    }
}
"""
TRACE = """java.lang.ArrayIndexOutOfBoundsException: Index 3 out of bounds for length 3
\tat demo.Calc.add(Calc.java:7)
\tat demo.Calc$Inner.run(Calc.java:11)
\tat java.base/java.util.ArrayList.get(ArrayList.java:427)
\tat demo.CalcTest.adds(CalcTest.java:9)
"""


def test_languages_and_proposers(tmp_path: Path) -> None:
    assert language_of("a/B.java") == "java" and language_of("x.py") == "python"
    assert language_of("README.md") is None
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Calc.java").write_text(SRC)
    assert project_language(tmp_path) == "java"
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.py").write_text("")
    assert project_language(tmp_path) == "python"
    assert proposer_for("mutations", "java") == "java_templates"
    assert proposer_for("mutations", "python") == "mutations"
    assert proposer_for("llm", "java") == "llm"


def test_test_ids_and_frames() -> None:
    assert java_test_id("demo.CalcTest", "adds") == "demo.CalcTest#adds"
    assert split_java_test_id("demo.CalcTest#adds") == ("demo.CalcTest", "adds")
    assert split_java_test_id("demo.CalcTest") == ("demo.CalcTest", "")
    sources = ["src/main/java/demo/Calc.java", "src/test/java/demo/CalcTest.java"]
    assert java_frames(TRACE, sources) == [
        ("src/main/java/demo/Calc.java", 7),
        ("src/main/java/demo/Calc.java", 11),
        ("src/test/java/demo/CalcTest.java", 9),
    ]


def test_index_reads_java() -> None:
    index = CodeIndex({"src/demo/Calc.java": SRC})
    names = [c.name for c in index.chunks()]
    assert names == ["Calc", "Calc.add", "Calc.Inner", "Calc.Inner.run"]
    add = index.enclosing("src/demo/Calc.java", 7)
    assert add is not None and add.kind == "method" and add.doc == "Adds."
    assert "public static int add(int a, int b) {" in index.skeleton("src/demo/Calc.java")
    assert java_parses(SRC) and not java_parses(SRC.replace("a + b;", "a + ;"))
