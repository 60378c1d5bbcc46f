"""BugsInPy metadata: a small BugsInPy-shaped tree written here, read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from patchwright.benchmarks.bugsinpy_data import (
    changed_lines,
    parse_ranges,
    parse_requirements,
    parse_run_test,
    parse_setup,
    read_bug,
    read_text,
    same_as_developer,
    select_bugs,
)
from patchwright.benchmarks.bugsinpy_env import env_spec, loosen
from patchwright.benchmarks.bugsinpy_report import by_project, svg_chart
from patchwright.benchmarks.runner import BenchError, InstanceResult

PATCH = """diff --git a/calc/ops.py b/calc/ops.py
index 1111111..2222222 100644
--- a/calc/ops.py
+++ b/calc/ops.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
"""


def write_tree(root: Path) -> Path:
    proj = root / "projects" / "calc"
    (proj / "bugs" / "1").mkdir(parents=True)
    (proj / "bugs" / "2").mkdir(parents=True)
    (proj / "project.info").write_text('github_url="https://github.com/x/calc"\nstatus="OK"\n')
    bug = proj / "bugs" / "1"
    (bug / "bug.info").write_text(
        'python_version="3.8.3"\nbuggy_commit_id="aaa"\nfixed_commit_id="bbb"\n'
        'test_file="tests/data/case.py;tests/test_ops.py"\n'
    )
    (bug / "bug_patch.txt").write_text(PATCH)
    (bug / "run_test.sh").write_text(
        "python -m unittest -q tests.test_ops.OpsTest.test_add\r\n"
        "python -m unittest -q tests.test_ops.OpsTest._helper\r\n"
    )
    # UTF-16 with a BOM and CRLF, as many BugsInPy requirements files are.
    (bug / "requirements.txt").write_bytes(
        "attrs==19.3.0\r\n-e git+https://github.com/x/calc.git@aaa#egg=calc\r\nclick==7.1.1\r\n".encode(
            "utf-16"
        )
    )
    (bug / "setup.sh").write_text(
        "touch tests/__init__.py\npip install Twisted\npip install -e .[dev]\n"
    )
    two = proj / "bugs" / "2"
    (two / "bug.info").write_text(
        'python_version="3.7.0"\nbuggy_commit_id="c"\nfixed_commit_id="d"\n'
    )
    (two / "run_test.sh").write_text("pytest tests/test_ops.py::test_sub\n")
    return root


def test_read_bug(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    bug = read_bug(root, "calc", 1, {"tests/test_ops.py", "calc/ops.py"})
    assert bug.id == "calc-1"
    assert bug.python_version == "3.8"
    assert (bug.buggy_commit, bug.fixed_commit) == ("aaa", "bbb")
    assert bug.test_files == ("tests/data/case.py", "tests/test_ops.py")
    assert bug.tests == ("tests/test_ops.py::OpsTest::test_add",)
    assert bug.requirements == ("attrs==19.3.0", "click==7.1.1", "Twisted")
    assert bug.touch == ("tests/__init__.py",)
    assert bug.github_url == "https://github.com/x/calc"
    assert bug.patch == PATCH
    two = read_bug(root, "calc", 2)
    assert two.tests == ("tests/test_ops.py::test_sub",)
    assert two.requirements == ()


def test_read_text_encodings(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes("x==1\r\ny\r\n".encode("utf-16"))
    (tmp_path / "b").write_bytes(b"\xef\xbb\xbfx==1\n")
    assert read_text(tmp_path / "a") == "x==1\ny\n"
    assert read_text(tmp_path / "b") == "x==1\n"
    assert read_text(tmp_path / "missing") == ""


def test_requirements_and_setup() -> None:
    assert parse_requirements("# c\nblack==1\n-r other.txt\npytz==2019.3  # tz\n", "black") == [
        "pytz==2019.3"
    ]
    assert parse_setup("python setup.py install\npip3 install nose flake8\ntouch a b\n") == (
        ["nose", "flake8"],
        ["a", "b"],
    )


def test_run_test_commands() -> None:
    files = {"tornado/test/web_test.py"}
    text = (
        "python -m unittest -q tornado.test.web_test.WebTest.test_x\n"
        "python3 -m pytest -q -s tqdm/tests/tests_tqdm.py::test_format_meter\n"
        "tox tests/test_hooks.py::TestFindHooks::test_find_hook\n"
        "python -m unittest -q no.such.module.Test.test_y\n"
        "python -m unittest -q tornado.test.web_test.SyncWebTest\n"
        "python -m unittest -q tornado.test.web_test.helper\n"
    )
    assert parse_run_test(text, files) == [
        "tornado/test/web_test.py::WebTest::test_x",
        "tqdm/tests/tests_tqdm.py::test_format_meter",
        "tests/test_hooks.py::TestFindHooks::test_find_hook",
        "tornado/test/web_test.py::SyncWebTest",
    ]


def test_select_and_ranges(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    assert parse_ranges("1-3,7") == {1, 2, 3, 7}
    assert select_bugs(root, [], None) == [("calc", 1), ("calc", 2)]
    assert select_bugs(root, ["calc"], {2}) == [("calc", 2)]
    with pytest.raises(BenchError, match="unknown BugsInPy project: nope"):
        select_bugs(root, ["nope"], None)
    with pytest.raises(BenchError, match="--bugs"):
        parse_ranges("1-x")
    with pytest.raises(BenchError, match="not a BugsInPy checkout"):
        select_bugs(tmp_path / "empty", [], None)
    with pytest.raises(BenchError, match="no bug calc-9"):
        read_bug(root, "calc", 9)


def test_same_as_developer() -> None:
    spaced = PATCH.replace("+    return a + b", "+    return a + b   ").replace(
        "index 1111111..2222222 100644\n", ""
    )
    assert changed_lines(PATCH) == {
        ("calc/ops.py", "-", "return a - b"),
        ("calc/ops.py", "+", "return a + b"),
    }
    assert same_as_developer(spaced, PATCH)
    assert not same_as_developer(PATCH.replace("a + b", "b + a"), PATCH)
    assert not same_as_developer("not a diff", "")


def test_env_spec_keeps_the_bugs_pins(tmp_path: Path) -> None:
    bug = read_bug(write_tree(tmp_path), "calc", 1)
    spec = env_spec(bug)
    assert spec.python == "3.8" and "pytest" in spec.pins
    pinned = bug.__class__(**{**bug.__dict__, "requirements": ("pytest==5.4.1",)})
    assert env_spec(pinned).pins == ("pytest-timeout", "pytest-cov")


def test_by_project_counts_only_verified_attempts() -> None:
    results = [
        InstanceResult(
            id="a-1",
            status="plausible",
            rechecked=True,
            evaluations=5,
            extra={"project": "a", "same_as_developer": True},
        ),
        InstanceResult(id="a-2", status="unverified", extra={"project": "a"}),
        InstanceResult(id="b-1", status="not_found", evaluations=9, extra={"project": "b"}),
    ]
    table = by_project(results)
    assert table["a"]["bugs"] == 2 and table["a"]["verified"] == 1
    assert table["a"]["plausible_rate"] == 1.0 and table["a"]["same_as_developer"] == 1
    assert table["b"]["plausible"] == 0 and table["b"]["evaluations"] == 9
    svg = svg_chart(table)
    assert svg.startswith("<svg") and "b verified: 1" in svg


def test_loosen_a_pin_pip_cannot_meet() -> None:
    reqs = ("attrs==19.3.0", "mysql-connector-python==8.0.19", "Foo_Bar==1.0")
    gone = "pip install failed: ERROR: Could not find a version that satisfies the requirement mysql-connector-python==8.0.19"
    assert loosen(reqs, gone) == ("attrs==19.3.0", "mysql-connector-python", "Foo_Bar==1.0")
    assert loosen(reqs, "pip install failed: Failed to build foo-bar")[2] == "foo-bar"
    assert loosen(reqs, "pip install failed: something else") == reqs


def test_a_bare_name_pip_cannot_meet_is_dropped() -> None:
    reqs = ("attrs==19.3.0", "pywin32", "Foo_Bar==1.0")
    gone = "pip install failed: ERROR: No matching distribution found for pywin32"
    assert loosen(reqs, gone) == ("attrs==19.3.0", "Foo_Bar==1.0")


def test_pips_note_on_skipped_versions_is_not_the_error() -> None:
    from patchwright.envs.install import first_error

    out = ("ERROR: Ignored the following versions that require a different python version: "
           "0.21 Requires-Python >=3.9\n"
           "ERROR: Could not find a version that satisfies the requirement pywin32==227\n"
           "ERROR: No matching distribution found for pywin32==227\n")
    assert "satisfies the requirement pywin32==227" in first_error(out)


DEVELOPER = """\
diff --git a/pkg/ops.py b/pkg/ops.py
--- a/pkg/ops.py
+++ b/pkg/ops.py
@@ -3,2 +3,2 @@ def add(a, b):
 def mul(a, b):
