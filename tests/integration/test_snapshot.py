"""Snapshots against real git repositories in tmp_path (no mocks)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch
from patchwright.repo.git import (
    SNAPSHOT_FILE,
    Snapshot,
    SnapshotError,
    apply_to_source,
    list_files,
    load_snapshot,
    read_files,
    snapshot,
    tree_changes,
)

_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def fingerprint(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under root (including .git): content hash or link target, mode, mtime."""
    out: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st = os.lstat(path)
            if path.is_symlink():
                digest = "link:" + os.readlink(path)
            elif path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digest = "dir"
            out[path.relative_to(root).as_posix()] = (digest, st.st_mode, st.st_mtime_ns)
    return out


def workspace_files(ws: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(ws):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(dirpath, name)
            out[path.relative_to(ws).as_posix()] = path.read_bytes()
    return out


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with every kind of file state the selection rules care about."""
    root = tmp_path / "proj"
    root.mkdir()
    git(root, "init", "-q")
    write(root, ".gitignore", "*.log\n")
    write(root, "committed.py", "x = 1\n")
    write(root, "edited.py", "y = 1\n")
    write(root, "gone.py", "z = 1\n")
    write(root, "pkg/mod.py", "def f():\n    return 1\n")
    write(root, "forced.log", "tracked although ignored\n")
    git(root, "add", "-A")
    git(root, "add", "-f", "forced.log")
    git(root, "commit", "-q", "-m", "init")
    write(root, "edited.py", "y = 2  # uncommitted\n")
    write(root, "staged.py", "s = 1\n")
    git(root, "add", "staged.py")
    write(root, "untracked.py", "u = 1\n")
    write(root, "debug.log", "ignored\n")
    write(root, "pkg/__pycache__/mod.cpython-311.pyc", b"\x00junk")  # not ignored: safety net
    (root / "gone.py").unlink()
    # make the index's stat info stale: a `git status` would now rewrite .git/index
    past = time.time() + 5
    os.utime(root / "committed.py", (past, past))
    return root


EXPECTED = {
    ".gitignore": b"*.log\n",
    "committed.py": b"x = 1\n",
    "edited.py": b"y = 2  # uncommitted\n",
    "forced.log": b"tracked although ignored\n",
    "pkg/mod.py": b"def f():\n    return 1\n",
    "staged.py": b"s = 1\n",
    "untracked.py": b"u = 1\n",
}


def test_snapshot_of_git_repo_copies_working_tree_and_leaves_it_untouched(
    repo: Path, tmp_path: Path
) -> None:
    before = fingerprint(repo)
    snap = snapshot(repo, tmp_path / "ws")
    assert fingerprint(repo) == before  # every file, .git/index bytes and mtime included
    assert snap.source == repo.resolve() and snap.source_is_git
    assert workspace_files(snap.workspace) == EXPECTED
    assert list_files(snap.workspace) == sorted(EXPECTED)
    assert snap.manifest == {p: hashlib.sha256(b).hexdigest() for p, b in EXPECTED.items()}
    assert git(snap.workspace, "rev-parse", "HEAD").strip() == snap.base_commit
    assert git(snap.workspace, "status", "--porcelain") == ""
    assert git(snap.workspace, "log", "--format=%an <%ae>|%s") == (
        "patchwright <patchwright@localhost>|patchwright base\n"
    )
    exclude = (snap.workspace / ".git" / "info" / "exclude").read_text()
    assert "__pycache__/" in exclude and "*.pyc" in exclude
    assert read_files(snap.workspace, ["edited.py", "missing.py"]) == {
        "edited.py": "y = 2  # uncommitted\n"
    }
    assert tree_changes(snap) == []


def test_snapshot_ignores_git_environment_of_a_hook(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside a git hook these point at the user's repository; the workspace must not use them.
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(repo))
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo / ".git" / "index"))
    before = fingerprint(repo)
    snap = snapshot(repo, tmp_path / "ws")
    assert fingerprint(repo) == before
    assert workspace_files(snap.workspace) == EXPECTED
    assert list_files(snap.workspace) == sorted(EXPECTED)


def test_snapshot_of_plain_directory_skips_junk(tmp_path: Path) -> None:
    src = tmp_path / "plain"
    for rel in ("a.py", "src/build/keep.py", ".coveragerc", "tool.egg-info.txt"):
        write(src, rel, f"# {rel}\n")
    for rel in ("build/x.py", "dist/x.whl", ".venv/lib/x.py", "env/pyvenv.cfg", "env/x.py"):
        write(src, rel, "junk\n")
    for rel in ("pkg/__pycache__/a.pyc", "b.pyc", ".coverage", "node_modules/m.js", ".git/HEAD"):
        write(src, rel, "junk\n")
    write(src, "x.egg-info/PKG-INFO", "junk\n")
    snap = snapshot(src, tmp_path / "ws")
    assert not snap.source_is_git
    keep = ["a.py", "src/build/keep.py", ".coveragerc", "tool.egg-info.txt"]
    assert workspace_files(snap.workspace) == {p: f"# {p}\n".encode() for p in keep}
    assert list_files(snap.workspace) == sorted(keep)


def test_snapshot_of_subdirectory_of_repo(repo: Path, tmp_path: Path) -> None:
    write(repo / "pkg", "new.py", "n = 1\n")
    before = fingerprint(repo)
    snap = snapshot(repo / "pkg", tmp_path / "ws")
    assert fingerprint(repo) == before
    assert snap.source_is_git and snap.source == (repo / "pkg").resolve()
    assert workspace_files(snap.workspace) == {
        "mod.py": b"def f():\n    return 1\n",
        "new.py": b"n = 1\n",
    }


def test_bad_locations_are_refused(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="does not exist"):
        snapshot(tmp_path / "nope", tmp_path / "ws")
    with pytest.raises(SnapshotError, match="must not contain"):
        snapshot(repo, repo / "ws")
    with pytest.raises(SnapshotError, match="must not contain"):
        snapshot(repo / "pkg", repo)
    with pytest.raises(SnapshotError, match="must not contain"):
        snapshot(repo, repo)
    write(tmp_path, "full/x", "x")
    with pytest.raises(SnapshotError, match="not an empty directory"):
        snapshot(repo, tmp_path / "full")
    assert not (repo / "ws").exists()
    (tmp_path / "empty").mkdir()
    snap = snapshot(repo, tmp_path / "empty")  # an existing empty workspace is fine
    assert snap.workspace == (tmp_path / "empty").resolve()


def test_load_snapshot_round_trip(repo: Path, tmp_path: Path) -> None:
    snap = snapshot(repo, tmp_path / "ws")
    assert load_snapshot(tmp_path / "ws") == snap
    record = snap.workspace / ".git" / SNAPSHOT_FILE
    record.write_text(record.read_text().replace('"version": 1', '"version": 99'))
    with pytest.raises(SnapshotError, match="format 99"):
        load_snapshot(tmp_path / "ws")
    with pytest.raises(SnapshotError, match="not a patchwright workspace"):
        load_snapshot(tmp_path)


def test_tree_changes_lists_added_removed_and_modified(repo: Path, tmp_path: Path) -> None:
    snap = snapshot(repo, tmp_path / "ws")
    write(repo, "committed.py", "x = 99\n")
    write(repo, "brand_new.py", "b = 1\n")
    write(repo, "other.log", "still ignored\n")
    (repo / "untracked.py").unlink()
    assert tree_changes(snap) == ["brand_new.py", "committed.py", "untracked.py"]


def test_apply_to_source_writes_patch(repo: Path, tmp_path: Path) -> None:
    (repo / "pkg" / "mod.py").chmod(0o755)
    snap = snapshot(repo, tmp_path / "ws")
    base = read_files(snap.workspace, ["pkg/mod.py", "edited.py"])
    patch = make_patch(
        base,
        {
            "pkg/mod.py": "def f():\n    return 2\n",
            "edited.py": "y = 3\n",
            "pkg/sub/new.py": "n = 1\n",
        },
    )
    written = apply_to_source(snap, patch)
    assert written == ["edited.py", "pkg/mod.py", "pkg/sub/new.py"]
    assert (repo / "pkg/mod.py").read_text() == "def f():\n    return 2\n"
    assert (repo / "edited.py").read_text() == "y = 3\n"
    assert (repo / "pkg/sub/new.py").read_text() == "n = 1\n"
    assert os.stat(repo / "pkg/mod.py").st_mode & 0o777 == 0o755
    assert not [p for p in os.listdir(repo / "pkg") if p.endswith(".patchwright")]
    # the workspace still holds the base
    assert read_files(snap.workspace, ["edited.py"]) == {"edited.py": "y = 2  # uncommitted\n"}


def test_apply_to_source_deletes_file_marked_deleted(repo: Path, tmp_path: Path) -> None:
    snap = snapshot(repo, tmp_path / "ws")
    diff = "diff --git a/staged.py b/staged.py\ndeleted file mode 100644\n"
    diff += "--- a/staged.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-s = 1\n"
    assert apply_to_source(snap, Patch(diff=diff, files=["staged.py"])) == ["staged.py"]
    assert not (repo / "staged.py").exists()


def test_apply_to_source_refuses_when_project_changed(repo: Path, tmp_path: Path) -> None:
    snap = snapshot(repo, tmp_path / "ws")
    patch = make_patch(read_files(snap.workspace, ["committed.py"]), {"committed.py": "x = 2\n"})
    write(repo, "edited.py", "user kept working\n")
    before = fingerprint(repo)
    with pytest.raises(
        SnapshotError, match=r"changed since the snapshot: edited\.py; not applying"
    ):
        apply_to_source(snap, patch)
    assert fingerprint(repo) == before


def test_apply_to_source_refuses_unsafe_paths(repo: Path, tmp_path: Path) -> None:
    snap = snapshot(repo, tmp_path / "ws")
    before = fingerprint(repo)
    outside = "--- a/../evil.py\n+++ b/../evil.py\n@@ -0,0 +1 @@\n+pwned\n"
    into_git = "--- /dev/null\n+++ b/.git/hooks/pre-commit\n@@ -0,0 +1 @@\n+pwned\n"
    absolute = "--- /dev/null\n+++ /tmp/evil.py\n@@ -0,0 +1 @@\n+pwned\n"
    for diff in (outside, into_git, absolute):
        with pytest.raises(SnapshotError, match="patch cannot be applied"):
            apply_to_source(snap, Patch(diff=diff))
    # a file that exists in the tree but is not part of the snapshot (ignored) is not clobbered
    clobber = make_patch({}, {"debug.log": "overwritten\n"})
    with pytest.raises(SnapshotError, match="not a file of the snapshot"):
        apply_to_source(snap, clobber)
    assert fingerprint(repo) == before
    assert not (tmp_path / "evil.py").exists()


def test_modes_and_symlinks_are_preserved(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", "outside the project\n")
    src = tmp_path / "proj"
    write(src, "run.sh", "#!/bin/sh\necho hi\n").chmod(0o755)
    write(src, "lib.py", "v = 1\n").chmod(0o644)
    os.symlink("lib.py", src / "alias.py")
    os.symlink(secret, src / "secret_link")
    snap = snapshot(src, tmp_path / "ws")
    ws = snap.workspace
    assert os.stat(ws / "run.sh").st_mode & 0o111
    assert not os.stat(ws / "lib.py").st_mode & 0o111
    assert os.readlink(ws / "alias.py") == "lib.py"
    assert os.readlink(ws / "secret_link") == str(secret)  # copied as a link, not followed
    assert snap.manifest["secret_link"] == f"link:{secret}"
    assert "100755 blob" in git(ws, "ls-tree", "HEAD", "run.sh")
    assert git(ws, "ls-tree", "HEAD", "alias.py").startswith("120000")
    assert list_files(ws) == ["lib.py", "run.sh"]
    assert read_files(ws, ["alias.py", "lib.py"]) == {"lib.py": "v = 1\n"}


def test_base_commit_stores_exact_bytes_despite_attributes(tmp_path: Path) -> None:
    src = tmp_path / "proj"
    src.mkdir()
    git(src, "init", "-q")
    write(src, ".gitattributes", "* text=auto eol=lf\n")
    write(src, "win.py", b"a = 1\r\nb = 2\r\n")
    write(src, "latin.txt", "caf\xe9\n".encode("latin-1"))
    snap: Snapshot = snapshot(src, tmp_path / "ws")
    assert read_files(snap.workspace, ["win.py", "latin.txt"]) == {"win.py": "a = 1\r\nb = 2\r\n"}
    blob = subprocess.run(
        ["git", "cat-file", "-p", "HEAD:win.py"],
        cwd=snap.workspace,
        capture_output=True,
        check=True,
    ).stdout
    assert blob == b"a = 1\r\nb = 2\r\n"


def test_apply_to_source_patches_crlf_file(tmp_path: Path) -> None:
    src = tmp_path / "proj"
    write(src, "win.py", b"a = 1\r\nb = 2\r\n")
    snap = snapshot(src, tmp_path / "ws")
    patch = make_patch(read_files(snap.workspace, ["win.py"]), {"win.py": "a = 1\r\nb = 3\r\n"})
    apply_to_source(snap, patch)
    assert (src / "win.py").read_bytes() == b"a = 1\r\nb = 3\r\n"


def test_submodules_and_nested_repositories_are_skipped(repo: Path, tmp_path: Path) -> None:
    inner = repo / "vendor" / "inner"
    inner.mkdir(parents=True)
    git(inner, "init", "-q")
    write(inner, "lib.py", "inner = 1\n")
    git(inner, "add", "-A")
    git(inner, "commit", "-q", "-m", "inner")
    nested = repo / "scratch"  # an untracked repository of its own
    nested.mkdir()
    git(nested, "init", "-q")
    write(nested, "notes.py", "n = 1\n")
    git(repo, "add", "vendor/inner")  # a gitlink, as a submodule leaves in the index
    before = fingerprint(repo)
    snap = snapshot(repo, tmp_path / "ws")
    assert fingerprint(repo) == before
    assert workspace_files(snap.workspace) == EXPECTED


def test_the_users_repo_config_runs_nothing_of_patchwrights_git(tmp_path: Path) -> None:
    """A repository whose own config names hooks (by ``core.hooksPath``), an fsmonitor, a
    pager and an external diff: snapshot, read-back, apply and a branch commit run none."""
    from patchwright.repo.git import commit_patch, create_branch, text_files

    user = tmp_path / "user"
    write(user, "mod.py", "x = 1\n")
    git(user, "init", "-q")
    git(user, "add", "-A")
    git(user, "commit", "-qm", "base")
    proof = tmp_path / "ran"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("reference-transaction", "post-index-change", "post-commit", "pre-commit",
                 "post-checkout", "pre-auto-gc", "post-rewrite"):  # fmt: skip
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho {name} >> {proof}\n")
        hook.chmod(0o755)
    tool = f"sh -c 'echo tool >> {proof}; cat'"
    for key, value in (("core.hooksPath", str(hooks)), ("core.fsmonitor", tool),
                       ("core.pager", tool), ("diff.external", tool)):  # fmt: skip
        git(user, "config", key, value)
    snap = snapshot(user, tmp_path / "ws")
    assert text_files(user, suffix=".py") == {"mod.py": "x = 1\n"}
    patch = make_patch({"mod.py": "x = 1\n"}, {"mod.py": "x = 2\n"})
    assert apply_to_source(snap, patch) == ["mod.py"]
    create_branch(user, "patchwright/fix", commit_patch(user, patch.diff, "fix"))
    assert git(user, "rev-parse", "--verify", "refs/heads/patchwright/fix").strip()
    assert not proof.exists(), proof.read_text()


def test_apply_refuses_when_a_hook_or_the_git_config_was_planted(repo: Path, tmp_path: Path) -> None:
    """A test run without namespaces could write ``.git/hooks/pre-commit`` into the user's
    repository (to run later with their powers): ``--apply``'s change check sees it."""
    for plant in ("hooks/pre-commit", "config"):
        snap = snapshot(repo, tmp_path / f"ws-{plant.replace('/', '-')}")
        target = repo / ".git" / plant
        old = target.read_bytes() if target.exists() else None
        target.write_text((old or b"").decode() + "\n# planted\n")
        rel = sorted(snap.manifest)[0]
        patch = make_patch({rel: (repo / rel).read_text()}, {rel: "changed\n"})
        with pytest.raises(SnapshotError, match=rf"changed since the snapshot: \.git/{plant}"):
            apply_to_source(snap, patch)
        if old is None:
            target.unlink()
        else:
            target.write_bytes(old)
        assert tree_changes(snap) == []
