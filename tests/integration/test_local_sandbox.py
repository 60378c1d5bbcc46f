"""LocalSandbox against real git repositories and real pytest runs (no mocks)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from beds import pytest_bed
from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch, TestStatus
from patchwright.core.protocols import RunLimits, Sandbox, TestBed
from patchwright.sandbox.limits import CGROUP_PARENT, Containment
from patchwright.sandbox.local import LocalSandbox
from patchwright.testing.testbed import SandboxTestBed

FAST = RunLimits(per_test_timeout=2, wall_timeout=10, memory_mb=1024, max_processes=64)
_GIT_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")

MOD = "def add(a, b):\n    return a - b\n\n\ndef sign(x):\n    if x < 0:\n        return -1\n    return 1\n"
TESTS = """\
import pytest
from mod import add, sign


def test_zero():
    assert add(1, 0) == 1


def test_add():
    assert add(1, 2) == 3


@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")


def test_error(broken):
    pass


@pytest.mark.skipif(True, reason="later")
def test_skip():
    pass


@pytest.mark.parametrize("x", [-5, 7])
def test_sign(x):
    assert sign(x) in (-1, 1)


class TestNested:
    class TestInner:
        def test_deep(self):
            assert add(2, 0) == 2
"""


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_DROP}
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root except .git: contents and mode."""
    found = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if rel == ".git" or rel.startswith(".git/"):
            continue
        found[rel] = (path.read_bytes() if path.is_file() else b"<dir>", path.stat().st_mode)
    return found


def procs_with(marker: str) -> list[int]:
    """Live processes whose command line contains ``marker``."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def sleeping(marker: str) -> int:
    """How many of the ``marker`` processes are ``sleep`` itself (setsid has exec'd)."""
    count = 0
    for pid in procs_with(marker):
        try:
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        count += os.path.basename(argv0) == b"sleep"
    return count


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Callable[..., SandboxTestBed]]:
    boxes: list[SandboxTestBed] = []

    def make(extra: dict[str, str] | None = None, **kwargs: object) -> SandboxTestBed:
        files = {"mod.py": MOD, "tests/test_mod.py": TESTS, ".gitignore": "*.log\nbuild/\n"}
        root = make_repo(tmp_path / f"repo{len(boxes)}", {**files, **(extra or {})})
        kwargs.setdefault("autoload_plugins", False)
        box = pytest_bed(root, **kwargs)  # type: ignore[arg-type]
        boxes.append(box)
        return box

    yield make
    for box in boxes:
        box.close()


@pytest.fixture
def box(project: Callable[..., SandboxTestBed]) -> Iterator[SandboxTestBed]:
    yield project()


def fix_patch(box: SandboxTestBed, new_mod: str = MOD.replace("a - b", "a + b")) -> Patch:
    return make_patch({"mod.py": MOD}, {"mod.py": new_mod})


def candidate(box: SandboxTestBed, name: str, source: str) -> Patch:
    """A patch adding one candidate test module."""
    return make_patch({}, {f"tests/{name}": source})


def assert_works(box: SandboxTestBed) -> None:
    """The sandbox is usable after whatever happened before."""
    assert box.apply(fix_patch(box))
    result = box.run_tests(["tests/test_mod.py::test_add"], FAST)
    assert result.passed("tests/test_mod.py::test_add"), result.output_tail


def test_protocol_root_and_close(box: SandboxTestBed) -> None:
    assert isinstance(box.sandbox, Sandbox) and isinstance(box, TestBed)
    assert Path(box.root).is_dir() and len(box.sandbox.base) == 40
    private = box.sandbox._private
    assert os.path.isdir(private) and not private.startswith(box.root)
    box.close()
    assert not os.path.exists(private) and Path(box.root, "mod.py").exists()


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalSandbox(tmp_path)


