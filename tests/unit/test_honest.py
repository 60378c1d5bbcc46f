"""Which files of a patch are tests or test configuration (pipeline/honest.py)."""

from __future__ import annotations

from patchwright.core.diff import make_patch
from patchwright.pipeline.honest import test_edits as edits_of


def _edits(path: str, before: str = "x = 1\n", after: str = "x = 2\n", ids: tuple[str, ...] = ()) -> list[str]:
    return edits_of(make_patch({path: before}, {path: after}), ids)


def test_source_files_are_no_test_edits() -> None:
    assert _edits("src/pkg/mod.py") == []
    assert _edits("pkg/contest.py") == []
    assert _edits("pyproject.toml", "[project]\nname = 'a'\n", "[project]\nname = 'b'\n") == []


def test_test_modules_dirs_and_configuration_are() -> None:
    for path in ("test_mod.py", "pkg/mod_test.py", "tests/helpers.py", "src/test/java/FooTest.java",
                 "conftest.py", "tests/conftest.py", "pytest.ini", "tox.ini", ".coveragerc"):  # fmt: skip
        assert _edits(path) == [path], path
    assert _edits("checks.py", ids=("checks.py::test_x",)) == ["checks.py"]


def test_pytest_settings_in_a_mixed_file_are() -> None:
    before = "[tool.pytest.ini_options]\naddopts = ''\n"
    after = "[tool.pytest.ini_options]\naddopts = '-p fake'\n"
    assert _edits("pyproject.toml", before, after) == ["pyproject.toml"]
    assert _edits("setup.cfg", "[tool:pytest]\n", "[tool:pytest]\naddopts = -q\n") == ["setup.cfg"]
