"""Reproduce and validate on a suite bigger than the related set, with real pytest runs:
coverage only for the failing tests and a bounded set of related ones (their module first,
then a fixed sample), ids found by collection; validate still catches a regression outside
that set and forgives a test that failed before the patch."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git
from patchwright.core.config import RunConfig
from patchwright.core.diff import make_patch
from patchwright.core.domain import Task, TestStatus
from patchwright.pipeline.baseline import candidate_limits, related_tests, reproduce, validate
from patchwright.testing.testbed import local_bed

BUG = "def double(x):\n    return x + 2\n\n\ndef triple(x):\n    return 3 * x\n"
FIXED = BUG.replace("x + 2", "x * 2")
BUG_TESTS = (
    "from lib import double, triple\n\n\n"
    "def test_double():\n    assert double(5) == 10\n\n\n"
    "def test_double_two():\n    assert double(2) == 4\n\n\n"
    "def test_triple():\n    assert triple(2) == 6\n"
)
MODULES, PER_MODULE = 8, 20
FAILING = "tests/test_lib.py::test_double"


def other_module(i: int) -> str:
    body = "from lib import triple\n"
    for k in range(PER_MODULE):
        body += f"\n\ndef test_{k}():\n    assert triple({k}) == {3 * k}\n"
    if i == 0:
        body += "\n\ndef test_broken_before():\n    assert False, 'broken at base'\n"
    return body


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "big"
    files = {"lib.py": BUG, "tests/test_lib.py": BUG_TESTS}
    files.update({f"tests/test_m{i}.py": other_module(i) for i in range(MODULES)})
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def config(related: int) -> RunConfig:
    return RunConfig.model_validate({"sandbox": {"per_test_timeout": 5, "plugins": "none"},
                                     "reproduce": {"related_tests": related}})  # fmt: skip


TOTAL = 3 + MODULES * PER_MODULE + 1


def test_related_tests_are_bounded_module_first_and_fixed() -> None:
    ids = [f"t/a.py::{k}" for k in range(5)] + [f"t/b{m}.py::{k}" for m in range(9) for k in range(9)]
    picked = related_tests(ids, ["t/a.py::0"], 10)
    assert picked[:4] == ["t/a.py::1", "t/a.py::2", "t/a.py::3", "t/a.py::4"]
    assert len(picked) == 10 and "t/a.py::0" not in picked
    assert picked == related_tests(ids, ["t/a.py::0"], 10)
    assert related_tests(ids, ["t/a.py::0"], 3) == ["t/a.py::1", "t/a.py::2", "t/a.py::3"]
    assert set(related_tests(ids[:5], ["t/a.py::0"], 50)) == set(ids[1:5])


def test_coverage_only_for_failing_and_related(project: Path) -> None:
    with local_bed(project, plugins="none") as bed:
        base = reproduce(bed, config(10), [FAILING])
    assert base.collected == TOTAL
    assert base.failing == [FAILING]
    assert base.passing[:2] == ["tests/test_lib.py::test_double_two", "tests/test_lib.py::test_triple"]
    assert len(base.passing) <= 10
    assert set(base.result.tests) == {FAILING, *base.passing} | {
        t for t, o in base.result.tests.items() if o.status != TestStatus.PASS
    }
    assert len(base.result.tests) <= 11 and set(base.coverage) <= set(base.result.tests)
    assert base.coverage[FAILING]["lib.py"] == {2}
    again = reproduce(local_bed(project, plugins="none"), config(10), [FAILING])
    assert again.passing == base.passing


def test_without_selectors_the_failing_tests_come_from_a_plain_run(project: Path) -> None:
    with local_bed(project, plugins="none") as bed:
        base = reproduce(bed, config(10), [])
    assert set(base.failing) == {FAILING, "tests/test_m0.py::test_broken_before"}
    assert len(base.result.tests) <= 12 and set(base.coverage) <= set(base.result.tests)


def test_a_small_suite_is_run_once_with_coverage_for_all(project: Path) -> None:
    with local_bed(project, plugins="none") as bed:
        base = reproduce(bed, config(TOTAL), [FAILING])
    assert len(base.result.tests) == TOTAL and len(base.coverage) >= TOTAL - 1


def test_validate_catches_regressions_outside_the_related_set(project: Path) -> None:
    with local_bed(project, plugins="none") as bed:
        base = reproduce(bed, config(2), [FAILING])
        task_limits = candidate_limits(config(2), base)
        task = Task(id="big", repo=str(project), failing_tests=base.failing,
                    passing_tests=base.passing)  # fmt: skip
        assert all("test_m" not in t for t in task.passing_tests)
        fix = make_patch({"lib.py": BUG}, {"lib.py": FIXED})
        result, judged = validate(bed, task, fix, task_limits, 120)
        assert result.plausible(judged)  # test_broken_before failed at base: forgiven
        assert "tests/test_m0.py::test_broken_before" not in judged.passing_tests
        assert len(judged.passing_tests) == TOTAL - 2
        breaking = make_patch({"lib.py": BUG}, {"lib.py": FIXED.replace("3 * x", "3 * x + (x == 7)")})
        result, judged = validate(bed, task, breaking, task_limits, 120)
        assert not result.plausible(judged)
        assert "tests/test_m3.py::test_7" in judged.passing_tests
        assert result.status("tests/test_m3.py::test_7") == TestStatus.FAIL


def test_validate_with_a_module_broken_at_base_judges_the_known_tests(project: Path) -> None:
    (project / "tests/test_zz_broken.py").write_text("import no_such_module\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "a broken module")
    with local_bed(project, plugins="none") as bed:
        base = reproduce(bed, config(5), [FAILING])
        task = Task(id="big", repo=str(project), failing_tests=base.failing,
                    passing_tests=base.passing)  # fmt: skip
        fix = make_patch({"lib.py": BUG}, {"lib.py": FIXED})
        result, judged = validate(bed, task, fix, candidate_limits(config(5), base), 120)
        assert result.plausible(judged) and judged.passing_tests == base.passing


def test_a_module_that_imports_only_beside_the_whole_suite_is_set_aside(project: Path) -> None:
    # tests/b_user imports a helper that only tests/a_provider's collection puts on
    # sys.path (pytest's prepend import mode): the whole suite collects, the failing test
    # with its related sample (which has no test of a_provider) does not; fastapi's
    # tutorial tests are such modules
    files = {"tests/a_provider/test_provides.py": "import shared_helpers  # noqa\n",
             "tests/a_provider/shared_helpers.py": "VALUE = 3\n",
             "tests/b_user/test_uses.py": "from shared_helpers import VALUE\n\n\n"
                                          "def test_value():\n    assert VALUE == 3\n"}  # fmt: skip
    for rel, text in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "a module that needs another's folder")
    notes: list[str] = []
    with local_bed(project, plugins="none") as bed:
        base = reproduce(bed, config(TOTAL + 5), [FAILING], notes)
    assert base.collected == TOTAL + 1
    assert base.failing == [FAILING] and base.result.status(FAILING) == TestStatus.FAIL
    assert base.coverage[FAILING]["lib.py"] == {2}
    assert not any(t.startswith("tests/b_user/") for t in base.result.tests)
    assert len(base.passing) == TOTAL - 2
    said = next(n for n in notes if "do not import when run apart" in n)
    assert "1 test module(s)" in said and "tests/b_user/test_uses.py" in said