def test_apply_reset_round_trip_is_byte_identical(box: SandboxTestBed) -> None:
    root = Path(box.root)
    base = tree(root)
    patch = make_patch(
        {"mod.py": MOD}, {"mod.py": MOD.replace("a - b", "a + b"), "pkg/new.py": "X = 1\n"}
    )
    writer = (
        "import os, pathlib\n"
        "def test_write():\n"
        "    pathlib.Path('out.log').write_text('ignored')\n"
        "    os.makedirs('build/deep', exist_ok=True)\n"
        "    pathlib.Path('build/deep/x.bin').write_bytes(b'1')\n"
        "    pathlib.Path('stray.txt').write_text('untracked')\n"
        "    pathlib.Path('mod.py').write_text('broken')\n"
    )
    assert box.apply(make_patch({}, {"tests/test_writer.py": writer}))
    assert box.run_tests(["tests/test_writer.py::test_write"], FAST).passed(
        "tests/test_writer.py::test_write"
    )
    assert (root / "build/deep/x.bin").exists() and (root / "stray.txt").exists()
    assert box.apply(patch)
    assert (root / "pkg/new.py").read_text() == "X = 1\n" and "a + b" in (
        root / "mod.py"
    ).read_text()
    assert not (root / "build").exists() and not (root / "tests/test_writer.py").exists()
    (root / "mod.py").chmod(0o755)
    box.reset()
    assert tree(root) == base
    assert box.apply(Patch(diff=""))
    assert tree(root) == base


def test_crlf_file_and_deletion_patches(project: Callable[..., SandboxTestBed]) -> None:
    crlf = "def f():\r\n    return 1\r\n"
    box = project({"win.py": crlf, "old.py": "X = 1\n"})
    root = Path(box.root)
    base = tree(root)
    patch = make_patch({"win.py": crlf}, {"win.py": crlf.replace("1", "2")})
    deletion = (
        "diff --git a/old.py b/old.py\ndeleted file mode 100644\n"
        "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-X = 1\n"
    )
    assert box.apply(Patch(diff=patch.diff + deletion))
    assert (root / "win.py").read_bytes() == b"def f():\r\n    return 2\r\n"
    assert not (root / "old.py").exists()
    box.reset()
    assert tree(root) == base


def test_unsafe_or_bad_patches_are_refused(box: SandboxTestBed, tmp_path: Path) -> None:
    root = Path(box.root)
    base = tree(root)
    config = (root / ".git/config").read_bytes()
    outside = "diff --git a/../x b/../x\nnew file mode 100644\n--- /dev/null\n+++ b/../x\n@@ -0,0 +1 @@\n+pwned\n"
    into_git = (
        "diff --git a/.git/config b/.git/config\n--- a/.git/config\n+++ b/.git/config\n"
        "@@ -1 +1,2 @@\n [core]\n+\tfsmonitor = touch /tmp/pwned\n"
    )
    rename = "diff --git a/mod.py b/.git/hooks/post-checkout\nsimilarity index 100%\nrename from mod.py\nrename to .git/hooks/post-checkout\n"
    mismatch = make_patch({"mod.py": "something else\n"}, {"mod.py": "other\n"})
    symlink = (
        "diff --git a/ln b/ln\nnew file mode 120000\n--- /dev/null\n+++ b/ln\n"
        "@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n"
    )
    for diff in (outside, into_git, rename, symlink, mismatch.diff, "this is not a diff\n"):
        assert box.apply(Patch(diff=diff)) is False
        assert tree(root) == base
    assert not (tmp_path / "x").exists()
    assert (root / ".git/config").read_bytes() == config


def test_reset_undoes_git_config_tampering(box: SandboxTestBed) -> None:
    root = Path(box.root)
    evil = "import pathlib\ndef test_evil():\n    pathlib.Path('.git/config').write_text('[core]\\n\\tbare = true\\n')\n"
    assert box.apply(candidate(box, "test_evil.py", evil))
    box.run_tests(["tests/test_evil.py::test_evil"], FAST)
    box.reset()
    assert "bare = true" not in (root / ".git/config").read_text()
    assert_works(box)


