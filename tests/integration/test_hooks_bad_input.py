"""Bad input to the hooks: one line on standard error, exit code 2, no traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git


def _hook(tmp_path: Path, *args: str, cwd: Path | None = None, **env: str):
    full = dict(os.environ, PATCHWRIGHT_HOME=str(tmp_path / "home"), **env)
    full.pop("GITHUB_TOKEN", None)
    full.pop("PATCHWRIGHT_GITHUB_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "patchwright.cli", "hook", *args],
                          cwd=cwd or tmp_path, env=full, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def _one_line(res) -> str:
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("patchwright: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], res.stderr  # progress lines may come first
    return errors[0]


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    return root


def test_pre_commit_outside_a_git_work_tree(tmp_path):
    assert "not inside a git work tree" in _one_line(_hook(tmp_path, "pre-commit"))


def test_pre_commit_with_a_missing_rules_file_or_an_unknown_check(tmp_path, repo):
    assert "cannot read rules file" in _one_line(
        _hook(tmp_path, "pre-commit", "--rules", "nope.json", cwd=repo))
    assert "unknown check 'nope'" in _one_line(_hook(tmp_path, "pre-commit", "--checks", "nope",
                                                     cwd=repo))  # fmt: skip
    assert "is outside the work tree" in _one_line(
        _hook(tmp_path, "pre-commit", str(tmp_path / "elsewhere.py"), cwd=repo))
    assert "not a virtual environment" in _one_line(
        _hook(tmp_path, "pre-commit", "--venv", str(tmp_path / "none"), cwd=repo))


def test_fix_on_staged_content_refuses_to_overwrite_unstaged_edits(tmp_path, repo):
    (repo / "m.py").write_text("import numpy as np\nx = np.float_(1)\n")
    git(repo, "add", "m.py")
    (repo / "m.py").write_text("import numpy as np\nx = np.float_(1)  # unstaged edit\n")
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "numpy-2.4.6.dist-info"
    site.mkdir(parents=True)
    (tmp_path / "venv" / "bin").mkdir()
    (tmp_path / "venv" / "bin" / "python").symlink_to(sys.executable)
    line = _one_line(_hook(tmp_path, "pre-commit", "--fix", "--venv", str(tmp_path / "venv"),
                           cwd=repo))  # fmt: skip
    assert "m.py has unstaged changes" in line
    assert "# unstaged edit" in (repo / "m.py").read_text()


def test_pr_with_a_bad_event_file_or_no_token(tmp_path):
    assert "cannot read event file" in _one_line(_hook(tmp_path, "pr", "--event", "missing.json"))
    event = tmp_path / "e.json"
    event.write_text(json.dumps({"action": "labeled", "label": {"name": "patchwright"},
                                 "pull_request": {"number": 3},
                                 "repository": {"full_name": "a/b"}}))  # fmt: skip
    line = _one_line(_hook(tmp_path, "pr", "--event", str(event), "--event-name", "pull_request"))
    assert "no GitHub token" in line
    event.write_text("[1, 2]")
    assert "holds no JSON object" in _one_line(_hook(tmp_path, "pr", "--event", str(event)))


def test_pre_push_on_a_missing_folder(tmp_path):
    assert "not a directory" in _one_line(_hook(tmp_path, "pre-push", str(tmp_path / "none")))
