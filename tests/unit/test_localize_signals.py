"""Localization signals beside the spectrum, on small projects run by real pytest: frames
of failing tracebacks (and the fallback when coverage saw nothing), tie-breaking by those
frames, by the functions failing tests are named after, then by later lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

from patchwright.core.domain import Task, TestOutcome, TestResult, TestStatus
from patchwright.core.protocols import CoverageMap, RunLimits
from patchwright.localize.sbfl import SbflLocalizer, is_test_file
from patchwright.localize.tiebreak import named_by, unit_names
from patchwright.localize.traceback_frames import frames
from patchwright.repo.git import init_repo
from patchwright.testing.testbed import local_bed

LIMITS = RunLimits(per_test_timeout=20.0, wall_timeout=120.0)


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    init_repo(root, "project")
    return root


def _reproduce(root: Path) -> tuple[Task, CoverageMap, TestResult]:
    bed = local_bed(root, plugins="none", fork_server=False)
    try:
        ids = list(bed.collect(LIMITS).tests)
        result, coverage = bed.calibrate(ids, LIMITS)
    finally:
        bed.close()
    failing = [t for t, o in result.tests.items() if o.status != TestStatus.PASS]
    passing = [t for t in result.tests if t not in failing]
    task = Task(id="t", repo=str(root), failing_tests=failing, passing_tests=passing)
    return task, coverage, result


UNTRACED = """\
    import sys


    def untraced(fn, *args):
        old = sys.gettrace()
        sys.settrace(None)
        try:
            return fn(*args)
        finally:
            sys.settrace(old)


    def parse(text):
        value = int(text)
        return value + offset
"""
UNTRACED_TEST = """\
    from mod import parse, untraced


    def test_parse():
        assert untraced(parse, "1") == 1
"""


def test_traceback_frames_localize_what_coverage_missed(tmp_path):
    """Code run under a replaced tracer leaves no coverage; its NameError names the line."""
    root = _project(tmp_path, {"mod.py": UNTRACED, "test_mod.py": UNTRACED_TEST})
    task, coverage, result = _reproduce(root)
    assert task.failing_tests == ["test_mod.py::test_parse"]
    assert 15 not in coverage.get("test_mod.py::test_parse", {}).get("mod.py", set())
    found = SbflLocalizer(root).localize(task, coverage, result)
    assert (found[0].path, found[0].line, found[0].symbol) == ("mod.py", 15, "parse")
    blind = SbflLocalizer(root, traceback=False).localize(task, coverage, result)
    assert ("mod.py", 15) not in {(loc.path, loc.line) for loc in blind}


def test_traceback_frames_are_the_fallback_when_coverage_has_nothing(tmp_path):
    root = _project(tmp_path, {"mod.py": UNTRACED, "test_mod.py": UNTRACED_TEST})
    task, _, result = _reproduce(root)
    found = SbflLocalizer(root).localize(task, {}, result)
    assert [(loc.path, loc.line) for loc in found][:2] == [("mod.py", 15), ("mod.py", 8)]
    assert SbflLocalizer(root, traceback=False).localize(task, {}, result) == []


TIED = """\
    def scale(x):
        if x < 0:
            raise ValueError(x)
        return x * 2


    def area(w, h):
        a = scale(w)
        b = h
        return a * b


    def perimeter(w, h):
        return scale(w + h)
"""
TIED_TEST = """\
    from mod import area, perimeter


    def test_area():
        assert area(2, 3) == 6


    def test_perimeter_negative():
        assert perimeter(-4, 1) == -6