def test_per_test_statuses(box: SandboxTestBed) -> None:
    f = "tests/test_mod.py"
    wanted = [f"{f}::test_zero", f"{f}::test_add", f"{f}::test_error", f"{f}::test_skip"]
    wanted += [
        f"{f}::test_sign[-5]",
        f"{f}::test_sign[7]",
        f"{f}::TestNested::TestInner::test_deep",
    ]
    result = box.run_tests(wanted, FAST)
    statuses = {t: result.status(t) for t in wanted}
    assert statuses == {
        f"{f}::test_zero": TestStatus.PASS,
        f"{f}::test_add": TestStatus.FAIL,
        f"{f}::test_error": TestStatus.ERROR,
        f"{f}::test_skip": TestStatus.SKIP,
        f"{f}::test_sign[-5]": TestStatus.PASS,
        f"{f}::test_sign[7]": TestStatus.PASS,
        f"{f}::TestNested::TestInner::test_deep": TestStatus.PASS,
    }
    assert "assert -1 == 3" in result.tests[f"{f}::test_add"].message
    assert "fixture broke" in result.tests[f"{f}::test_error"].output
    assert not result.compile_error and not result.timed_out and not result.stopped_early
    assert 0 < result.duration < FAST.wall_timeout and "passed" in result.output_tail
    discovered = box.run_tests([], FAST)
    assert set(discovered.tests) == set(wanted)
    assert box.apply(fix_patch(box))
    assert box.run_tests([f"{f}::test_add"], FAST).passed(f"{f}::test_add")


def test_autoloaded_plugins(project: Callable[..., SandboxTestBed]) -> None:
    box = project(autoload_plugins=True)
    # Every installed pytest plugin loads (langsmith's, from langgraph's dependencies,
    # imports for seconds; more on a loaded machine): a wall limit made for that.
    slow_start = dataclasses.replace(FAST, wall_timeout=120)
    result = box.run_tests(["tests/test_mod.py::test_zero"], slow_start)
    assert result.passed("tests/test_mod.py::test_zero"), result.output_tail


def test_fail_fast_stops_early(box: SandboxTestBed) -> None:
    f = "tests/test_mod.py"
    wanted = [f"{f}::test_zero", f"{f}::test_add", f"{f}::test_sign[7]", f"{f}::test_skip"]
    result = box.run_tests(wanted, RunLimits(per_test_timeout=2, wall_timeout=10, fail_fast=True))
    assert result.stopped_early
    assert set(result.tests) == {f"{f}::test_zero", f"{f}::test_add"}


def test_syntax_error_patch_is_a_compile_error(box: SandboxTestBed) -> None:
    broken = MOD.replace("return a - b", "return a +* b")
    assert box.apply(fix_patch(box, broken))
    wanted = ["tests/test_mod.py::test_zero", "tests/test_mod.py::test_add"]
    result = box.run_tests(wanted, FAST)
    assert "SyntaxError" in result.compile_error and "mod.py, line 2" in result.compile_error
    assert all(result.status(t) == TestStatus.ERROR for t in wanted)
    assert_works(box)


def test_nothing_collected_and_crashed_run(box: SandboxTestBed) -> None:
    wanted = ["tests/test_mod.py::test_zero"]
    none = pytest_bed(box.root, extra_args=["-k", "no_such_name"], autoload_plugins=False)
    try:
        result = none.run_tests(wanted, FAST)
    finally:
        none.close()
    # pytest's own words are quoted
    assert result.compile_error.startswith("no tests collected (pytest: 1 deselected in ")
    assert result.status(wanted[0]) == TestStatus.ERROR
    crash = "import os, signal\ndef test_crash():\n    os.kill(os.getpid(), signal.SIGKILL)\n"
    assert box.apply(candidate(box, "test_crash.py", crash))
    crashed = box.run_tests(["tests/test_crash.py::test_crash"], FAST)
    assert (
        crashed.compile_error
        and crashed.status("tests/test_crash.py::test_crash") == TestStatus.ERROR
    )


