"""Parsing pytest's xunit1 JUnit reports (samples captured from real pytest 9 runs)."""

from __future__ import annotations

import pytest

from patchwright.core.domain import Task, TestOutcome, TestStatus
from patchwright.core.protocols import RunLimits
from patchwright.testing.pytest_junit import (
    COVERAGE_PLUGIN,
    MESSAGE_LIMIT,
    OUTPUT_LIMIT,
    build_command,
    errors_from_output,
    interpret,
    mangle,
    node_id,
    parse_junit,
    summarize_error,
)

# Captured with: python -m pytest -q -p no:cacheprovider -o junit_family=xunit1
#   --junitxml=... --timeout=1 (one <testcase> per line added for reading).
ALL_KINDS = r"""<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="2" failures="3" skipped="2" tests="15" time="1.090" timestamp="2026-11-28T03:48:24.323458+00:00" hostname="vm">
<testcase classname="tests.sub.test_a" name="test_pass" file="tests/sub/test_a.py" line="2" time="0.000" />
<testcase classname="tests.sub.test_a" name="test_fail" file="tests/sub/test_a.py" line="5" time="0.001"><failure message="AssertionError: one is not two&#10;assert 1 == 2">def test_fail():
&gt;       assert 1 == 2, "one is not two"
E       AssertionError: one is not two
E       assert 1 == 2

tests/sub/test_a.py:7: AssertionError</failure></testcase>
<testcase classname="tests.sub.test_a" name="test_error" file="tests/sub/test_a.py" line="12" time="0.000"><error message="failed on setup with &quot;RuntimeError: fixture broke&quot;">@pytest.fixture
    def broken():
&gt;       raise RuntimeError("fixture broke")
E       RuntimeError: fixture broke

tests/sub/test_a.py:11: RuntimeError</error></testcase>
<testcase classname="tests.sub.test_a" name="test_skip" file="tests/sub/test_a.py" line="15" time="0.000"><skipped type="pytest.skip" message="not today">/tmp/jx/tests/sub/test_a.py:17: not today</skipped></testcase>
<testcase classname="tests.sub.test_a" name="test_xfail" file="tests/sub/test_a.py" line="18" time="0.000"><skipped type="pytest.xfail" message="known" /></testcase>
<testcase classname="tests.sub.test_a" name="test_timeout" file="tests/sub/test_a.py" line="22" time="1.001"><failure message="Failed: Timeout (&gt;1.0s) from pytest-timeout.">def test_timeout():
&gt;       while True:
E       Failed: Timeout (&gt;1.0s) from pytest-timeout.

tests/sub/test_a.py:24: Failed</failure></testcase>
<testcase classname="tests.sub.test_a.TestOuter.TestInner" name="test_nested" file="tests/sub/test_a.py" line="28" time="0.000" />
<testcase classname="tests.sub.test_a.TestOuter" name="test_m" file="tests/sub/test_a.py" line="30" time="0.001" />
<testcase classname="tests.sub.test_a" name="test_param[a.b]" file="tests/sub/test_a.py" line="33" time="0.001" />
<testcase classname="tests.sub.test_a" name="test_param[c d]" file="tests/sub/test_a.py" line="33" time="0.001"><failure message="AssertionError: assert 'c d' != 'c d'">x = 'c d'

    @pytest.mark.parametrize("x", ["a.b", "c d", "e::f", "[g]", "h/i"])
    def test_param(x):
&gt;       assert x != "c d"
E       AssertionError: assert 'c d' != 'c d'

tests/sub/test_a.py:36: AssertionError</failure></testcase>
<testcase classname="tests.sub.test_a" name="test_param[e::f]" file="tests/sub/test_a.py" line="33" time="0.000" />
<testcase classname="tests.sub.test_a" name="test_param[[g]]" file="tests/sub/test_a.py" line="33" time="0.000" />
<testcase classname="tests.sub.test_a" name="test_param[h/i]" file="tests/sub/test_a.py" line="33" time="0.000" />
<testcase classname="tests.sub.test_a" name="test_td" file="tests/sub/test_a.py" line="42" time="0.001"><error message="failed on teardown with &quot;ValueError: teardown boom&quot;">@pytest.fixture
    def td():
        yield
&gt;       raise ValueError("teardown boom")
E       ValueError: teardown boom

tests/sub/test_a.py:41: ValueError</error></testcase></testsuite></testsuites>
"""

