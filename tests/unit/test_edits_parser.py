"""The edit-format parser: every tolerance and every structured failure."""

from __future__ import annotations

import pytest

from patchwright.propose.llm.edit_apply import apply_reply, syntax_error
from patchwright.propose.llm.edits import FunctionReplace, SearchReplace, parse_reply

GCD = "def gcd(a, b):\n    if b == 0:\n        return a\n    else:\n        return gcd(a % b, b)\n"
FIXED = GCD.replace("gcd(a % b, b)", "gcd(b, a % b)")
FILES = {"pkg/gcd.py": GCD}
TWO = {"pkg/gcd.py": GCD, "pkg/other.py": "class K:\n    def m(self):\n        return 1\n"}


def block(search: str, replace: str, path: str | None = "pkg/gcd.py") -> str:
    head = f"{path}\n" if path else ""
    return f"{head}<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


SR = block("        return gcd(a % b, b)", "        return gcd(b, a % b)")


def kinds(result) -> list[str]:
    return [f.kind for f in result.failures]


# ------------------------------------------------------------------------------ parsing


def test_parse_search_replace_block_and_plan():
    parsed = parse_reply("Swap the arguments of the recursive call.\n\n" + SR)
    assert parsed.edits == [
        SearchReplace("pkg/gcd.py", "        return gcd(a % b, b)", "        return gcd(b, a % b)")
    ]
    assert parsed.thought == "Swap the arguments of the recursive call."
    assert not parsed.failures


@pytest.mark.parametrize(
    "path_line",
    ["pkg/gcd.py", "`pkg/gcd.py`", "**pkg/gcd.py**", "File: pkg/gcd.py", "# pkg/gcd.py:"],
)
def test_path_line_decorations(path_line):
    parsed = parse_reply(block("x", "y", path=None).replace("<<<", f"{path_line}\n<<<", 1))
    assert parsed.edits[0].path == "pkg/gcd.py"


def test_plan_label_and_markers_are_not_the_thought():
    parsed = parse_reply("**Plan:** fix the call\n```python\n" + SR + "```\nDone.")
    assert parsed.thought == "fix the call"


def test_several_blocks_and_missing_tail_before_next_block():
    text = SR.replace(">>>>>>> REPLACE\n", "") + block("a", "b")
    parsed = parse_reply(text)
    assert len(parsed.edits) == 2 and not parsed.failures


def test_truncated_blocks_are_failures():
    assert kinds(parse_reply("pkg/gcd.py\n<<<<<<< SEARCH\n        return gcd(")) == ["truncated"]
    assert kinds(parse_reply(SR[: SR.index(">>>>")])) == ["truncated"]


def test_empty_binary_and_prose_are_failures():
    assert kinds(parse_reply("")) == ["empty"]
    assert kinds(parse_reply("  \n\t ")) == ["empty"]
    assert kinds(parse_reply("\x00\x01\x02 junk")) == ["binary"]
    junk = bytes(range(128, 256)).decode("utf-8", errors="replace") * 3
    assert kinds(parse_reply(junk)) == ["binary"]
    assert kinds(parse_reply("I believe the bug is in the recursion.")) == ["no_edits"]


def test_unified_diff_is_read_as_search_replace():
    text = (
        "```diff\n--- a/pkg/gcd.py\n+++ b/pkg/gcd.py\n@@ -4,2 +4,2 @@\n     else:\n"
        "-        return gcd(a % b, b)\n+        return gcd(b, a % b)\n```\n"
    )
    parsed = parse_reply(text)
    assert parsed.edits == [
        SearchReplace(
            "pkg/gcd.py",
            "    else:\n        return gcd(a % b, b)",
            "    else:\n        return gcd(b, a % b)",
        )
    ]
    assert apply_reply(text, FILES).files == {"pkg/gcd.py": FIXED}


def test_whole_function_block():
    parsed = parse_reply("Here:\n```python\ndef f():\n    return 1\n```\n")
    assert parsed.edits == [FunctionReplace(None, "def f():\n    return 1")]


# ------------------------------------------------------------------------------ applying


