"""The test bed a run builds from its configuration: runner by name (registry), its options
under ``runners.NAME``, the pytest keys users already set under ``sandbox`` still honoured."""

from pathlib import Path

import pytest

from conftest import git
from patchwright.app.components import make_testbed
from patchwright.core.config import build_config
from patchwright.core.errors import RepairError
from patchwright.sandbox.local import LocalSandbox
from patchwright.testing.pytest_runner import PytestRunner
from patchwright.testing.unittest_runner import UnittestRunner


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_a.py").write_text("import unittest\n\nclass T(unittest.TestCase):\n"
                                              "    def test_a(self):\n        pass\n")  # fmt: skip
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def bed(repo: Path, *overrides: str):  # type: ignore[no-untyped-def]
    testbed = make_testbed(build_config(overrides=list(overrides)), repo)
    testbed.close()
    return testbed


def test_runner_by_name_and_auto(repo: Path) -> None:
    assert isinstance(bed(repo).runner, UnittestRunner)  # auto: a plain unittest suite
    assert isinstance(bed(repo, "runner=pytest").runner, PytestRunner)
    one = bed(repo, "runner=unittest", "runners.unittest.start_dir=tests")
    assert one.runner.config.start_dir == "tests" and isinstance(one.sandbox, LocalSandbox)


def test_pytest_options_old_and_new_keys(repo: Path) -> None:
    assert bed(repo, "runner=pytest").runner.config.plugins == "auto"
    assert bed(repo, "runner=pytest", "sandbox.plugins=none").runner.config.plugins == "none"
    both = bed(repo, "runner=pytest", "sandbox.plugins=none", "runners.pytest.plugins=all")
    assert both.runner.config.plugins == "all"
    assert not bed(repo, "runner=pytest", "sandbox.fork_server=false").runner.config.fork_server


def test_bad_names_and_options_are_one_line_errors(repo: Path) -> None:
    with pytest.raises(RepairError, match="unknown runner 'nose'"):
        bed(repo, "runner=nose")
    with pytest.raises(Exception, match="invalid UnittestRunner setting bogus"):
        bed(repo, "runner=unittest", "runners.unittest.bogus=1")
