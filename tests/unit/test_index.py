"""The tree-sitter code index: chunks, skeletons, lookups, for Python and Java."""

from __future__ import annotations

from patchwright.repo.index import CodeIndex, language_of, parse_chunks

PY = '''import os


class Stack:
    """A LIFO stack.

    More text."""

    def __init__(self):
        self.items = []

    @property
    def top(self):
        """The last item."""
        def helper():
            return 1
        return self.items[-1]


async def fetch(url: str,
                timeout: float = 1.0) -> bytes:
    return b""
'''

JAVA = """package demo;

/** Shapes. */
public class Shapes {
    /** Area of a circle. */
    @Deprecated
    public static double area(double r) {
        return Math.PI * r * r;
    }

    Shapes() {}

    interface Named { String name(); }
}
"""


def spans(chunks):
    return [(c.name, c.kind, c.line, c.end_line) for c in chunks]


def test_python_chunks():
    chunks = parse_chunks("pkg/stack.py", PY)
    assert spans(chunks) == [
        ("Stack", "class", 4, 17),
        ("Stack.__init__", "method", 9, 10),
        ("Stack.top", "method", 12, 17),
        ("Stack.top.helper", "function", 15, 16),
        ("fetch", "function", 20, 22),
    ]
    by = {c.name: c for c in chunks}
    assert by["Stack"].doc == "A LIFO stack." and by["Stack.top"].doc == "The last item."
    assert by["Stack.top"].signature == "@property def top(self):"
    assert by["fetch"].signature == "async def fetch(url: str, timeout: float = 1.0) -> bytes:"
    assert by["Stack.top"].text.startswith("    @property\n    def top(self):")
    assert by["Stack.top.helper"].local and not by["Stack.top"].local


def test_java_chunks():
    chunks = parse_chunks("src/Shapes.java", JAVA)
    assert spans(chunks) == [
        ("Shapes", "class", 4, 14),
        ("Shapes.area", "method", 6, 9),
        ("Shapes.Shapes", "method", 11, 11),
        ("Shapes.Named", "class", 13, 13),
        ("Shapes.Named.name", "method", 13, 13),
    ]
    by = {c.name: c for c in chunks}
    assert by["Shapes.area"].signature == "@Deprecated public static double area(double r)"
    assert by["Shapes.area"].doc == "Area of a circle." and by["Shapes"].doc == "Shapes."


def test_skeletons_have_signatures_without_bodies():
    index = CodeIndex({"pkg/stack.py": PY, "src/Shapes.java": JAVA})
    py = index.skeleton("pkg/stack.py")
    assert "class Stack:  # L4-17" in py and "    @property def top(self):  # L12-17" in py
    assert "#: The last item." in py and "self.items[-1]" not in py and "helper" not in py
    java = index.skeleton("src/Shapes.java", line_numbers=False)
    assert "public static double area(double r) {" in java and "Math.PI" not in java
    assert "String name();" in java and "String name(); {" not in java
    assert len(py) < len(PY)


def test_lookups():
    index = CodeIndex({"pkg/stack.py": PY})
    assert index.enclosing("pkg/stack.py", 16).name == "Stack.top"
    assert index.enclosing("pkg/stack.py", 16, local=True).name == "Stack.top.helper"
    assert index.enclosing("pkg/stack.py", 2) is None
    assert [c.name for c in index.find("pkg/stack.py", "top")] == ["Stack.top"]
    assert [c.name for c in index.find("pkg/stack.py", "Stack.__init__")] == ["Stack.__init__"]


def test_broken_and_unknown_files_do_not_raise():
    assert parse_chunks("notes.txt", "def f(): pass") == []
    assert language_of("A.JAVA") == "java" and language_of("x.rs") is None
    half = parse_chunks("half.py", "def ok():\n    return 1\n\ndef broken(:\n")
    assert "ok" in [c.name for c in half]
    assert isinstance(parse_chunks("bin.py", "\x00\ufffd\ud800 def"), list)


def test_from_repo_discovers_python_and_java(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "stack.py").write_text(PY)
    (tmp_path / "Shapes.java").write_text(JAVA)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "skip.py").write_text("def skipped(): pass\n")
    (tmp_path / "README.md").write_text("# hi\n")
    index = CodeIndex.from_repo(tmp_path)
    assert sorted(index.files) == ["Shapes.java", "pkg/stack.py"]
    assert {c.path for c in index.chunks()} == {"Shapes.java", "pkg/stack.py"}