def test_exact_block_applies():
    res = apply_reply(SR, FILES)
    assert res.files == {"pkg/gcd.py": FIXED} and res.applied == 1 and not res.failures


def test_code_fences_and_stray_prose():
    text = "Sure! The fix:\n\n```python\n" + SR + "```\n\nThis swaps the arguments. Hope it helps!"
    assert apply_reply(text, FILES).files == {"pkg/gcd.py": FIXED}
    inner = "pkg/gcd.py\n<<<<<<< SEARCH\n```python\n        return gcd(a % b, b)\n```\n=======\n"
    inner += "```python\n        return gcd(b, a % b)\n```\n>>>>>>> REPLACE\n"
    assert apply_reply(inner, FILES).files == {"pkg/gcd.py": FIXED}


def test_missing_path_with_one_file_in_play():
    text = block("        return gcd(a % b, b)", "        return gcd(b, a % b)", path=None)
    assert apply_reply(text, FILES).files == {"pkg/gcd.py": FIXED}


def test_missing_path_matches_the_one_file_where_the_text_is():
    text = block("        return gcd(a % b, b)", "        return gcd(b, a % b)", path=None)
    assert apply_reply(text, TWO).files == {"pkg/gcd.py": FIXED}


@pytest.mark.parametrize("path", ["gcd.py", "./pkg/gcd.py", "a/pkg/gcd.py", "src/pkg/gcd.py"])
def test_loose_paths_resolve(path):
    text = block("        return gcd(a % b, b)", "        return gcd(b, a % b)", path=path)
    assert apply_reply(text, TWO).files == {"pkg/gcd.py": FIXED}


def test_wrong_path_is_a_failure_listing_the_files():
    res = apply_reply(block("print(1)", "print(2)", path="nowhere/x.py"), TWO)
    assert kinds(res) == ["wrong_path"] and not res.files
    assert "pkg/gcd.py" in res.feedback() and "nowhere/x.py" in res.feedback()


def test_indentation_drift_is_matched_and_reindented():
    under = block("if b == 0:\n    return a\nelse:\n    return gcd(a % b, b)",
                  "if b == 0:\n    return a\nreturn gcd(b, a % b)")  # fmt: skip
    res = apply_reply(under, FILES)
    assert res.files["pkg/gcd.py"] == (
        "def gcd(a, b):\n    if b == 0:\n        return a\n    return gcd(b, a % b)\n"
    )
    over = block("            return gcd(a % b, b)", "            return gcd(b, a % b)")
    assert apply_reply(over, FILES).files == {"pkg/gcd.py": FIXED}


def test_inconsistent_indentation_does_not_match():
    text = block("if b == 0:\n        return a", "x = 1")
    assert kinds(apply_reply(text, FILES)) == ["no_match"]


def test_blank_line_drift_and_trailing_whitespace():
    files = {"m.py": "def f():\n    a = 1\n\n    b = 2   \n    return a + b\n"}
    text = block(
        "    a = 1\n    b = 2\n    return a + b", "    a = 1\n    b = 3\n    return a + b", "m.py"
    )
    assert apply_reply(text, files).files == {
        "m.py": "def f():\n    a = 1\n    b = 3\n    return a + b\n"
    }
    text = block("    b = 2\n    return a + b   ", "    b = 20\n    return a + b", "m.py")
    assert "b = 20" in apply_reply(text, files).files["m.py"]


def test_crlf_reply_and_crlf_file():
    crlf = {"pkg/gcd.py": GCD.replace("\n", "\r\n")}
    res = apply_reply(SR.replace("\n", "\r\n"), crlf)
    assert res.files == {"pkg/gcd.py": FIXED.replace("\n", "\r\n")}


def test_copied_line_numbers_are_stripped():
    text = block("   5 |         return gcd(a % b, b)", "   5 |         return gcd(b, a % b)")
    assert apply_reply(text, FILES).files == {"pkg/gcd.py": FIXED}


def test_partial_line_search_matches_as_unique_substring():
    text = block("gcd(a % b, b)", "gcd(b, a % b)")
    assert apply_reply(text, FILES).files == {"pkg/gcd.py": FIXED}