def test_coverage_per_parametrized_test(box: SandboxTestBed) -> None:
    f = "tests/test_mod.py"
    result, cov = box.collect_coverage([f"{f}::test_sign", f"{f}::test_zero"], FAST)
    assert result.passed(f"{f}::test_sign[-5]") and result.passed(f"{f}::test_zero")
    assert cov[f"{f}::test_sign[-5]"]["mod.py"] == {6, 7}
    assert cov[f"{f}::test_sign[7]"]["mod.py"] == {6, 8}
    assert cov[f"{f}::test_zero"]["mod.py"] == {2}
    assert cov[f"{f}::test_zero"][f] == {6}
    assert not any(p.startswith(("/", "..")) for lines in cov.values() for p in lines)


# -- containment ---------------------------------------------------------------------------


def test_endless_loop_hits_the_per_test_timeout(box: SandboxTestBed) -> None:
    source = "def test_ok():\n    pass\n\ndef test_loop():\n    while True:\n        pass\n"
    assert box.apply(candidate(box, "test_loop.py", source))
    result = box.run_tests(["tests/test_loop.py::test_ok", "tests/test_loop.py::test_loop"], FAST)
    assert result.status("tests/test_loop.py::test_loop") == TestStatus.TIMEOUT
    assert result.passed("tests/test_loop.py::test_ok") and not result.timed_out
    assert result.duration < 6
    assert_works(box)


def test_loop_ignoring_the_alarm_hits_the_wall_timeout(box: SandboxTestBed) -> None:
    mark = f"{uuid.uuid4().int % 10**6 + 10**6}.25"
    source = (
        "import signal, subprocess\n"
        "def test_first():\n    pass\n\n"
        "def test_stuck():\n"
        f"    subprocess.Popen(['sleep', '{mark}'])\n"
        "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    while True:\n        pass\n"
    )
    assert box.apply(candidate(box, "test_stuck.py", source))
    wanted = ["tests/test_stuck.py::test_first", "tests/test_stuck.py::test_stuck"]
    # the wall timeout leaves a loaded machine time to start pytest and report test_first
    limits = RunLimits(per_test_timeout=1, wall_timeout=12)
    start = time.monotonic()
    result = box.run_tests(wanted, limits)
    assert time.monotonic() - start < 20
    assert result.timed_out
    assert result.status(wanted[1]) == TestStatus.TIMEOUT
    assert result.passed(wanted[0])  # reported before the interrupt
    assert procs_with(mark) == []
    assert_works(box)


def test_fork_bomb_is_contained(project: Callable[..., SandboxTestBed]) -> None:
    box = project()
    mark = f"test_bomb_{uuid.uuid4().hex}.py"
    if box.sandbox.containment.pid_limit or os.geteuid() != 0:
        body = "    while True:\n        os.fork()\n"
    else:  # root without a pid cgroup: nothing can stop a real bomb; cap it at 150 processes
        body = (
            "    n = 0\n    while n < 7:\n        n += 1\n        if os.fork() == 0:\n            continue\n"
            "    time.sleep(1000)\n"
        )
    source = f"import os, time\n\ndef test_bomb():\n{body}"
    assert box.apply(candidate(box, mark, source))
    limits = RunLimits(per_test_timeout=2, wall_timeout=8, max_processes=32)
    start = time.monotonic()
    result = box.run_tests([f"tests/{mark}::test_bomb"], limits)
    assert time.monotonic() - start < 12
    assert not result.passed(f"tests/{mark}::test_bomb")
    assert procs_with(mark) == []
    assert_works(box)