-    return a + b
+    return a * b
"""


def test_developer_rank_is_where_the_localization_put_the_fixed_line(tmp_path: Path) -> None:
    from patchwright.benchmarks.bugsinpy import developer_rank
    from patchwright.core.domain import Location, Task
    from patchwright.core.events import ToolCall, TrajectoryHeader
    from patchwright.store.artifacts import TrajectoryWriter

    def run(lines: list[tuple[str, int]]) -> Path:
        folder = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        locs = [Location(path=p, line=n, end_line=n, score=1.0) for p, n in lines]
        header = TrajectoryHeader(task=Task(id="a-1", repo="."))
        with TrajectoryWriter(folder / "trajectory.jsonl", header) as writer:
            writer.record(ToolCall(tool="sbfl", locations=locs))
        return folder

    assert developer_rank(run([("pkg/ops.py", 3), ("pkg/ops.py", 4)]), DEVELOPER) == 2
    assert developer_rank(run([("pkg/ops.py", 3), ("pkg/other.py", 4)]), DEVELOPER) is None
    assert developer_rank(tmp_path / "missing", DEVELOPER) is None
    table = by_project([InstanceResult(id="a-1", status="not_found",
                                       extra={"project": "a", "developer_rank": 2})])  # fmt: skip
    assert table["a"]["developer_in_top10"] == 1
