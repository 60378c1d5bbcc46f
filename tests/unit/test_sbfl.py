from patchwright.core.domain import Task, TestResult
from patchwright.localize.sbfl import SbflLocalizer, is_test_file, ochiai, score_lines

SRC = """def f(x):
    y = x * 2
    if y > 10:
        return y - 1
    return y
"""


def test_ochiai_values():
    assert ochiai(2, 0, 0, 3) == 1.0
    assert ochiai(0, 3, 2, 0) == 0.0
    assert abs(ochiai(1, 1, 1, 1) - 0.5) < 1e-9


def test_lines_only_failing_tests_execute_rank_first(tmp_path):
    (tmp_path / "m.py").write_text(SRC)
    cov = {
        "t.py::fail1": {"m.py": {2, 3, 4}, "test_m.py": {1}},
        "t.py::fail2": {"m.py": {2, 3, 4}},
        "t.py::pass1": {"m.py": {2, 3, 5}},
        "t.py::pass2": {"m.py": {2, 3, 5}},
    }
    task = Task(
        id="x",
        repo=str(tmp_path),
        failing_tests=["t.py::fail1", "t.py::fail2"],
        passing_tests=["t.py::pass1", "t.py::pass2"],
    )
    locs = SbflLocalizer(tmp_path).localize(task, cov, TestResult())
    assert locs[0].line == 4 and locs[0].score == 1.0 and locs[0].symbol == "f"
    assert {loc.line for loc in locs} == {2, 3, 4}  # line 5 is never run by a failing test
    assert all(loc.path == "m.py" for loc in locs)  # test files are not candidates


def test_test_file_detection():
    assert (
        is_test_file("tests/test_a.py") and is_test_file("test_a.py") and is_test_file("a_test.py")
    )
    assert is_test_file("pkg/conftest.py") and not is_test_file("pkg/testing_utils.py")
    assert not is_test_file("src/attest.py")


def test_score_lines_ignores_unknown_tests():
    cov = {"other": {"m.py": {1}}}
    assert score_lines(cov, ["f"], ["p"]) == []
