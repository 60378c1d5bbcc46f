"""``patchwright bench bugsinpy`` end to end with no network: a tiny project history
(buggy -> fixed commit) and a BugsInPy-shaped metadata tree, both built here; real git,
real pytest runs for the verification, the repair and the re-check, then the resume.

The interpreter running these tests is given as ``--venv`` (it has pytest and its
plugins), so no venv is built from PyPI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from patchwright.repo.git import init_repo

OPS_BUGGY = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
OPS_FIXED = OPS_BUGGY.replace("a - b", "a + b")
TESTS = (
    "from calc.ops import add, mul\n\n\n"
    "def test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_mul():\n    assert mul(2, 3) == 6\n"
)


def _git(repo: Path, *args: str) -> str:
    # Builds the fixture history only (the code under test runs git through repo/git.py).
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout  # fmt: skip


def make_project(repos: Path) -> tuple[str, str, str]:
    """repos/calc: a buggy commit, then the fix with its test; (buggy, fixed, source patch)."""
    repo = repos / "calc"
    (repo / "calc").mkdir(parents=True)
    (repo / "calc" / "__init__.py").write_text("")
    (repo / "calc" / "ops.py").write_text(OPS_BUGGY)
    buggy = init_repo(repo, "buggy")
    (repo / "calc" / "ops.py").write_text(OPS_FIXED)
    (repo / "tests").mkdir()
    (repo / "tests" / "test_ops.py").write_text(TESTS)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "fix add")
    fixed = _git(repo, "rev-parse", "HEAD").strip()
    patch = _git(repo, "diff", buggy, fixed, "--", "calc")
    return buggy, fixed, patch


def make_bugsinpy(root: Path, buggy: str, fixed: str, patch: str) -> None:
    proj = root / "projects" / "calc"
    version = f"{sys.version_info.major}.{sys.version_info.minor}.0"
    (proj / "project.info").parent.mkdir(parents=True)
    (proj / "project.info").write_text('github_url="https://example.invalid/calc"\n')
    one = proj / "bugs" / "1"
    one.mkdir(parents=True)
    (one / "bug.info").write_text(
        f'python_version="{version}"\nbuggy_commit_id="{buggy}"\nfixed_commit_id="{fixed}"\n'
        'test_file="tests/test_ops.py"\n'
    )
    (one / "bug_patch.txt").write_text(patch)
    (one / "run_test.sh").write_text("pytest tests/test_ops.py::test_add\n")
    (one / "requirements.txt").write_text("")
    # Bug 2 names a test that passes on the buggy tree too: not verifiable.
    two = proj / "bugs" / "2"
    two.mkdir(parents=True)
    (two / "bug.info").write_text((one / "bug.info").read_text())
    (two / "bug_patch.txt").write_text(patch)
    (two / "run_test.sh").write_text("pytest tests/test_ops.py::test_mul\n")


@pytest.mark.timeout(600)
def test_verify_repair_recheck_and_resume(cli, tmp_path: Path) -> None:
    repos, root, out = tmp_path / "repos", tmp_path / "BugsInPy", tmp_path / "out"
    make_bugsinpy(root, *make_project(repos))
    args = ("bench", "bugsinpy", "--bugsinpy", str(root), "--repos", str(repos),
            "--venv", sys.executable, "--out", str(out), "--max-evals", "40",
            "--set", "sandbox.plugins=none")  # fmt: skip
    res = cli(*args, timeout=500)
    assert res.returncode == 0, res.stderr
    one = json.loads((out / "instances" / "calc-1" / "bench.json").read_text())
    assert one["status"] == "plausible", one
    assert one["rechecked"] is True
    assert one["extra"]["verified"] and one["extra"]["same_as_developer"] is True
    assert one["extra"]["developer_rank"] == 1  # the fixed line tops the localization
    verdict = json.loads((out / "instances" / "calc-1" / "verify.json").read_text())
    assert verdict["buggy"] == {"tests/test_ops.py::test_add": "fail"}
    assert verdict["fixed"] == {"tests/test_ops.py::test_add": "pass"}
    assert one["extra"]["recheck"].endswith("passing kept")
    patch = (out / "instances" / "calc-1" / "run" / "patch.diff").read_text()
    assert "+    return a + b" in patch
    two = json.loads((out / "instances" / "calc-2" / "bench.json").read_text())
    assert (
        two["status"] == "unverified"
        and "buggy: tests/test_ops.py::test_mul pass" in two["message"]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["bugs"], summary["verified"], summary["plausible"]) == (2, 1, 1)
    assert summary["by_project"]["calc"]["plausible_rate"] == 1.0
    assert summary["same_as_developer"] == 1
    assert list(out.glob("by_project.*"))
    again = cli(*args, timeout=120)
    assert again.returncode == 0 and "resuming: 2 done, 0 to go" in again.stderr


def test_bad_input_is_one_line(cli, tmp_path: Path) -> None:
    res = cli("bench", "bugsinpy", "--bugsinpy", str(tmp_path), "--repos", str(tmp_path))
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"patchwright: error: not a BugsInPy checkout (no projects/ folder): {tmp_path}"
    ]
    res = cli("bench", "bugsinpy", "--repos", str(tmp_path))
    assert res.returncode == 2 and "needs --bugsinpy" in res.stderr
