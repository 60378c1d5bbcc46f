"""The project's own environment and a reproduce stage that does not give up, end to end:
real git repositories built here, real venvs (``python -m venv``), real pytest runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from patchwright.core.config import RunConfig
from patchwright.core.domain import Task
from patchwright.localize.sbfl import SbflLocalizer
from patchwright.pipeline.baseline import reproduce
from patchwright.testing.testbed import local_bed

CALC = "def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n"
CALC_TESTS = (
    "from calc import clamp\n\n\ndef test_low():\n    assert clamp(-1, 0, 5) == 0\n\n\n"
    "def test_high():\n    assert clamp(9, 0, 5) == 5\n\n\ndef test_mid():\n    assert clamp(3, 0, 5) == 3\n"
)
OFF_BY_ONE = CALC.replace("return hi\n", "return hi - 1\n")
OTHER = "def twice(x):\n    return 2 * x\n"
REPAIR = ("repair", "--set", "sandbox.plugins=none")
"""The CLI's repair, without the host's installed pytest plugins (faster here)."""
OTHER_TESTS = "from other import twice\n\n\ndef test_twice():\n    assert twice(2) == 4\n"


def _trajectory_notes(run: Path) -> list[dict[str, object]]:
    lines = (run / "trajectory.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("kind") == "note"]


def _venv(where: Path, *, system: bool) -> Path:
    args = [sys.executable, "-m", "venv", "--without-pip", str(where)]
    subprocess.run(args + (["--system-site-packages"] if system else []), check=True)
    return where / "bin" / "python"


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                               check=True).stdout.strip())  # fmt: skip


# -- a module that does not import --------------------------------------------------------


def test_a_syntax_error_in_one_module_is_localized_and_repaired(cli, make_repo, tmp_path) -> None:
    proj = make_repo({
        "calc.py": CALC.replace("if x < lo:", "if x < lo"), "tests/test_calc.py": CALC_TESTS,
        "other.py": OTHER, "tests/test_other.py": OTHER_TESTS,
    })  # fmt: skip
    run = tmp_path / "run"
    res = cli(*REPAIR, str(proj), "--out", str(run))
    assert res.returncode == 0, res.stderr
    assert "-    if x < lo\n+    if x < lo:\n" in res.stdout
    assert "failing=1" in res.stderr and "tests/test_calc.py" in res.stderr
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "plausible"
    # the patch applies and the project's tests then pass
    subprocess.run(["git", "apply", "-"], input=res.stdout, text=True, cwd=proj, check=True)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=proj, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout


def test_a_name_error_at_import_is_localized_and_repaired(cli, make_repo, tmp_path) -> None:
    conf = "DEFAULT_LIMIT = 5\nLIMIT = DEFAULT_LIMT\n\n\ndef limit():\n    return LIMIT\n"
    tests = "from conf import limit\n\n\ndef test_limit():\n    assert limit() == 5\n"
    proj = make_repo({"conf.py": conf, "tests/test_conf.py": tests,
                      "other.py": OTHER, "tests/test_other.py": OTHER_TESTS})  # fmt: skip
    with local_bed(proj, plugins="none") as bed:
        base = reproduce(bed, RunConfig(), [])
    assert base.failing == ["tests/test_conf.py"]
    assert base.passing == ["tests/test_other.py::test_twice"]
    outcome = base.result.tests["tests/test_conf.py"]
    assert "NameError: name 'DEFAULT_LIMT' is not defined" in outcome.message  # pytest's words
    task = Task(id="t", repo=str(proj), failing_tests=base.failing, passing_tests=base.passing)
    top = SbflLocalizer(proj).localize(task, base.coverage, base.result)[0]
    assert (top.path, top.line) == ("conf.py", 2)
    res = cli(*REPAIR, str(proj), "--out", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr
    assert "-LIMIT = DEFAULT_LIMT\n+LIMIT = DEFAULT_LIMIT\n" in res.stdout


def test_collection_errors_elsewhere_are_set_aside_and_said(cli, make_repo, tmp_path) -> None:
    proj = make_repo({
        "calc.py": OFF_BY_ONE, "tests/test_calc.py": CALC_TESTS,
        "tests/extra/test_needs_dep.py": "import no_such_dependency\n\n\ndef test_x():\n    pass\n",
    })  # fmt: skip
    run = tmp_path / "run"
    res = cli(*REPAIR, str(proj), "--out", str(run))
    assert res.returncode == 0, res.stderr
    assert "return hi\n" in res.stdout
    line = next(ln for ln in res.stderr.splitlines() if "set aside" in ln)
    assert line == (
        "reproduce: set aside 1 test module(s) that do not collect: tests/extra/test_needs_dep.py: "
        "ModuleNotFoundError: No module named 'no_such_dependency'"
    )
    notes = _trajectory_notes(run)
    assert any("no_such_dependency" in str(n["message"]) for n in notes)
    # with the failing test named, the same
    res = cli(*REPAIR, str(proj), "--out", str(tmp_path / "run2"), "--test",
              "tests/test_calc.py::test_high")  # fmt: skip
    assert res.returncode == 0, res.stderr
    # said from collection's own words (that module is not run when a test is named)
    assert next(ln for ln in res.stderr.splitlines() if "set aside" in ln) == line


def test_no_tests_found_quotes_pytest(cli, make_repo, tmp_path) -> None:
    proj = make_repo({"calc.py": CALC, "README": "no tests here\n"})
    res = cli(*REPAIR, str(proj), "--out", str(tmp_path / "run"))
    assert res.returncode == 2
    assert "no tests found (pytest: no tests collected in " in res.stderr
    assert "Traceback" not in res.stderr


# -- the project's test configuration -------------------------------------------------------

CONFIGS = {
    "pytest.ini": "[pytest]\n{body}",
    "setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\n{body}",
    "tox.ini": "[tox]\nenvlist = py\n\n[pytest]\n{body}",
    "pyproject.toml": '[tool.pytest.ini_options]\npython_files = ["check_*.py"]\n'
    'python_functions = ["check_*"]\ntestpaths = ["checks"]\n',
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_projects_pytest_configuration_is_used(make_repo, name: str) -> None:
    body = "python_files = check_*.py\npython_functions = check_*\ntestpaths = checks\n"
    checks = CALC_TESTS.replace("def test_", "def check_")
    proj = make_repo({
        "calc.py": OFF_BY_ONE, "checks/check_calc.py": checks, name: CONFIGS[name].format(body=body),
        "elsewhere/check_ignored.py": "def check_never():\n    assert False\n",
    })  # fmt: skip
    with local_bed(proj, plugins="none") as bed:
        base = reproduce(bed, RunConfig(), [])
    assert base.failing == ["checks/check_calc.py::check_high"]
    assert sorted(base.passing) == [
        "checks/check_calc.py::check_low",
        "checks/check_calc.py::check_mid",
    ]
    assert base.coverage["checks/check_calc.py::check_high"]["calc.py"] == {2, 4, 5}


# -- the project's environment -------------------------------------------------------------


def test_a_venv_without_pytest_cov_timeout_or_coverage_still_repairs(
    cli, make_repo, tmp_path
) -> None:
    """Only pytest (and what it needs) in the venv: coverage comes from Patchwright's own
    plugin (no pytest-cov), the coverage package from Patchwright's interpreter (same
    Python version), and without pytest-timeout the wall limit alone holds."""
    python = _venv(tmp_path / "bare", system=False)
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    host = Path(sysconfig.get_paths()["purelib"])
    for name in ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "pygments", "py.py"):
        if (host / name).exists():
            (shelf / name).symlink_to(host / name)
    (_site_packages(python) / "shelf.pth").write_text(f"{shelf}\n")
    check = "import pytest, importlib.util as u; print(u.find_spec('pytest_cov'), u.find_spec('coverage'))"
    probe = subprocess.run([str(python), "-c", check], capture_output=True, text=True, check=True)
    assert probe.stdout.split() == ["None", "None"]
    proj = make_repo({"calc.py": OFF_BY_ONE, "tests/test_calc.py": CALC_TESTS})
    run = tmp_path / "run"
    res = cli(*REPAIR, str(proj), "--venv", str(tmp_path / "bare"), "--out", str(run))
    assert res.returncode == 0, res.stderr
    assert "exited with code 4" not in res.stderr and "return hi\n" in res.stdout
    spectra = json.loads((run / "coverage.json").read_text())["coverage"]
    assert spectra["tests/test_calc.py::test_high"]["calc.py"] == [2, 4, 5]
    assert json.loads((run / "request.json").read_text())["config"]["sandbox"]["venv"]


def test_a_venv_without_pytest_says_how_to_fix_it(cli, make_repo, tmp_path) -> None:
    python = _venv(tmp_path / "empty", system=False)
    proj = make_repo({"calc.py": OFF_BY_ONE, "tests/test_calc.py": CALC_TESTS})
    res = cli(*REPAIR, str(proj), "--python", str(python), "--out", str(tmp_path / "run"))
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last == (f"patchwright: error: the test command crashed at the base commit: pytest is "
                    f"not installed in {python}: run '{python} -m pip install pytest'")  # fmt: skip


SRC_PKG = {
    "src/calc/__init__.py": OFF_BY_ONE,
    "tests/test_calc.py": CALC_TESTS,
    ".gitignore": ".venv/\n",
}


def _installed_project(make_repo, tmp_path: Path) -> tuple[Path, Path]:
    """A src-layout project whose package is also installed, as a regular (non-editable)
    copy, into the project's own .venv."""
    proj = make_repo(SRC_PKG)
    python = _venv(proj / ".venv", system=True)
    shutil.copytree(proj / "src" / "calc", _site_packages(python) / "calc")
    return proj, python


