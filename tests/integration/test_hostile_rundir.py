"""Concurrency on run directories: unique names made atomically, an exclusive lock per
run and per benchmark ``--out``; a second run, a second ``--resume`` or a second batch on
the same folder is refused with one line (exit 2) and writes nothing into it. Real
processes hold the locks; the refused runs are the real command line."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from patchwright.app.paths import HOME_VAR, resolve_paths
from patchwright.store.artifacts import RunDir, RunDirBusy

HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from patchwright.store.artifacts import RunDir\n"
    "with RunDir(Path(sys.argv[1])).locked():\n"
    "    print('held', flush=True)\n"
    "    time.sleep(60)\n"
)


def _new(home: str) -> str:
    return str(resolve_paths({HOME_VAR: home}).new_run_dir(Path("/x/proj")))


def test_run_dirs_started_at_once_are_distinct(tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(_new, [str(tmp_path)] * 40))
    assert len(set(made)) == 40


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Path]:
    """A run directory whose lock another process holds."""
    run = tmp_path / "run"
    run.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(run)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
    try:
        yield run
    finally:
        proc.kill()
        proc.wait()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_held_lock_is_refused(holder: Path) -> None:
    with pytest.raises(RunDirBusy, match="in use by another patchwright process"), RunDir(holder).locked():
        pass


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "patchwright.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_second_resume_and_same_out_are_refused(holder: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "mod.py").write_text("def f():\n    return 1\n")
    (project / "test_mod.py").write_text("from mod import f\n\ndef test_f():\n    assert f() == 2\n")
    from patchwright.app.session import RunRequest, _save_request

    _save_request(RunDir(holder), RunRequest(source=project, run_dir=holder))  # a run in progress
    before = _snapshot(holder)
    resumed = _cli("repair", "--resume", str(holder), cwd=tmp_path)
    assert resumed.returncode == 2, resumed.stderr
    again = _cli("repair", str(project), "--out", str(holder), cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    for res in (resumed, again):
        errors = [x for x in res.stderr.splitlines() if "error" in x.lower()]
        assert len(errors) == 1 and "Traceback" not in res.stderr, res.stderr
    assert "in use by another patchwright process" in resumed.stderr
    assert _snapshot(holder) == before


def test_same_bench_out_twice_is_refused(holder: Path) -> None:
    from patchwright.benchmarks.runner import run_batch

    def worker(row: dict[str, object], folder: str, config: dict[str, object]) -> dict[str, object]:
        raise AssertionError("must not run")

    start = time.monotonic()
    with pytest.raises(RunDirBusy):
        run_batch([{"id": "a"}], holder, worker, {}, jobs=1)
    assert time.monotonic() - start < 5 and not (holder / "instances").exists()