def test_unbounded_allocation_fails_the_test_not_the_host(box: SandboxTestBed) -> None:
    source = "def test_hog():\n    x = []\n    while True:\n        x.append(bytearray(10**7))\n"
    assert box.apply(candidate(box, "test_hog.py", source))
    limits = RunLimits(per_test_timeout=5, wall_timeout=10, memory_mb=512)
    result = box.run_tests(["tests/test_hog.py::test_hog"], limits)
    assert result.status("tests/test_hog.py::test_hog") in (TestStatus.FAIL, TestStatus.ERROR)
    assert (
        "MemoryError" in result.tests["tests/test_hog.py::test_hog"].output + result.compile_error
    )
    assert_works(box)


@pytest.mark.parametrize("cgroups", [True, False])
def test_background_child_in_new_session_is_killed(
    project: Callable[..., SandboxTestBed], cgroups: bool
) -> None:
    box = project(cgroups=cgroups)
    mark = f"{uuid.uuid4().int % 10**6 + 10**6}.75"
    source = (
        "import subprocess\n"
        "def test_daemon():\n"
        f"    subprocess.Popen(['sleep', '{mark}'], start_new_session=True)\n"
    )
    assert box.apply(candidate(box, "test_daemon.py", source))
    result = box.run_tests(["tests/test_daemon.py::test_daemon"], FAST)
    assert result.passed("tests/test_daemon.py::test_daemon")
    assert procs_with(mark) == []


def test_runs_happen_in_their_own_cgroups_which_are_removed(box: SandboxTestBed) -> None:
    spy = (
        "import os, pathlib\n"
        "def test_spy():\n"
        "    marker = os.environ['PATCHWRIGHT_RUN_ID']\n"
        "    cgroups = pathlib.Path('/proc/self/cgroup').read_text()\n"
        "    pathlib.Path('spy.txt').write_text(marker + '\\n' + cgroups)\n"
    )
    assert box.apply(candidate(box, "test_spy.py", spy))
    assert box.run_tests(["tests/test_spy.py::test_spy"], FAST).passed(
        "tests/test_spy.py::test_spy"
    )
    marker, cgroups = Path(box.root, "spy.txt").read_text().split("\n", 1)
    parents = box.sandbox.containment.parents
    if os.geteuid() == 0 and os.access("/sys/fs/cgroup/pids", os.W_OK):
        assert box.sandbox.containment.pid_limit and "pids" in parents
    for key, parent in parents.items():
        assert parent.endswith(CGROUP_PARENT)
        assert f"/{CGROUP_PARENT}/{marker}" in cgroups  # the child ran inside the run's cgroup
        assert not os.path.exists(os.path.join(parent, marker)), key
    assert not Containment(None).cgroups


def test_run_group_kills_detached_children_with_any_cgroup_layout() -> None:
    """v2 (pure, or the hybrid 'unified' mount), v1 or none: every process of a run dies."""
    layouts: list[str | None] = [None, "/sys/fs/cgroup"]
    for v2 in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.exists(os.path.join(v2, "cgroup.controllers")):
            layouts.append(v2)
    for layout in layouts:
        containment = Containment(layout)
        mark = f"{uuid.uuid4().int % 10**6 + 10**6}.5"
        with containment.start(FAST) as group:
            proc = group.popen(
                ["sh", "-c", f"setsid sleep {mark} & sleep {mark} & echo started"],
                cwd="/tmp",
                env=dict(os.environ),
                stdout=subprocess.DEVNULL,
            )
            assert proc.wait(timeout=5) == 0
            # both sleeps exist once setsid has exec'd (a forking setsid or its exec is
            # a transient process that /proc can show half-made), then are members
            deadline = time.monotonic() + 5
            while not (sleeping(mark) == 2 and set(procs_with(mark)) <= group.members()):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            assert len(procs_with(mark)) == 2
            assert set(procs_with(mark)) <= group.members()
            dirs = list(group.dirs)
        assert procs_with(mark) == [], layout
        assert not any(os.path.exists(d) for d in dirs)
