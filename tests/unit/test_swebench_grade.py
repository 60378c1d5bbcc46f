"""Captured test logs of each supported repository's format graded with the official
swebench parsers (through envs/swebench_specs.py), and the FAIL_TO_PASS/PASS_TO_PASS rules:
resolved only when every listed test passes; a listed test missing from the log fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchwright.benchmarks.runner import BenchError
from patchwright.benchmarks.swebench_data import clone_dir, load, missing_clone, normalize
from patchwright.envs import EnvError
from patchwright.envs import swebench_specs as official

PYTEST_RA = """\
============================= test session starts ==============================
collected 4 items

tests/test_blueprints.py ..F.                                            [100%]

=========================== short test summary info ============================
PASSED tests/test_blueprints.py::test_blueprint_specific_error_handling
PASSED tests/test_blueprints.py::test_dotted_name_not_allowed
FAILED tests/test_blueprints.py::test_route_decorator_custom_endpoint_with_dots - AssertionError: assert 1 == 2
SKIPPED [1] tests/test_blueprints.py:88: needs network
PASSED tests/test_blueprints.py::test_templates_list[x-y]
========================= 1 failed, 3 passed in 0.52s ==========================
"""

DJANGO = """\
Testing against Django installed in '/testbed/django'
Importing application admin_views
Skipping setup of unused database(s): other.
test_callable_urlconf (urlpatterns_reverse.tests.ResolverTests) ... ok
test_non_regex (urlpatterns_reverse.tests.ResolverTests) ... FAIL
test_no_db (urlpatterns_reverse.tests.ResolverTests) ... skipped 'no database'
test_error_path (urlpatterns_reverse.tests.ResolverTests) ... ERROR

======================================================================
FAIL: test_non_regex (urlpatterns_reverse.tests.ResolverTests)
----------------------------------------------------------------------
Ran 4 tests in 0.021s

FAILED (failures=1, errors=1, skipped=1)
"""

SYMPY = """\
============================= test process starts ==============================
executable:         /usr/bin/python  (3.9.19-final-0) [CPython]
architecture:       64-bit
random seed:        1234

sympy/printing/tests/test_latex.py[3]
test_latex_basic ok
test_latex_functions F
test_latex_symbols E
                                                                          [FAIL]

