"""End-to-end: the real CLI repairs real projects in a subprocess, with real pytest runs."""

import hashlib
import shutil
import subprocess
from pathlib import Path

from conftest import DEMO, git


def tree_digest(root: Path) -> dict[str, str]:
    """Hash of every file under root, .git included."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_demo_is_repaired_and_patch_applies(cli, tmp_path):
    proj = tmp_path / "demo"
    shutil.copytree(DEMO, proj)
    res = cli("repair", str(proj), "--out", str(tmp_path / "run"), "-q")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("diff --git a/stats.py b/stats.py")
    run = tmp_path / "run"
    assert (run / "patch.diff").read_text() == res.stdout
    assert '"status": "plausible"' in (run / "result.json").read_text()
    assert (run / "trajectory.jsonl").read_text().count('"kind":"evaluation"') >= 1
    # the diff applies at the project root and the tests then pass
    subprocess.run(["git", "apply", "-"], input=res.stdout, text=True, cwd=proj, check=True)
    done = subprocess.run(
        ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=proj,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def test_user_tree_is_byte_identical_after_a_run(cli, make_repo, tmp_path):
    proj = make_repo(
        {
            "calc.py": "def inc(x):\n    return x + 2\n",
            "test_calc.py": "from calc import inc\n\ndef test_inc():\n    assert inc(1) == 2\n",
            ".gitignore": "ignored.txt\n",
        }
    )
    (proj / "calc.py").write_text("def inc(x):\n    # uncommitted edit\n    return x + 2\n")
    (proj / "notes.txt").write_text("untracked file\n")
    (proj / "ignored.txt").write_text("ignored\n")
    before = tree_digest(proj)
    res = cli("repair", str(proj), "--out", str(tmp_path / "run"), "-q")
    assert res.returncode == 0, res.stderr
    assert "# uncommitted edit" in res.stdout or "return x + 1" in res.stdout
    assert tree_digest(proj) == before


def test_apply_writes_patch_and_refuses_a_changed_tree(cli, make_repo, tmp_path):
    proj = make_repo(
        {
            "calc.py": "def inc(x):\n    return x + 2\n",
            "test_calc.py": "from calc import inc\n\ndef test_inc():\n    assert inc(1) == 2\n",
        }
    )
    res = cli("repair", str(proj), "--out", str(tmp_path / "run"), "-q", "--apply")
    assert res.returncode == 0, res.stderr
    assert "return x + 1" in (proj / "calc.py").read_text()
    assert git(proj, "status", "--porcelain").strip() == "M calc.py"


def test_plain_directory_without_git(cli, make_repo, tmp_path):
    proj = make_repo(
        {
            "calc.py": "def low(a, b):\n    return max(a, b)\n",
            "test_calc.py": "from calc import low\n\ndef test_low():\n    assert low(1, 2) == 1\n",
        },
        commit=False,
    )
    res = cli("repair", str(proj), "--out", str(tmp_path / "run"), "-q")
    assert res.returncode == 0, res.stderr
    assert "+    return min(a, b)" in res.stdout
    assert not (proj / ".git").exists()


def test_a_named_test_outside_testpaths_is_run(cli, make_repo, tmp_path):
    """The project's pytest config collects tests/ only; a failing test named by the user
    (or written by a model, as bench swebench --mode issue does) in another file is run by
    name, as pytest itself would run it, instead of "test not found"."""
    proj = make_repo(
        {
            "calc.py": "def inc(x):\n    return x + 2\n",
            "pytest.ini": "[pytest]\ntestpaths = tests\n",
            "tests/test_other.py": "from calc import inc\n\ndef test_type():\n    assert isinstance(inc(1), int)\n",
            "test_repro.py": "from calc import inc\n\ndef test_inc():\n    assert inc(1) == 2\n",
        }
    )
    res = cli("repair", str(proj), "--test", "test_repro.py::test_inc", "--out", str(tmp_path / "run"), "-q")
    assert res.returncode == 0, res.stderr
    assert "return x + 1" in res.stdout
    missing = cli("repair", str(proj), "--test", "test_repro.py::test_nope", "--out", str(tmp_path / "r2"), "-q")
    assert missing.returncode != 0 and "test_nope" in missing.stderr
    outside = cli("repair", str(proj), "--test", "../escape.py::test_x", "--out", str(tmp_path / "r3"), "-q")
    assert outside.returncode != 0 and "test not found" in outside.stderr