COLLECTION_ERRORS = r"""<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="2" failures="0" skipped="0" tests="2" time="0.315" timestamp="2026-11-28T03:48:35.483423+00:00" hostname="vm">
<testcase classname="" name="tests.test_syn2" file="tests/test_syn2.py" time="0.000"><error message="collection failure">/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/_pytest/python.py:507: in importtestmodule
    mod = import_path(
/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/_pytest/pathlib.py:587: in import_path
    importlib.import_module(module_name)
/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
&lt;frozen importlib._bootstrap&gt;:1204: in _gcd_import
    ???
&lt;frozen importlib._bootstrap&gt;:1176: in _find_and_load
    ???
&lt;frozen importlib._bootstrap&gt;:1147: in _find_and_load_unlocked
    ???
&lt;frozen importlib._bootstrap&gt;:690: in _load_unlocked
    ???
/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/_pytest/assertion/rewrite.py:188: in exec_module
    source_stat, co = _rewrite_test(fn, self.config)
                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/_pytest/assertion/rewrite.py:357: in _rewrite_test
    tree = ast.parse(source, filename=strfn)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
/root/.pyenv/versions/3.11.7/lib/python3.11/ast.py:50: in parse
    return compile(source, filename, mode, flags,
E     File "/tmp/jx/tests/test_syn2.py", line 1
E       def test_x(:
E                  ^
E   SyntaxError: invalid syntax</error></testcase>
<testcase classname="" name="tests.test_imp" file="tests/test_imp.py" time="0.000"><error message="collection failure">ImportError while importing test module '/tmp/jx/tests/test_imp.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
tests/test_imp.py:1: in &lt;module&gt;
    import nosuchmod
E   ModuleNotFoundError: No module named 'nosuchmod'</error></testcase></testsuite></testsuites>
"""

INHERITED_AND_ESCAPED = r"""<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="4" time="0.014" timestamp="2026-11-28T03:52:34.668289+00:00" hostname="vm">
<testcase classname="pkg.v2.test_dot.TestChild" name="test_inh" file="base_tests.py" line="1" time="0.000" />
<testcase classname="pkg.v2.test_dot" name="test_u[\xe9]" file="pkg.v2/test_dot.py" line="4" time="0.000" />
<testcase classname="pkg.v2.test_dot" name="test_u[a|b]" file="pkg.v2/test_dot.py" line="4" time="0.000" />
<testcase classname="pkg.v2.test_dot" name="test_u[x y::z]" file="pkg.v2/test_dot.py" line="4" time="0.000" /></testsuite></testsuites>
"""

INTERRUPTED = r"""<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="1.096" timestamp="2026-11-28T03:49:39.928957+00:00" hostname="vm">
<testcase classname="tests.test_int" name="test_a" file="tests/test_int.py" line="1" time="0.001" />
<testcase time="0.000" /></testsuite></testsuites>
"""


ROOT = "/tmp/jx"


def parse(xml: str, requested: tuple[str, ...] = ()) -> dict[str, TestOutcome]:
    report = parse_junit(xml, requested, ROOT)
    assert not report.collection_errors
    return report.outcomes


def test_statuses_of_every_kind() -> None:
    out = parse(ALL_KINDS)
    f = "tests/sub/test_a.py"
    assert out[f"{f}::test_pass"].status == TestStatus.PASS
    assert out[f"{f}::test_fail"].status == TestStatus.FAIL
    assert out[f"{f}::test_fail"].message.startswith("AssertionError: one is not two")
    assert "tests/sub/test_a.py:7: AssertionError" in out[f"{f}::test_fail"].output
    assert out[f"{f}::test_error"].status == TestStatus.ERROR
    assert "fixture broke" in out[f"{f}::test_error"].message
    assert out[f"{f}::test_skip"].status == TestStatus.SKIP
    assert out[f"{f}::test_xfail"].status == TestStatus.SKIP
    assert out[f"{f}::test_timeout"].status == TestStatus.TIMEOUT
    assert out[f"{f}::test_timeout"].duration == pytest.approx(1.001)
    assert out[f"{f}::test_td"].status == TestStatus.ERROR
    assert len(out) == 14  # tests="15" counts the teardown error separately


def test_nested_classes_and_parametrized_ids() -> None:
    out = parse(ALL_KINDS)
    f = "tests/sub/test_a.py"
    assert out[f"{f}::TestOuter::TestInner::test_nested"].status == TestStatus.PASS
    assert out[f"{f}::TestOuter::test_m"].status == TestStatus.PASS
    for param in ("a.b", "e::f", "[g]", "h/i"):
        assert out[f"{f}::test_param[{param}]"].status == TestStatus.PASS
    assert out[f"{f}::test_param[c d]"].status == TestStatus.FAIL


