"""LocalSandbox with the pytest fork server: same results as plain runs, same containment.

Real git repositories, real pytest runs, real signals; no mocks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from beds import pytest_bed
from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch, TestResult, TestStatus
from patchwright.core.protocols import RunLimits
from patchwright.sandbox.limits import CGROUP_PARENT
from patchwright.testing.forkserver import ForkServer, blocked_plugins
from patchwright.testing.testbed import SandboxTestBed

FAST = RunLimits(per_test_timeout=2, wall_timeout=10, memory_mb=1024, max_processes=64)
_GIT_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")
HEAVY = ["hypothesispytest", "benchmark", "anyio", "pytest_cov", "langsmith_plugin"]
"""Installed plugins that make autoloading runs slow; blocked where a test needs autoload."""

MOD = "def add(a, b):\n    return a * b\n"
TESTS = """\
import pytest
from mod import add


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


@pytest.mark.xfail(reason="known")
def test_xfail():
    assert add(2, 2) == 5


@pytest.mark.parametrize("x, y", [(0, 0), (2, 2), (1, 5)])
def test_param(x, y):
    assert add(x, y) == x + y


class TestNested:
    def test_deep(self):
        assert add(2, 2) == 4
"""


def git(cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_DROP}
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args]
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)


def procs_with(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains ``marker``."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                state = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[0]
            except OSError:
                continue
            if marker.encode() in cmdline and state not in ("Z", "X"):
                pids.append(int(entry))
    return pids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def server(box: SandboxTestBed) -> ForkServer:
    server = box.runner.fork_server(box.sandbox)
    assert server is not None
    return server


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Callable[..., SandboxTestBed]]:
    boxes: list[SandboxTestBed] = []

    def make(**kwargs: object) -> SandboxTestBed:
        root = tmp_path / f"repo{len(boxes)}"
        (root / "tests").mkdir(parents=True)
        (root / "mod.py").write_text(MOD)
        (root / "tests/test_mod.py").write_text(TESTS)
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "base")
        kwargs.setdefault("autoload_plugins", False)
        kwargs.setdefault("fork_server", True)
        # The server's protocol and the plain containment (pids read by the tests are the
        # host's); the isolated server: tests/integration/test_hostile_sandbox.py.
        kwargs.setdefault("isolation", "none")
        box = pytest_bed(root, **kwargs)  # type: ignore[arg-type]
        boxes.append(box)
        return box

    yield make
    for box in boxes:
        box.close()


@pytest.fixture
def box(project: Callable[..., SandboxTestBed]) -> SandboxTestBed:
    return project()


def mod_patch(body: str) -> Patch:
    return make_patch({"mod.py": MOD}, {"mod.py": MOD.replace("a * b", body)})


def add_test(name: str, source: str) -> Patch:
    return make_patch({}, {f"tests/{name}": source})


def assert_works(box: SandboxTestBed) -> None:
    assert box.apply(mod_patch("a + b"))
    result = box.run_tests(["tests/test_mod.py::test_add"], FAST)
    assert result.passed("tests/test_mod.py::test_add"), result.output_tail


def summary(result: TestResult) -> tuple[object, ...]:
    tests = {t: (o.status, o.message) for t, o in result.tests.items()}
    return tests, result.compile_error, result.timed_out, result.stopped_early


def compare(plain: SandboxTestBed, forked: SandboxTestBed, patch: Patch, tests: list[str]) -> None:
    for limits in (FAST, RunLimits(per_test_timeout=2, wall_timeout=10, fail_fast=True)):
        results = []
        for b in (plain, forked):
            assert b.apply(patch)
            results.append(b.run_tests(tests, limits))
        assert summary(results[0]) == summary(results[1]), results[1].output_tail
    assert server(forked).pid is not None  # the forked box did use its server


# -- same results ----------------------------------------------------------------------------


def test_same_statuses_as_plain_runs(project: Callable[..., SandboxTestBed]) -> None:
    plain, forked = project(fork_server=False), project()
    f = "tests/test_mod.py"
    tests = [f"{f}::test_zero", f"{f}::test_add", f"{f}::test_error", f"{f}::test_skip"]
    tests += [f"{f}::test_xfail", f"{f}::test_param", f"{f}::TestNested::test_deep"]
    compare(plain, forked, Patch(diff=""), tests)
    compare(plain, forked, mod_patch("a + b"), [])  # discovery
    compare(plain, forked, mod_patch("a +* b"), tests[:2])  # syntax error: compile error
    result = forked.run_tests(tests, FAST)
    assert result.status(f"{f}::test_param") == TestStatus.ERROR
    assert "SyntaxError" in result.compile_error and "mod.py, line 2" in result.compile_error
    assert forked.apply(mod_patch("a + b"))
    result = forked.run_tests(tests, FAST)
    assert result.status(f"{f}::test_param[1-5]") == TestStatus.PASS
    assert result.status(f"{f}::test_error") == TestStatus.ERROR
    assert result.status(f"{f}::test_skip") == TestStatus.SKIP
    assert "fixture broke" in result.tests[f"{f}::test_error"].output


def test_same_results_with_autoloaded_plugins(project: Callable[..., SandboxTestBed]) -> None:
    blocked = [arg for name in HEAVY for arg in ("-p", f"no:{name}")]
    plain = project(fork_server=False, autoload_plugins=True, extra_args=blocked)
    forked = project(autoload_plugins=True, extra_args=blocked)
    compare(plain, forked, mod_patch("a + b"), ["tests/test_mod.py"])
    result = forked.run_tests(["tests/test_mod.py::test_zero"], FAST)
    assert result.passed("tests/test_mod.py::test_zero")
    assert "cannot be rewritten" not in result.output_tail


def test_same_size_patches_are_seen_fresh(box: SandboxTestBed) -> None:
    """Same size and the very same mtime (stricter than "within one second"): each run
    sees its own code, as nothing is cached in the server or written to __pycache__."""
    mod = Path(box.root, "mod.py")
    stamp = mod.stat().st_mtime_ns
    for body, passes in [("a + b", True), ("a - b", False), ("a + b", True), ("a % b", False)]:
        assert box.apply(mod_patch(body))
        os.utime(mod, ns=(stamp, stamp))
        result = box.run_tests(["tests/test_mod.py::test_add"], FAST)
        assert result.passed("tests/test_mod.py::test_add") is passes, body
    assert not list(Path(box.root).rglob("__pycache__"))
    assert server(box).starts == 1


def test_module_shadowing_a_preloaded_one_runs_plain(project: Callable[..., SandboxTestBed]) -> None:
    """A workspace module named like one the server imported (here pytest_timeout)."""
    plain, forked = project(fork_server=False), project()
    patch = make_patch({}, {"pytest_timeout.py": "X = 1\n"})
    for b in (plain, forked):
        assert b.apply(Patch(diff=""))
        b.run_tests(["tests/test_mod.py::test_zero"], FAST)
    assert forked.apply(patch) and server(forked).shadowed()
    compare(plain, forked, patch, ["tests/test_mod.py::test_zero"])


def test_plugin_importing_the_workspace_is_not_preloaded(
    project: Callable[..., SandboxTestBed], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "sneaky-1.0.dist-info").mkdir(parents=True)
    (site / "sneaky-1.0.dist-info/METADATA").write_text("Name: sneaky\nVersion: 1.0\n")
    (site / "sneaky-1.0.dist-info/entry_points.txt").write_text("[pytest11]\nsneaky = sneaky\n")
    (site / "sneaky.py").write_text(
        "import os, sys\nsys.path.insert(0, os.getcwd())\nimport mod\nsys.path.pop(0)\n"
        "def pytest_report_header(config):\n    return 'sneaky saw ' + str(mod.add(1, 2))\n"
    )
    blocked = [arg for name in HEAVY for arg in ("-p", f"no:{name}")]
    box = project(autoload_plugins=True, extra_args=blocked, env={"PYTHONPATH": str(site)})
    for body, passes in [("a + b", True), ("a - b", False)]:
        assert box.apply(mod_patch(body))
        result = box.run_tests(["tests/test_mod.py::test_add"], FAST)
        assert result.passed("tests/test_mod.py::test_add") is passes, result.output_tail
    assert "sneaky" in server(box).skipped and server(box).starts == 1


# -- containment -----------------------------------------------------------------------------


def test_per_test_timeout_uses_the_alarm(box: SandboxTestBed) -> None:
    source = "def test_ok():\n    pass\n\ndef test_loop():\n    while True:\n        pass\n"
    assert box.apply(add_test("test_loop.py", source))
    result = box.run_tests(["tests/test_loop.py"], FAST)
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
    assert box.apply(add_test("test_stuck.py", source))
    wanted = ["tests/test_stuck.py::test_first", "tests/test_stuck.py::test_stuck"]
    start = time.monotonic()
    result = box.run_tests(wanted, RunLimits(per_test_timeout=1, wall_timeout=2))
    assert time.monotonic() - start < 6
    assert result.timed_out and result.status(wanted[1]) == TestStatus.TIMEOUT
    assert result.passed(wanted[0])  # reported after the interrupt
    assert procs_with(mark) == []
    assert_works(box)


def test_fork_bomb_is_contained(box: SandboxTestBed) -> None:
    mark = f"test_bomb_{uuid.uuid4().hex}.py"
    if box.sandbox.containment.pid_limit or os.geteuid() != 0:
        body = "    while True:\n        os.fork()\n"
    else:  # root without a pid cgroup: cap it at 128 processes
        body = "    for _ in range(7):\n        os.fork()\n    time.sleep(1000)\n"
    assert box.apply(add_test(mark, f"import os, time\n\ndef test_bomb():\n{body}"))
    limits = RunLimits(per_test_timeout=2, wall_timeout=6, max_processes=32)
    start = time.monotonic()
    result = box.run_tests([f"tests/{mark}::test_bomb"], limits)
    assert time.monotonic() - start < 10
    assert not result.passed(f"tests/{mark}::test_bomb")
    assert_works(box)
    assert server(box).starts == 1


def test_memory_bomb_fails_the_test_not_the_server(box: SandboxTestBed) -> None:
    source = "def test_hog():\n    x = []\n    while True:\n        x.append(bytearray(10**7))\n"
    assert box.apply(add_test("test_hog.py", source))
    result = box.run_tests(["tests/test_hog.py"], RunLimits(per_test_timeout=5, memory_mb=512))
    assert result.status("tests/test_hog.py::test_hog") in (TestStatus.FAIL, TestStatus.ERROR)
    assert "MemoryError" in result.tests["tests/test_hog.py::test_hog"].output
    pid = server(box).pid
    limits = Path(f"/proc/{pid}/limits").read_text()
    assert "Max address space         unlimited" in limits  # the child's rlimit stayed there
    assert_works(box)
    assert server(box).pid == pid


def test_runs_get_session_cgroups_and_marker(project: Callable[..., SandboxTestBed]) -> None:
    box = project()
    spy = (
        "import os, pathlib\n"
        "def test_spy():\n"
        "    env = pathlib.Path('/proc/self/environ').read_bytes()\n"
        "    lines = [os.environ['PATCHWRIGHT_RUN_ID'], str(os.getsid(0) == os.getpid()),\n"
        "             repr(env), pathlib.Path('/proc/self/cgroup').read_text()]\n"
        "    pathlib.Path('spy.txt').write_text('\\n'.join(lines))\n"
    )
    assert box.apply(add_test("test_spy.py", spy))
    assert box.run_tests(["tests/test_spy.py"], FAST).passed("tests/test_spy.py::test_spy")
    marker, leader, environ, cgroups = Path(box.root, "spy.txt").read_text().split("\n", 3)
    assert leader == "True" and f"PATCHWRIGHT_RUN_ID={marker}:" in environ
    for parent in box.sandbox.containment.parents.values():
        assert f"/{CGROUP_PARENT}/{marker}" in cgroups
        assert not os.path.exists(os.path.join(parent, marker))


@pytest.mark.parametrize("cgroups", [True, False])
def test_forked_daemon_without_exec_is_killed(
    project: Callable[..., SandboxTestBed], cgroups: bool
) -> None:
    """A child that forks (no exec) into a new session: found by cgroup or by its marker."""
    box = project(cgroups=cgroups)
    source = (
        "import os, pathlib, time\n"
        "def test_daemon():\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        os.setsid()\n"
        "        time.sleep(1000)\n"
        "        os._exit(0)\n"
        "    pathlib.Path('daemon.pid').write_text(str(pid))\n"
    )
    assert box.apply(add_test("test_daemon.py", source))
    result = box.run_tests(["tests/test_daemon.py"], FAST)
    assert result.passed("tests/test_daemon.py::test_daemon"), result.output_tail
    pid = int(Path(box.root, "daemon.pid").read_text())
    deadline = time.monotonic() + 2
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(pid)


# -- robustness ------------------------------------------------------------------------------


def test_test_killing_its_process_group_reports_like_a_plain_run(
    project: Callable[..., SandboxTestBed],
) -> None:
    plain, forked = project(fork_server=False), project()
    source = "import os, signal\ndef test_kill():\n    os.killpg(0, signal.SIGKILL)\n"
    compare(plain, forked, add_test("test_kill.py", source), ["tests/test_kill.py::test_kill"])
    pid = server(forked).pid
    assert_works(forked)
    assert server(forked).pid == pid  # the child's group never held the server


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP])
def test_test_signalling_the_server(box: SandboxTestBed, sig: int) -> None:
    source = (
        "import os, signal\n"
        f"def test_parent():\n    os.kill(os.getppid(), {int(sig)})\n\n"
        "def test_after():\n    pass\n"
    )
    assert box.apply(add_test("test_parent.py", source))
    first = server(box)
    start = time.monotonic()
    result = box.run_tests(["tests/test_parent.py"], FAST)
    assert time.monotonic() - start < 8 and not result.timed_out  # a stopped server: 2 s
    assert result.passed("tests/test_parent.py::test_parent"), result.output_tail
    assert result.passed("tests/test_parent.py::test_after")
    assert_works(box)
    assert first.starts == 2


@pytest.mark.parametrize("garbage", [False, True])
def test_test_writing_into_the_protocol_pipe(box: SandboxTestBed, garbage: bool) -> None:
    """Forged replies (other ids, pid 1) are dropped; garbage costs the server, not the run."""
    lines = '{"id": null, "pid": 1}\\n{"id": "x", "status": 0}\\n' + ("}{\\n" if garbage else "")
    source = (
        "import os, time\n"
        "def test_forge():\n"
        f"    with open(f'/proc/{{os.getppid()}}/fd/1', 'w') as fh:\n"
        f"        fh.write('{lines}')\n"
        "    time.sleep(0.3)\n"
    )
    assert box.apply(add_test("test_forge.py", source))
    result = box.run_tests(["tests/test_forge.py"], FAST)
    assert result.passed("tests/test_forge.py::test_forge"), result.output_tail
    assert not result.timed_out and result.duration < 6
    assert_works(box)
    assert server(box).starts == (2 if garbage else 1)


def test_server_killed_externally_is_restarted(box: SandboxTestBed) -> None:
    assert_works(box)
    pid = server(box).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.05)
    assert_works(box)
    assert server(box).pid not in (None, pid) and server(box).starts == 2


def test_many_runs_leave_no_stray_processes(box: SandboxTestBed) -> None:
    for i in range(50):
        assert box.apply(mod_patch("a + b" if i % 2 else "a - b"))
        result = box.run_tests(["tests/test_mod.py::test_add"], FAST)
        assert result.passed("tests/test_mod.py::test_add") is bool(i % 2)
    pid = server(box).pid
    assert procs_with(box.root) == [pid]  # children carry the server's command line
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children == [] and server(box).starts == 1
    box.close()
    assert procs_with(box.root) == []


def test_unusable_interpreter_falls_back_to_plain_runs(
    project: Callable[..., SandboxTestBed], tmp_path: Path
) -> None:
    fake = tmp_path / "python"
    fake.write_text(
        f'#!/bin/sh\ncase "$1" in -c) echo nonsense; exit 3;; esac\nexec {sys.executable} "$@"\n'
    )
    fake.chmod(0o755)
    box = project(python=str(fake))
    for _ in range(4):
        assert_works(box)
    assert server(box).disabled and server(box).pid is None


def test_blocked_plugins_are_not_preloaded() -> None:
    assert blocked_plugins(["-p", "no:x", "-pno:y", "-p", "z", "--pdb", "-p"]) == ["x", "y"]