"""


def test_ties_go_to_traceback_lines_then_named_functions_then_later_lines(tmp_path):
    """Both tests fail and no test passes: line 2 (run by both) scores highest, and every
    line only one of them runs ties below it."""
    root = _project(tmp_path, {"mod.py": TIED, "test_mod.py": TIED_TEST})
    task, coverage, result = _reproduce(root)
    assert len(task.failing_tests) == 2 and not task.passing_tests

    plain = SbflLocalizer(root, tiebreak=[]).localize(task, coverage, result)
    assert plain[0].line == 2
    assert len({loc.score for loc in plain[1:]}) == 1 and len(plain) == 7  # a six-way tie

    def order(keys: list[str]) -> list[int]:
        return [loc.line for loc in SbflLocalizer(root, tiebreak=keys).localize(task, coverage, result)]

    # the raising frame (depth 0) first, then its caller in perimeter (depth 1)
    assert order(["traceback"])[:3] == [2, 3, 14]
    # area and perimeter are named by failing tests; scale is not
    assert set(order(["test_name"])[1:5]) == {8, 9, 10, 14}
    assert order(["later"])[:4] == [2, 14, 10, 9]
    assert order(["traceback", "test_name", "later"]) == [2, 3, 14, 10, 9, 8, 4]


def test_tie_breaking_never_passes_a_higher_spectrum_score(tmp_path):
    root = _project(tmp_path, {"mod.py": TIED, "test_mod.py": TIED_TEST + """
    def test_area_ok():
        assert area(0, 5) == 0
    """})
    task, coverage, result = _reproduce(root)
    plain = SbflLocalizer(root, tiebreak=[]).localize(task, coverage, result)
    broken = SbflLocalizer(root).localize(task, coverage, result)
    assert [round(loc.score, 6) for loc in broken] == sorted((loc.score for loc in plain), reverse=True)
    assert {(loc.path, loc.line) for loc in broken} == {(loc.path, loc.line) for loc in plain}


LOGGED = """\
    import logging

    log = logging.getLogger("server")


    def respond(request):
        if "name" in request:
            return request["name"].upper()
        return request["fallback"].upper()


    def handle(request):
        try:
            return respond(request)
        except Exception:
            log.exception("uncaught exception")
            return None
"""
LOGGED_TEST = """\
    from mod import handle


    def test_named():
        assert handle({"name": "a"}) == "A"


    def test_default():
        assert handle({}) == "ANON"
"""


def test_a_traceback_the_code_logged_instead_of_raising_breaks_ties(tmp_path):
    """The handler catches the KeyError and logs it; the test fails on the missing result
    (its own traceback has no project frame). The logged traceback's raising line (9) is
    put ahead of the handler's lines it ties with, which run later."""
    root = _project(tmp_path, {"mod.py": LOGGED, "test_mod.py": LOGGED_TEST})
    task, coverage, result = _reproduce(root)
    assert task.failing_tests == ["test_mod.py::test_default"]
    assert "KeyError" in result.tests["test_mod.py::test_default"].output
    blind = SbflLocalizer(root, tiebreak=["later"]).localize(task, coverage, result)
    assert [loc.line for loc in blind[:4]] == [17, 16, 15, 9]  # tied at 1.0, later first
    assert {round(loc.score, 6) for loc in blind[:4]} == {1.0}
    found = SbflLocalizer(root).localize(task, coverage, result)
    assert (found[0].line, found[0].symbol) == (9, "respond")


WORDY = """\
    def parse_range(header):
        start, end = header.split("-")
        return int(start), int(end) + 1


    def log_request(path):
        message = "GET " + path
        return message.upper()
"""
WORDY_TEST = """\
    from mod import log_request, parse_range


    def test_range_end():
        log_request("/x")
        assert parse_range("2-5") == (2, 5)
"""


def test_ties_go_to_the_function_whose_words_the_failing_test_speaks(tmp_path):
    """Every line ties at 1.0 (one failing test, no passing one); neither function is the
    one the test is named after. The test's id and printed source speak of a range and its
    end: parse_range's lines come before log_request's later ones."""
    root = _project(tmp_path, {"mod.py": WORDY, "test_mod.py": WORDY_TEST})
    task, coverage, result = _reproduce(root)
    later = SbflLocalizer(root, tiebreak=["later"]).localize(task, coverage, result)
    assert [loc.line for loc in later] == [8, 7, 3, 2]
    worded = SbflLocalizer(root, tiebreak=["lexical", "later"]).localize(task, coverage, result)
    assert [loc.line for loc in worded] == [3, 2, 8, 7]
    assert [loc.line for loc in SbflLocalizer(root).localize(task, coverage, result)][:2] == [3, 2]