def test_file_with_dots_escaped_params_and_inherited_test() -> None:
    f = "pkg.v2/test_dot.py"
    out = parse(INHERITED_AND_ESCAPED, (f"{f}::TestChild::test_inh",))
    assert set(out) == {
        f"{f}::TestChild::test_inh",
        f"{f}::test_u[\\xe9]",
        f"{f}::test_u[a|b]",
        f"{f}::test_u[x y::z]",
    }
    # Without the requested id the inherited test is located by naming convention.
    guessed = parse(INHERITED_AND_ESCAPED)
    assert "pkg/v2/test_dot.py::TestChild::test_inh" in guessed


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("a/test_b.py::test_c", ("a.test_b", "test_c")),
        (
            "a/test_b.py::TestX::TestY::test_c[1.5-x::y]",
            ("a.test_b.TestX.TestY", "test_c[1.5-x::y]"),
        ),
        ("test_b.py::test_c[a[b]]", ("test_b", "test_c[a[b]]")),
    ],
)
def test_mangle_and_node_id_round_trip(node: str, expected: tuple[str, str]) -> None:
    assert mangle(node) == expected
    assert node_id(node.split("::")[0], *expected) == node


def test_collection_errors_are_summarized() -> None:
    report = parse_junit(COLLECTION_ERRORS, (), ROOT)
    assert report.outcomes == {}
    assert report.collection_errors == [
        "tests/test_syn2.py: SyntaxError: invalid syntax (tests/test_syn2.py, line 1)",
        "tests/test_imp.py: ModuleNotFoundError: No module named 'nosuchmod'",
    ]


def test_interpret_collection_error_marks_requested_tests_error() -> None:
    wanted = ["tests/test_imp.py::test_y", "tests/test_other.py::test_z"]
    result = interpret(
        COLLECTION_ERRORS,
        returncode=2,
        requested=wanted,
        fail_fast=False,
        timed_out=False,
        output="",
        duration=0.3,
        root=ROOT,
    )
    assert "SyntaxError: invalid syntax" in result.compile_error
    assert {t: result.status(t) for t in wanted} == dict.fromkeys(wanted, TestStatus.ERROR)
    assert not result.plausible(Task(id="t", repo=ROOT, failing_tests=wanted[:1]))


def test_interpret_interrupted_run_marks_missing_tests_timeout() -> None:
    wanted = ["tests/test_int.py::test_a", "tests/test_int.py::test_b", "tests/test_int.py::test_c"]
    result = interpret(
        INTERRUPTED,
        returncode=2,
        requested=wanted,
        fail_fast=False,
        timed_out=True,
        output="KeyboardInterrupt",
        duration=10.0,
    )
    assert result.timed_out and not result.compile_error
    assert result.status(wanted[0]) == TestStatus.PASS
    assert result.status(wanted[1]) == TestStatus.TIMEOUT
    assert result.status(wanted[2]) == TestStatus.TIMEOUT


def test_interpret_fail_fast_leaves_absent_tests_out() -> None:
    f = "tests/sub/test_a.py"
    xml = ALL_KINDS.split('\n<testcase classname="tests.sub.test_a" name="test_error"')[0]
    xml += "</testsuite></testsuites>"
    wanted = [f"{f}::test_pass", f"{f}::test_fail", f"{f}::test_skip"]
    result = interpret(
        xml, returncode=1, requested=wanted, fail_fast=True, timed_out=False, output="", duration=1
    )
    assert result.stopped_early
    assert set(result.tests) == {f"{f}::test_pass", f"{f}::test_fail"}
    same = interpret(
        xml, returncode=1, requested=wanted, fail_fast=False, timed_out=False, output="", duration=1
    )
    assert not same.stopped_early and same.status(f"{f}::test_skip") == TestStatus.ERROR


def test_interpret_requested_prefixes_count_as_covered() -> None:
    f = "tests/sub/test_a.py"
    result = interpret(
        ALL_KINDS,
        returncode=1,
        requested=[f"{f}::test_param", "tests/sub", f],
        fail_fast=False,
        timed_out=False,
        output="",
        duration=1,
    )
    assert f"{f}::test_param" not in result.tests and "tests/sub" not in result.tests
    # a module asked for by its path gets one outcome too: its first test that did not pass
    assert result.status(f) == TestStatus.FAIL and len(result.tests) == 15


def test_interpret_no_tests_collected_and_missing_report() -> None:
    empty = '<?xml version="1.0"?><testsuites><testsuite tests="0"></testsuite></testsuites>'
    result = interpret(
        empty,
        returncode=5,
        requested=["t.py::x"],
        fail_fast=False,
        timed_out=False,
        output="no tests ran in 0.01s",
        duration=0.1,
    )
    assert result.compile_error == "no tests collected (pytest: no tests ran in 0.01s)"
    assert result.status("t.py::x") == TestStatus.ERROR
    assert not interpret(
        empty, returncode=5, requested=[], fail_fast=False, timed_out=False, output="", duration=0
    ).compile_error
    crashed = interpret(
        None,
        returncode=-9,
        requested=["t.py::x"],
        fail_fast=False,
        timed_out=False,
        output="....\nKilled",
        duration=0.1,
    )
    assert "code -9" in crashed.compile_error and "Killed" in crashed.compile_error
    assert crashed.status("t.py::x") == TestStatus.ERROR


