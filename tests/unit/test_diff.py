import pytest

from patchwright.core.diff import (
    PatchError,
    apply_to_files,
    changed_lines,
    check_path,
    make_patch,
    normalize,
    patch_hash,
    touched_paths,
)

BASE = "def f(x):\n    if x < 0:\n        return 0\n    return x + 1\n"


def test_make_and_apply_round_trip():
    new = BASE.replace("x < 0", "x <= 0")
    patch = make_patch({"pkg/m.py": BASE}, {"pkg/m.py": new})
    assert patch.files == ["pkg/m.py"]
    assert changed_lines(patch.diff) == 2
    assert apply_to_files({"pkg/m.py": BASE}, patch.diff) == {"pkg/m.py": new}


def test_no_newline_at_end_and_new_file():
    patch = make_patch({"a.py": "x = 1"}, {"a.py": "x = 2", "b.py": "y = 1\n"})
    assert "new file mode" in patch.diff and "--- /dev/null" in patch.diff
    assert apply_to_files({"a.py": "x = 1"}, patch.diff) == {"a.py": "x = 2", "b.py": "y = 1\n"}


def test_hash_ignores_index_lines_and_crlf():
    patch = make_patch({"m.py": BASE}, {"m.py": BASE.replace("+ 1", "- 1")})
    noisy = patch.diff.replace("--- a/", "index 123..456 100644\n--- a/", 1).replace("\n", "\r\n")
    assert patch_hash(noisy) == patch.hash
    assert normalize(noisy) == normalize(patch.diff)
    assert patch_hash("") == "empty"


def test_identical_changes_hash_equal_and_different_ones_differ():
    a = make_patch({"m.py": BASE}, {"m.py": BASE.replace("+ 1", "- 1")})
    b = make_patch({"m.py": BASE}, {"m.py": BASE.replace("+ 1", "- 1")})
    c = make_patch({"m.py": BASE}, {"m.py": BASE.replace("+ 1", "+ 2")})
    assert a.hash == b.hash != c.hash


@pytest.mark.parametrize(
    "path", ["../x.py", "/etc/passwd", ".git/config", "a/../../b", "sub/.git/hooks/x", ""]
)
def test_unsafe_paths_refused(path):
    with pytest.raises(PatchError):
        check_path(path)


def test_diff_touching_git_dir_refused():
    diff = "--- a/.git/config\n+++ b/.git/config\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(PatchError):
        touched_paths(diff)
    diff = "--- a/../outside.py\n+++ b/../outside.py\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(PatchError):
        touched_paths(diff)


def test_mismatched_hunk_raises():
    patch = make_patch({"m.py": BASE}, {"m.py": BASE.replace("+ 1", "- 1")})
    with pytest.raises(PatchError):
        apply_to_files(
            {"m.py": BASE.replace("return 0", "return 9").replace("+ 1", "+ 3")}, patch.diff
        )


def test_removed_line_that_looks_like_a_header():
    base = {"q.sql": "-- a\nselect 1;\n-- b\n"}
    patch = make_patch(base, {"q.sql": "select 1;\n"})
    assert apply_to_files(base, patch.diff) == {"q.sql": "select 1;\n"}


def test_truncated_hunk_is_refused():
    patch = make_patch({"m.py": BASE}, {"m.py": BASE.replace("+ 1", "- 1")})
    with pytest.raises(PatchError):
        apply_to_files({"m.py": BASE}, patch.diff.rsplit("\n", 3)[0])


@pytest.mark.parametrize(
    "diff",
    [
        "diff --git a/x.py b/x.py\nsimilarity index 100%\nrename from x.py\nrename to ../x.py\n",
        "diff --git a/x.py b/.git/hooks/pre-commit\ncopy from x.py\ncopy to .git/hooks/pre-commit\n",
        "diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc/passwd\n",
    ],
)
def test_validate_patch_checks_every_header(diff):
    from patchwright.core.diff import validate_patch

    with pytest.raises(PatchError):
        validate_patch(diff)
