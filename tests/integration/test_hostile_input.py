"""Careless input (issue 12): each case ends with one line on stderr and exit 2, never a
traceback, and leaves the project and the run directory as they were. Real CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from patchwright.store.tree_file import TreeFileError, read_tree

PROJECT = {"mod.py": "def f():\n    return 1\n",
           "test_mod.py": "from mod import f\n\n\ndef test_f():\n    assert f() == 2\n"}  # fmt: skip


def _one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr[-1500:])
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("patchwright: error: "), done.stderr[-1500:]
    assert "Traceback" not in done.stderr, done.stderr[-1500:]
    for word in words:
        assert word in last, last


@pytest.mark.parametrize(
    ("override", "word"),
    [
        ("search.seed=" + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("search." + "a." * 3000 + "x=1", "nested too deeply"),
        ("sandbox.memory_mb=-1", "memory_mb"),
        ("sandbox.max_processes=0", "max_processes"),
        ("sandbox.wall_timeout=nan", "finite"),
        ("search.max_seconds=inf", "finite"),
        ("search.max_evals=-3", "max_evals"),
        ("budget.max_dollars=-1", "max_dollars"),
    ],
    ids=["deep-value", "deep-key", "memory", "processes", "nan", "inf", "evals", "dollars"],
)
def test_nonsense_settings_are_refused(cli, make_repo, override: str, word: str) -> None:
    proj = make_repo(PROJECT)
    _one_line(cli("repair", str(proj), "--set", override), word)


def test_undecodable_files_and_paths_that_are_files(cli, make_repo, tmp_path: Path) -> None:
    proj = make_repo(PROJECT)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("search:\n  strategy: \xe9t\xe9\n".encode("latin-1"))
    _one_line(cli("repair", str(proj), "-c", str(latin)), "not UTF-8")
    issue = tmp_path / "issue.bin"
    issue.write_bytes(bytes(range(256)))
    _one_line(cli("repair", str(proj), "--issue", str(issue)), "not UTF-8")
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n")
    _one_line(cli("repair", str(proj), "--out", str(a_file)), "names a file")
    assert a_file.read_text() == "mine\n"
    env_home = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "repair", str(proj)],
        capture_output=True, text=True, timeout=300,
        env={**dict(__import__("os").environ), "PATCHWRIGHT_HOME": str(a_file / "home")},
    )  # fmt: skip
    _one_line(env_home, "PATCHWRIGHT_HOME")


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real run of the small project (its run directory)."""
    base = tmp_path_factory.mktemp("finished")
    proj = base / "proj"
    proj.mkdir()
    for name, text in PROJECT.items():
        (proj / name).write_text(text)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t",
                                                 "commit", "-qm", "init"]):  # fmt: skip
        subprocess.run(["git", *args], cwd=proj, check=True, capture_output=True)
    run = base / "run"
    done = subprocess.run([sys.executable, "-m", "patchwright.cli", "repair", str(proj), "--out", str(run)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-1500:]
    return run


@pytest.mark.parametrize("name", ["request.json", "checkpoints.sqlite"])
@pytest.mark.parametrize("junk", [b"\x80\xff" * 40, b'{"version": 1}', b"[1, 2]"], ids=["binary", "partial", "list"])
def test_a_corrupt_run_directory_on_resume(cli, finished: Path, tmp_path: Path, name: str, junk: bytes) -> None:
    run = tmp_path / "run"
    shutil.copytree(finished, run, symlinks=True)
    (run / "result.json").unlink()
    (run / name).write_bytes(junk)
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    _one_line(cli("repair", "--resume", str(run)), name)
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_a_corrupt_tree_file_is_named(tmp_path: Path) -> None:
    for junk in (b"\x80\xff" * 40, b'{"version": 1, "nodes": [{"id": "x"}]}'):
        (tmp_path / "tree.json").write_bytes(junk)
        with pytest.raises(TreeFileError, match=r"tree\.json"):
            read_tree(tmp_path / "tree.json")


def test_apply_into_a_read_only_tree(make_repo, tmp_path: Path) -> None:
    proj = make_repo(PROJECT)
    bwrap = shutil.which("bwrap")
    assert bwrap, "bubblewrap is needed for a read-only tree as root"
    cmd = [bwrap, "--dev-bind", "/", "/", "--ro-bind", str(proj), str(proj), "--",
           sys.executable, "-m", "patchwright.cli", "repair", str(proj), "--apply",
           "--out", str(tmp_path / "run")]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    _one_line(done, "cannot write the patch", "Read-only")
    assert (proj / "mod.py").read_text() == PROJECT["mod.py"]
    assert json.loads((tmp_path / "run" / "result.json").read_text())["status"] == "plausible"


def test_an_undecodable_source_file_is_named_with_its_encoding(cli, tmp_path: Path) -> None:
    proj = tmp_path / "latin"
    proj.mkdir()
    (proj / "mod.py").write_bytes(b'# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n\n\ndef f():\n    return 1\n')
    (proj / "test_mod.py").write_text(PROJECT["test_mod.py"])
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t",
                                                 "commit", "-qm", "init"]):  # fmt: skip
        subprocess.run(["git", *args], cwd=proj, check=True, capture_output=True)
    done = cli("repair", str(proj), "--out", str(tmp_path / "run"), "--max-evals", "5", timeout=600)
    assert done.returncode == 1, done.stderr[-1500:]
    assert "mod.py: not UTF-8 text (declares iso-8859-1, byte 0xe9" in done.stderr, done.stderr[-1500:]


@pytest.mark.parametrize("size", [65536, 300000, 360000], ids=["at-snapshot", "mid-run", "late"])
def test_a_full_disk_ends_with_one_line(make_repo, tmp_path: Path, size: int) -> None:
    """The run directory on a small tmpfs (bubblewrap's --size): whichever write fills it,
    the run ends with a plausible patch or one line and exit 2, the project untouched."""
    files = dict(PROJECT)
    if size < 100000:
        files["data.txt"] = "x" * 200000  # the snapshot alone does not fit
    proj = make_repo(files)
    bwrap = shutil.which("bwrap")
    assert bwrap, "bubblewrap is needed for a small tmpfs"
    small = tmp_path / "small"
    small.mkdir()
    cmd = [bwrap, "--dev-bind", "/", "/", "--size", str(size), "--tmpfs", str(small), "--",
           sys.executable, "-m", "patchwright.cli", "repair", str(proj), "--out", str(small / "run")]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    if size < 100000 or done.returncode != 0:
        _one_line(done)
        assert "No space left" in done.stderr or "disk" in done.stderr.lower(), done.stderr[-800:]
    assert (proj / "mod.py").read_text() == PROJECT["mod.py"]