def test_frames_read_python_and_pytest_spellings(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "core.py").write_text("x = 1\n")
    (tmp_path / "test_core.py").write_text("x = 1\n")
    text = (
        f'  File "{tmp_path}/test_core.py", line 4, in test_x\n'
        f'  File "{tmp_path}/pkg/core.py", line 7, in run\n'
        '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads\n'
        "pkg/core.py:9: in helper\n"
        "pkg/core.py:7: ValueError\n"
    )
    got = frames(text, tmp_path, lambda p: not is_test_file(p))
    assert got == [("pkg/core.py", 9), ("pkg/core.py", 7)]  # recursion folded, innermost kept


def test_names_from_test_ids():
    names = unit_names(["tests/test_gcd.py::test_gcd[input0-1]", "t.py::TestParser::test_parse_empty",
                        "pkg.tests.test_io.IoTest.test_read"])  # fmt: skip
    assert {"gcd", "parser", "parse_empty", "io", "read"} <= names
    assert named_by("gcd", names) and named_by("Parser.feed", names) and named_by("parse", names)
    assert not named_by("lcm", names)


def test_a_failing_outcome_without_frames_changes_nothing(tmp_path):
    (tmp_path / "m.py").write_text("def f(x):\n    return x\n")
    task = Task(id="x", repo=str(tmp_path), failing_tests=["t.py::f"], passing_tests=[])
    result = TestResult(tests={"t.py::f": TestOutcome(status=TestStatus.FAIL, message="assert 1 == 2")})
    cov = {"t.py::f": {"m.py": {1, 2}}}
    assert SbflLocalizer(tmp_path).localize(task, cov, result) == SbflLocalizer(
        tmp_path, traceback=False).localize(task, cov, result)  # fmt: skip


def test_java_stack_traces_break_ties_too(tmp_path):
    """A failing JUnit test's trace (innermost frame first) lifts the throwing line above
    the lines it ties with; the test class's own frames are no suspects."""
    src = "src/main/java/demo/Esc.java"
    text = "package demo;\n\npublic class Esc {\n" + "".join(
        f"    static int f{i}(int x) {{\n        return x + {i};\n    }}\n" for i in range(4)
    ) + "}\n"  # fmt: skip
    (tmp_path / "src/main/java/demo").mkdir(parents=True)
    (tmp_path / src).write_text(text)
    (tmp_path / "src/test/java/demo").mkdir(parents=True)
    (tmp_path / "src/test/java/demo/EscTest.java").write_text("package demo;\nclass EscTest {}\n")
    test = "demo.EscTest#surrogates"
    trace = ("java.lang.StringIndexOutOfBoundsException: index 2\n"
             "\tat java.base/java.lang.String.charAt(String.java:1519)\n"
             "\tat demo.Esc.f1(Esc.java:8)\n\tat demo.Esc.f0(Esc.java:5)\n"
             "\tat demo.EscTest.surrogates(EscTest.java:2)\n")  # fmt: skip
    result = TestResult(tests={test: TestOutcome(status=TestStatus.ERROR, message="", output=trace)})
    coverage: CoverageMap = {test: {src: {5, 8, 11, 14}}}
    task = Task(id="t", repo=str(tmp_path), failing_tests=[test])
    plain = SbflLocalizer(tmp_path, tiebreak=[]).localize(task, coverage, result)
    assert len({loc.score for loc in plain}) == 1  # a four-way tie without the trace
    ranked = SbflLocalizer(tmp_path, tiebreak=["traceback"]).localize(task, coverage, result)
    assert [loc.line for loc in ranked][:2] == [8, 5]
    assert all(loc.path == src for loc in ranked)