________________________________________________________________________________
___________ sympy/printing/tests/test_latex.py:test_latex_functions ____________
Traceback (most recent call last):
AssertionError
====== tests finished: 1 passed, 1 failed, 1 exceptions, in 0.50 seconds =======
DO *NOT* COMMIT!
"""


def test_pytest_rA_logs_of_the_pytest_style_repositories() -> None:
    for repo in ("pallets/flask", "pytest-dev/pytest", "psf/requests", "pylint-dev/pylint",
                 "sphinx-doc/sphinx"):  # fmt: skip
        status = official.parse_log(repo, PYTEST_RA)
        assert status["tests/test_blueprints.py::test_dotted_name_not_allowed"] == "PASSED", repo
        assert status["tests/test_blueprints.py::test_route_decorator_custom_endpoint_with_dots"] == "FAILED", repo
    ok = ["tests/test_blueprints.py::test_dotted_name_not_allowed"]
    bad = ["tests/test_blueprints.py::test_route_decorator_custom_endpoint_with_dots"]
    status = official.parse_log("pallets/flask", PYTEST_RA)
    assert official.grade(status, ok, ["tests/test_blueprints.py::test_templates_list[x-y]"])["resolved"]
    verdict = official.grade(status, ok + bad, [])
    assert not verdict["resolved"]
    assert verdict["tests_status"]["FAIL_TO_PASS"]["failure"] == bad
    assert not official.grade(status, ok, bad)["resolved"], "a failing PASS_TO_PASS test"


def test_django_runner_log() -> None:
    status = official.parse_log("django/django", DJANGO)
    assert status["test_callable_urlconf (urlpatterns_reverse.tests.ResolverTests)"] == "PASSED"
    assert status["test_non_regex (urlpatterns_reverse.tests.ResolverTests)"] == "FAILED"
    assert status["test_error_path (urlpatterns_reverse.tests.ResolverTests)"] == "ERROR"
    assert official.grade(status, ["test_callable_urlconf (urlpatterns_reverse.tests.ResolverTests)"],
                          [])["resolved"]  # fmt: skip
    assert not official.grade(status, [], ["test_non_regex (urlpatterns_reverse.tests.ResolverTests)"])["resolved"]


def test_sympy_bin_test_log() -> None:
    status = official.parse_log("sympy/sympy", SYMPY)
    assert status["test_latex_basic"] == "PASSED"
    assert status["test_latex_functions"] == "FAILED"
    assert status["test_latex_symbols"] == "ERROR"
    assert official.grade(status, ["test_latex_basic"], [])["resolved"]
    assert not official.grade(status, ["test_latex_functions"], ["test_latex_basic"])["resolved"]


def test_a_listed_test_missing_from_the_log_is_not_resolved() -> None:
    status = official.parse_log("pytest-dev/pytest", PYTEST_RA)
    verdict = official.grade(status, ["tests/test_blueprints.py::test_never_ran"], [])
    assert not verdict["resolved"]
    assert verdict["tests_status"]["FAIL_TO_PASS"]["failure"] == ["tests/test_blueprints.py::test_never_ran"]


def test_specs_test_command_and_directives_come_from_the_package() -> None:
    row = {"repo": "django/django", "version": "3.0", "instance_id": "x",
           "test_patch": "diff --git a/tests/admin_views/tests.py b/tests/admin_views/tests.py\n"
                         "--- a/tests/admin_views/tests.py\n+++ b/tests/admin_views/tests.py\n"
                         "@@ -1 +1 @@\n-a\n+b\n"}  # fmt: skip
    spec = official.specs("django/django", "3.0")
    assert official.test_command(row, spec).endswith(" admin_views.tests")
    assert official.test_files(row["test_patch"]) == ["tests/admin_views/tests.py"]
    assert official.specs("sympy/sympy", "1.1")["test_cmd"].count("bin/test") == 1
    with pytest.raises(EnvError, match=r"no version 0\.0"):
        official.specs("sympy/sympy", "0.0")
    with pytest.raises(EnvError, match="no repository"):
        official.specs("nobody/nothing", "1.0")
    extra = {"fixture/proj": {"1.0": {"test_cmd": "pytest -rA"}, "log_parser": "parse_log_pytest"}}
    assert official.specs("fixture/proj", "1.0", extra)["test_cmd"] == "pytest -rA"
    assert official.parse_log("fixture/proj", "PASSED t.py::a\n", extra) == {"t.py::a": "PASSED"}
    with pytest.raises(EnvError, match="no log parser"):
        official.parse_log("fixture/proj", "", {"fixture/proj": {"log_parser": "parse_log_nope"}})


def test_rows_and_clones(tmp_path: Path) -> None:
    row = {"repo": "o/n", "instance_id": "o__n-1", "base_commit": "abc", "patch": "", "test_patch": "",
           "version": 1.0, "FAIL_TO_PASS": '["a"]', "PASS_TO_PASS": "[]"}  # fmt: skip
    norm = normalize(row)
    assert norm["id"] == "o__n-1" and norm["FAIL_TO_PASS"] == ["a"] and norm["version"] == "1.0"
    with pytest.raises(BenchError, match="FAIL_TO_PASS"):
        normalize({**row, "FAIL_TO_PASS": "[not json"})
    with pytest.raises(BenchError, match="no base_commit"):
        normalize({k: v for k, v in row.items() if k != "base_commit"})
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps(row) + "\n" + json.dumps({**row, "instance_id": "o__n-2"}) + "\n")
    assert [r["id"] for r in load(data, ["o__n-2"])] == ["o__n-2"]
    with pytest.raises(BenchError, match="unknown instance id: o__n-9"):
        load(data, ["o__n-9"])
    assert clone_dir(tmp_path, "o/n") == tmp_path / "o__n"
    assert "no clone of o/n" in missing_clone(tmp_path, "o/n")


def test_the_package_leaves_root_logging_alone() -> None:
    """Importing the swebench package calls logging.basicConfig; the adapter undoes it, so
    libraries' debug lines (bm25s's "Building index", httpx's requests) stay off stderr."""
    import subprocess
    import sys

    code = ("import logging; from patchwright.envs import swebench_specs as s; "
            "s.package_version(); s.specs('sympy/sympy', '1.1'); "
            "print(len(logging.getLogger().handlers), logging.getLogger().level)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "30"], out.stdout + out.stderr