def test_ambiguous_search_is_a_failure():
    files = {"m.py": "def f(x):\n    return x\n\n\ndef g(x):\n    return x\n"}
    res = apply_reply(block("    return x", "    return -x", "m.py"), files)
    assert kinds(res) == ["ambiguous"] and "2 times" in res.feedback()


def test_ambiguity_is_broken_by_the_focus_span():
    files = {"m.py": "def f(x):\n    return x\n\n\ndef g(x):\n    return x\n"}
    res = apply_reply(
        block("    return x", "    return -x", "m.py"), files, focus={"m.py": [(5, 6)]}
    )
    assert res.files == {"m.py": "def f(x):\n    return x\n\n\ndef g(x):\n    return -x\n"}


def test_non_matching_search_reports_the_closest_lines():
    res = apply_reply(block("        return gcd(a %% b, c)", "        return 0"), FILES)
    assert kinds(res) == ["no_match"]
    assert "return gcd(a % b, b)" in res.feedback() and "lines 5-5" in res.feedback()


def test_empty_search_section_is_a_failure_except_for_an_empty_file():
    assert kinds(apply_reply(block("", "x = 1"), FILES)) == ["empty"]
    res = apply_reply(block("", "x = 1", "new.py"), {"new.py": ""})
    assert res.files == {"new.py": "x = 1\n"}


def test_no_change_and_syntax_errors_are_failures():
    assert kinds(apply_reply(block("    if b == 0:", "    if b == 0:"), FILES)) == ["no_change"]
    res = apply_reply(block("        return a", "        return (a"), FILES)
    assert kinds(res) == ["syntax"] and not res.files and "does not compile" in res.feedback()


def test_binary_junk_inside_an_edit():
    res = apply_reply(block("        return a", "        return a\ufffd"), FILES)
    assert kinds(res) == ["binary"] and not res.files


def test_partial_success_keeps_good_edits_and_reports_bad_ones():
    text = SR + block("nothing like this", "x")
    res = apply_reply(text, FILES)
    assert res.files == {"pkg/gcd.py": FIXED} and kinds(res) == ["no_match"]


# ------------------------------------------------------------------------------ whole function


def test_whole_function_replaces_by_name_and_reindents_methods():
    files = {
        "k.py": "class K:\n    @property\n    def m(self):\n        return 1\n\n    def n(self):\n        return 2\n"
    }
    res = apply_reply("Return 3.\n```python\n@property\ndef m(self):\n    return 3\n```", files)
    assert res.files == {"k.py": files["k.py"].replace("return 1", "return 3")}
    assert res.thought == "Return 3."


def test_whole_function_with_class_wrapper_and_unfenced_code():
    files = {"k.py": "class K:\n    def m(self):\n        return 1\n"}
    res = apply_reply("```python\nclass K:\n    def m(self):\n        return 5\n```", files)
    assert res.files == {"k.py": "class K:\n    def m(self):\n        return 5\n"}
    res = apply_reply(
        "def gcd(a, b):\n    return a if b == 0 else gcd(b, a % b)\n\nThat's it.", FILES
    )
    assert "gcd(b, a % b)" in res.files["pkg/gcd.py"]


def test_whole_function_failures():
    assert kinds(apply_reply("```python\ndef nothere():\n    pass\n```", FILES)) == ["no_match"]
    assert kinds(apply_reply("```python\ndef gcd(a, b):\n    return (\n", FILES)) == ["truncated"]
    assert kinds(apply_reply("```python\ndef gcd(a, b) return\n```", FILES)) == ["syntax"]
    java = {"A.java": "class A { int f() { return 1; } }\n"}
    assert kinds(apply_reply("```python\ndef f():\n    return 2\n```", java)) == ["unsupported"]


def test_syntax_error_helper():
    assert syntax_error("a.py", "x = (") != ""
    assert syntax_error("a.py", "x = 1\n") == ""
    assert syntax_error("A.java", "class {") != ""  # Java is parsed (tree-sitter)
    assert syntax_error("A.java", "class A { int f() { return 1; } }") == ""
    assert syntax_error("notes.txt", "class {") == ""