def test_an_installed_package_is_found_in_the_project_venv_and_repaired(
    cli, make_repo, tmp_path
) -> None:
    proj, python = _installed_project(make_repo, tmp_path)
    run = tmp_path / "run"
    res = cli(*REPAIR, str(proj), "--out", str(run))
    assert res.returncode == 0, res.stderr
    assert f"environment: tests run with {python} (.venv)" in res.stderr
    assert res.stdout.startswith("diff --git a/src/calc/__init__.py b/src/calc/__init__.py")
    spectra = json.loads((run / "coverage.json").read_text())["coverage"]
    assert spectra["tests/test_calc.py::test_high"]["src/calc/__init__.py"] == [2, 4, 5]


def test_coverage_of_the_installed_copy_maps_to_the_workspace(make_repo, tmp_path) -> None:
    """With the workspace not put first, the tests run the site-packages copy: its lines
    count as the workspace's ``src/calc/__init__.py``."""
    proj, python = _installed_project(make_repo, tmp_path)
    with local_bed(proj, python=str(python), plugins="none", workspace_first=False) as bed:
        result, coverage = bed.collect_coverage(["tests/test_calc.py::test_high"], _limits())
    assert not result.passed("tests/test_calc.py::test_high")
    assert coverage["tests/test_calc.py::test_high"] == {"src/calc/__init__.py": {2, 4, 5},
                                                         "tests/test_calc.py": {9}}  # fmt: skip


