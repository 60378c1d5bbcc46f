"""The real pre-commit tool runs both published hooks on a temporary repository:
`pre-commit install`, then `git commit` (the check blocks a removed numpy API and passes
after `--fix`) and `git push` (the repair hook prints a validated patch for a failing test
and leaves the tree untouched).

The local config mirrors .pre-commit-hooks.yaml entry for entry with `language: system`
(calling this interpreter's Patchwright), so the test runs offline; the manifest itself
is validated with pre-commit's own schema. The project's environment is a real venv whose
site-packages records numpy 2.4.6 (a dist-info folder: the check reads installed versions
without importing the library, so the package's code need not be there)."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import yaml
from pre_commit.clientlib import load_config, load_manifest

from conftest import git

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

LEGACY = "import numpy as np\n\n\ndef as_float(x):\n    return np.float_(x)\n"
CALC = "def inc(x):\n    return x + 2\n"
TEST = "from calc import inc\n\n\ndef test_inc():\n    assert inc(1) == 2\n"


def _config(extra_args: dict[str, list[str]]) -> str:
    hooks = []
    for hook in yaml.safe_load(MANIFEST.read_text()):
        entry = hook["entry"].removeprefix("patchwright ")
        hooks.append({**hook, "language": "system", "entry": f"{sys.executable} -m patchwright.cli {entry}",
                      "args": extra_args.get(hook["id"], [])})
    fixer = {**hooks[0], "alias": "patchwright-fix", "args": ["--fix"], "stages": ["manual"]}
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [*hooks, fixer]}]}, sort_keys=False)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, PATCHWRIGHT_HOME=str(tmp_path / "home"),
               PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    for key in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "VIRTUAL_ENV"):
        env.pop(key, None)
    return env


def _run(cwd: Path, env: dict[str, str], *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t",
                           "-c", "commit.gpgsign=false", *cmd] if cmd[0] != "python" else
                          [sys.executable, *cmd[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)  # fmt: skip


def _project(tmp_path: Path, env: dict[str, str], *, numpy_env: bool = False) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    if numpy_env:
        _numpy_venv(root)
    (root / ".gitignore").write_text(".venv/\n")
    (root / ".pre-commit-config.yaml").write_text(
        _config({"patchwright-repair": ["--max-seconds", "600"]}))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "set-up")
    done = _run(root, env, "python", "-m", "pre_commit", "install",
                "--hook-type", "pre-commit", "--hook-type", "pre-push")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def _numpy_venv(root: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")],
                   check=True, timeout=300)  # fmt: skip
    site = next((root / ".venv" / "lib").glob("python3*/site-packages"))
    info = site / "numpy-2.4.6.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: numpy\nVersion: 2.4.6\n")


def test_the_manifest_and_the_mirrored_config_pass_pre_commits_schema(tmp_path):
    hooks = {h["id"]: h for h in load_manifest(str(MANIFEST))}
    assert hooks["patchwright-check"]["language"] == "python"
    assert hooks["patchwright-check"]["stages"] == ["pre-commit"]
    assert hooks["patchwright-check"]["types"] == ["python"]
    assert hooks["patchwright-check"]["entry"] == "patchwright hook pre-commit"
    assert set(hooks["patchwright-repair"]["stages"]) == {"pre-push", "manual"}
    assert hooks["patchwright-repair"]["pass_filenames"] is False
    assert hooks["patchwright-repair"]["entry"] == "patchwright hook pre-push"
    path = tmp_path / "config.yaml"
    path.write_text(_config({}))
    assert load_config(str(path))["repos"][0]["repo"] == "local"


def test_check_blocks_a_removed_numpy_api_and_passes_after_fix(tmp_path):
    env = _env(tmp_path)
    root = _project(tmp_path, env, numpy_env=True)
    head = git(root, "rev-parse", "HEAD")
    (root / "legacy.py").write_text(LEGACY)
    git(root, "add", "legacy.py")
    blocked = _run(root, env, "commit", "-m", "use float_")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "legacy.py:5:12: numpy.float_ renamed to numpy.float64" in out and "use np.float64" in out
    assert git(root, "rev-parse", "HEAD") == head  # nothing committed
    assert (root / "legacy.py").read_text() == LEGACY  # the check alone changes nothing

    fixed = _run(root, env, "python", "-m", "pre_commit", "run", "patchwright-fix",
                 "--hook-stage", "manual", "--files", "legacy.py")  # the check with args [--fix]
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "files were modified by this hook" in fixed.stdout + fixed.stderr
    assert "return np.float64(x)" in (root / "legacy.py").read_text()
    git(root, "add", "legacy.py")
    passed = _run(root, env, "commit", "-m", "use float64")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    said = passed.stdout + passed.stderr
    assert "patchwright check" in said and "Passed" in said


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".venv" not in p.parts
            and "objects" not in p.parts and p.name not in ("index", "ORIG_HEAD")}  # fmt: skip


def test_repair_hook_prints_a_validated_patch_and_leaves_the_tree_untouched(tmp_path):
    env = _env(tmp_path)
    root = _project(tmp_path, env)
    (root / "calc.py").write_text(CALC)
    (root / "test_calc.py").write_text(TEST)
    git(root, "add", "-A")
    committed = _run(root, env, "commit", "-m", "inc")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    status, before = git(root, "status", "--porcelain"), _digest(root)
    pushed = _run(root, env, "push", "origin", "main")
    out = pushed.stdout + pushed.stderr
    assert pushed.returncode != 0, out  # the tests fail: the push stops
    assert "diff --git a/calc.py b/calc.py" in out and "+    return x + 1" in out, out
    assert "validated patch" in out
    assert git(root, "status", "--porcelain") == status and _digest(root) == before
    assert (root / "calc.py").read_text() == CALC
    assert git(remote, "branch", "--list") == ""  # nothing reached the remote