USAGE_ERROR_OUTPUT = """\
ImportError while loading conftest '/tmp/jx/tests/conftest.py'.
tests/conftest.py:1: in <module>
    import nosuch
E   ModuleNotFoundError: No module named 'nosuch'
"""


def test_usage_error_output() -> None:
    result = interpret(
        None,
        returncode=4,
        requested=["tests/test_a.py::test_b"],
        fail_fast=False,
        timed_out=False,
        output=USAGE_ERROR_OUTPUT,
        duration=0.2,
    )
    assert "ModuleNotFoundError: No module named 'nosuch'" in result.compile_error
    not_found = "\nno tests ran in 0.00s\nERROR: not found: /tmp/jx/t.py::nope\n(no match in any of [<Module t.py>])\n"
    assert errors_from_output(not_found).startswith("ERROR: not found: /tmp/jx/t.py::nope")


def test_summarize_syntax_error_in_code_under_test() -> None:
    text = (
        "tests/test_syn.py:1: in <module>\n    import mod\n"
        'E     File "/tmp/jx/mod.py", line 3\nE       return x +* 2\n'
        "E                 ^\nE   SyntaxError: invalid syntax\n"
    )
    assert summarize_error(text, ROOT) == "SyntaxError: invalid syntax (mod.py, line 3)"


def test_long_messages_are_truncated() -> None:
    long = "x" * 5000
    xml = (
        '<testsuites><testsuite><testcase classname="t" name="test_a" file="t.py" time="0.1">'
        f'<failure message="{long}">{long}END</failure></testcase></testsuite></testsuites>'
    )
    outcome = parse(xml)["t.py::test_a"]
    assert len(outcome.message) == MESSAGE_LIMIT and len(outcome.output) == OUTPUT_LIMIT
    assert outcome.output.endswith("END")


def test_build_command() -> None:
    limits = RunLimits(per_test_timeout=2.5, fail_fast=True)
    cmd = build_command(
        "/py",
        "/r",
        "/p/junit.xml",
        limits,
        ["t.py::a"],
        extra_args=["-v"],
        autoload_plugins=False,
        coverage_rc="/p/rc",
    )
    assert cmd[:3] == ["/py", "-m", "pytest"]
    for arg in (
        "--rootdir=/r",
        "--junitxml=/p/junit.xml",
        "--timeout=2.5",
        "-x",
        "pytest_timeout",
        COVERAGE_PLUGIN,
        "junit_family=xunit1",
        "no:cacheprovider",
    ):
        assert arg in cmd
    assert cmd[-2:] == ["-v", "t.py::a"]
    assert not any(a.startswith("--cov") for a in cmd) and "pytest_cov.plugin" not in cmd
    plain = build_command("/py", "/r", "/j", RunLimits(), [])
    assert "-x" not in plain and COVERAGE_PLUGIN not in plain
    assert "pytest_timeout" not in plain
    bare = build_command("/py", "/r", "/j", RunLimits(), [], timeout_plugin=False,
                         autoload_plugins=False)  # fmt: skip
    assert not any(a.startswith("--timeout") or a == "pytest_timeout" for a in bare)


INTERNAL = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1"
failures="0" skipped="0" tests="2"><testcase classname="t" name="test_a" file="t.py" time="0.01"/>
<testcase classname="pytest" name="internal" time="0.000"><error message="internal error">
INTERNALERROR&gt; RecursionError: maximum recursion depth exceeded</error></testcase>
</testsuite></testsuites>"""


def test_pytest_internal_error_is_no_test_and_explains_the_missing_ones() -> None:
    report = parse_junit(INTERNAL)
    assert list(report.outcomes) == ["t.py::test_a"] and "RecursionError" in report.internal_error
    wanted = ["t.py::test_a", "t.py::test_b"]
    result = interpret(
        INTERNAL, returncode=3, requested=wanted, fail_fast=False, timed_out=False,
        output="INTERNALERROR> RecursionError", duration=1.0,
    )  # fmt: skip
    assert "pytest.py::internal" not in result.tests
    assert result.status(wanted[0]) == TestStatus.PASS
    assert result.status(wanted[1]) == TestStatus.ERROR
    assert "INTERNALERROR" in result.tests[wanted[1]].message