def _limits():  # type: ignore[no-untyped-def]
    from patchwright.core.protocols import RunLimits

    return RunLimits(per_test_timeout=20, wall_timeout=120)


# -- other threads ---------------------------------------------------------------------------

MONITOR = """\
import threading

_stop = threading.Event()
_seen = []


def _watch():
    while not _stop.is_set():
        _seen.append(1)
        _stop.wait(0.001)


def start():
    thread = threading.Thread(target=_watch, daemon=True)
    thread.start()
    return thread


def stop(thread):
    _stop.set()
    thread.join()
"""
MONITOR_TESTS = """\
import time

from calc import clamp
from monitor import start, stop


def test_high():
    thread = start()
    time.sleep(0.05)
    try:
        assert clamp(9, 0, 5) == 5
    finally:
        stop(thread)
"""


@pytest.mark.parametrize("other_threads", [False, True])
def test_lines_of_other_threads_stay_out_of_a_tests_spectrum(
    make_repo, other_threads: bool
) -> None:
    proj = make_repo(
        {"calc.py": OFF_BY_ONE, "monitor.py": MONITOR, "tests/test_m.py": MONITOR_TESTS}
    )
    with local_bed(proj, plugins="none", other_threads=other_threads) as bed:
        _, coverage = bed.collect_coverage(["tests/test_m.py::test_high"], _limits())
    lines = coverage["tests/test_m.py::test_high"]["monitor.py"]
    assert {14, 15, 16, 20, 21} <= lines  # start() and stop() run in the test's thread
    watch = {8, 9, 10}  # _watch(), run by the monitor thread only
    assert (watch <= lines) if other_threads else not (watch & lines)


def test_a_projects_own_pytest_cov_options_do_not_stop_our_coverage(make_repo) -> None:
    """``addopts = --cov ...`` in the project's config, pytest-cov installed and loaded:
    pytest-cov is blocked in the coverage run and its options are accepted and ignored."""
    ini = "[pytest]\naddopts = --cov=calc --cov-report=term-missing --cov-branch\n"
    proj = make_repo({"calc.py": OFF_BY_ONE, "tests/test_calc.py": CALC_TESTS, "pytest.ini": ini})
    with local_bed(proj, plugins="all") as bed:
        result, coverage = bed.collect_coverage(["tests/test_calc.py::test_high"], _limits())
    assert not result.compile_error and not result.passed("tests/test_calc.py::test_high")
    assert coverage["tests/test_calc.py::test_high"]["calc.py"] == {2, 4, 5}


UNITTEST_CALC = """\
import unittest

from calc import clamp


class ClampTest(unittest.TestCase):
    def test_high(self):
        self.assertEqual(clamp(9, 0, 5), 5)
"""


@pytest.mark.parametrize("runner", ["pytest", "unittest"])
def test_the_workspace_comes_before_an_installed_copy(make_repo, tmp_path, runner: str) -> None:
    """The installed copy has the bug, the workspace not: the tests see the workspace."""
    files = {"src/calc/__init__.py": CALC, "tests/test_calc.py": UNITTEST_CALC}
    proj = make_repo({**files, ".gitignore": ".venv/\n"})
    python = _venv(proj / ".venv", system=True)  # seen by the isolated sandbox too
    (_site_packages(python) / "calc").mkdir()
    (_site_packages(python) / "calc" / "__init__.py").write_text(OFF_BY_ONE)
    test = "tests/test_calc.py::ClampTest::test_high"
    options = {"plugins": "none"} if runner == "pytest" else {}
    with local_bed(proj, runner=runner, python=str(python), **options) as bed:  # type: ignore[arg-type]
        result, coverage = bed.collect_coverage([test], _limits())
    assert result.passed(test), result
    assert coverage[test]["src/calc/__init__.py"] == {2, 4, 5}


def test_a_unittest_suite_with_a_module_that_does_not_import_is_repaired(
    cli, make_repo, tmp_path
) -> None:
    """The unittest runner's load error names the file and line too (unittest's loader
    wraps it in an ImportError): localized and repaired as with pytest."""
    other = "import unittest\n\n\nclass OK(unittest.TestCase):\n    def test_ok(self):\n        self.assertTrue(True)\n"
    proj = make_repo({
        "calc.py": CALC.replace("if x < lo:", "if x < lo"), "tests/__init__.py": "",
        "tests/test_calc.py": UNITTEST_CALC, "tests/test_ok.py": other,
    })  # fmt: skip
    res = cli(*REPAIR, str(proj), "--out", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr
    assert "-    if x < lo\n+    if x < lo:\n" in res.stdout
    assert "failing=1 passing=1: tests/test_calc.py" in res.stderr  # the module, by path


# -- an environment built from what the project declares -------------------------------------


def test_no_env_found_builds_one_from_requirements_txt(cli, make_repo, tmp_path) -> None:
    """Uses the package index (PyPI): the project pins a version of a small package that
    differs from the one installed here, and one of its tests checks it got that one."""
    pin = "iniconfig==1.1.1"
    env_test = ("import importlib.metadata\n\n\ndef test_pinned():\n"
                "    assert importlib.metadata.version('iniconfig') == '1.1.1'\n")  # fmt: skip
    proj = make_repo({"calc.py": OFF_BY_ONE, "tests/test_calc.py": CALC_TESTS,
                      "tests/test_env.py": env_test, "requirements.txt": pin + "\n"})  # fmt: skip
    run = tmp_path / "run"
    res = cli(*REPAIR, str(proj), "--out", str(run), timeout=900)
    assert res.returncode == 0, res.stderr
    assert "-        return hi - 1\n+        return hi\n" in res.stdout
    notes = [n["message"] for n in _trajectory_notes(run) if n.get("name") == "environment"]
    assert notes and "built from requirements.txt" in str(notes[0]), notes
    envs = list((tmp_path / "home" / "envs").glob("py*"))
    assert any(p.is_dir() for p in envs), envs
    # the pinned test passed at base in the built env (it is kept, not failing)
    result = json.loads((run / "result.json").read_text())
    assert "tests/test_env.py::test_pinned" in result["passing_tests"]
    # a second run reuses the cached environment
    again = cli(*REPAIR, str(proj), "--out", str(tmp_path / "run2"), timeout=900)
    assert again.returncode == 0, again.stderr
    assert "building environment" not in again.stderr


def test_build_env_never_keeps_patchwrights_interpreter(cli, make_repo, tmp_path) -> None:
    proj = make_repo({"calc.py": OFF_BY_ONE, "tests/test_calc.py": CALC_TESTS,
                      "requirements.txt": "no-such-distribution-xyz==9.9\n"})  # fmt: skip
    run = tmp_path / "run"
    res = cli(*REPAIR, "--set", "sandbox.build_env=never", str(proj), "--out", str(run))
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "home" / "envs").exists() or not list((tmp_path / "home" / "envs").glob("py*"))


def test_an_env_that_cannot_be_built_is_one_line(cli, make_repo, tmp_path) -> None:
    proj = make_repo({"calc.py": OFF_BY_ONE, "tests/test_calc.py": CALC_TESTS,
                      "requirements.txt": "no-such-distribution-xyz==9.9\n"})  # fmt: skip
    res = cli(*REPAIR, str(proj), "--out", str(tmp_path / "run"), timeout=900)
    assert res.returncode == 2, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert "could not build the project's environment from requirements.txt" in last
    assert "--venv" in last and "Traceback" not in res.stderr
