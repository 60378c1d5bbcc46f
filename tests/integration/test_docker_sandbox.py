"""DockerSandbox against a real engine and real containers (no mocks).

Needs a Docker engine (``scripts/docker-setup.sh`` installs and starts one): when none
answers these tests FAIL, unless ``PATCHWRIGHT_NO_DOCKER=1`` is set explicitly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from beds import docker_bed, pytest_bed
from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch, TestStatus
from patchwright.core.protocols import RunLimits, Sandbox, TestBed
from patchwright.sandbox import images
from patchwright.sandbox.docker import (
    LABEL,
    DockerEngine,
    DockerSandbox,
    DockerUnavailableError,
    cleanup_orphans,
)
from patchwright.testing.testbed import SandboxTestBed

pytestmark = pytest.mark.skipif(
    os.environ.get("PATCHWRIGHT_NO_DOCKER") == "1", reason="PATCHWRIGHT_NO_DOCKER=1"
)

FAST = RunLimits(per_test_timeout=2, wall_timeout=20, memory_mb=512, max_processes=64)
_GIT_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")
MOD = "def add(a, b):\n    return a - b\n\n\ndef sign(x):\n    if x < 0:\n        return -1\n    return 1\n"
FIXED = MOD.replace("a - b", "a + b")
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


def test_slow():
    import time
    time.sleep(30)


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


def state(root: Path) -> dict[str, bytes]:
    """Every file under root, .git included, with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def engine() -> DockerEngine:
    try:
        return DockerEngine.connect()
    except DockerUnavailableError as exc:
        pytest.fail(f"{exc} (set PATCHWRIGHT_NO_DOCKER=1 to skip the Docker tests)")


@pytest.fixture(scope="session")
def image(engine: DockerEngine) -> str:
    """Base and env images, built once (reused by tag when they exist)."""
    return images.bootstrap(engine)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(
        tmp_path_factory.mktemp("docker") / "repo",
        {"mod.py": MOD, "tests/test_mod.py": TESTS, ".gitignore": "*.log\n"},
    )


@pytest.fixture(scope="module")
def box(repo: Path, engine: DockerEngine, image: str) -> Iterator[SandboxTestBed]:
    """One sandbox shared by the module: each test also shows that the run goes on."""
    sandbox = docker_bed(repo, image=image, engine=engine, autoload_plugins=False)
    yield sandbox
    sandbox.close()


def candidate(name: str, source: str) -> Patch:
    """A patch adding one candidate test module."""
    return make_patch({}, {f"tests/{name}": textwrap.dedent(source)})


def assert_works(box: SandboxTestBed) -> None:
    """The sandbox still evaluates correctly, and nothing of earlier runs is alive."""
    assert box.apply(make_patch({"mod.py": MOD}, {"mod.py": FIXED}))
    result = box.run_tests(["tests/test_mod.py::test_add", "tests/test_mod.py::test_zero"], FAST)
    assert result.passed("tests/test_mod.py::test_add"), result.output_tail
    assert result.passed("tests/test_mod.py::test_zero"), result.output_tail
    box.reset()
    result = box.run_tests(["tests/test_mod.py::test_add"], FAST)
    assert result.status("tests/test_mod.py::test_add") == TestStatus.FAIL
    assert user_processes(box) == 0


def user_processes(box: SandboxTestBed) -> int:
    code = "import os; print(sum(1 for p in os.listdir('/proc') if p.isdigit() and os.stat('/proc/'+p).st_uid == 10001))"
    res = box.sandbox.container.exec_run([f"{images.VENV}/bin/python", "-c", code], user="root")
    return int(res.output.decode().strip())


def run_candidate(box: SandboxTestBed, patch: Patch, test: str, limits: RunLimits = FAST):
    assert box.apply(patch)
    return box.run_tests([test], limits)


# -- protocol, round trip, parity ------------------------------------------------------------


def test_protocol_labels_and_close(repo: Path, engine: DockerEngine, image: str) -> None:
    sandbox = DockerSandbox(repo, image=image, engine=engine)
    assert isinstance(sandbox, Sandbox) and sandbox.root == str(repo)
    labels = sandbox.container.labels
    assert labels[LABEL] == "1" and labels[f"{LABEL}.pid"] == str(os.getpid())
    attrs = engine.api.inspect_container(sandbox.container.id)
    host = attrs["HostConfig"]
    assert host["NetworkMode"] == "none" and host["PidsLimit"] > 0 and host["Memory"] > 0
    assert host["NanoCpus"] > 0 and host["CapDrop"] == ["ALL"] and not host["Binds"]
    cid = sandbox.container.id
    sandbox.close()
    assert not engine.client.containers.list(all=True, filters={"id": cid})


def test_apply_reset_round_trip(box: SandboxTestBed, repo: Path) -> None:
    before = state(repo)
    writer = """\
        import os, pathlib
        def test_write():
            pathlib.Path('out.log').write_text('ignored')
            os.makedirs('build/deep', exist_ok=True)
            pathlib.Path('build/deep/x.bin').write_bytes(b'1')
            pathlib.Path('mod.py').write_text('broken')
            os.chmod('tests/test_mod.py', 0o755)
    """
    probe = """\
        import os, pathlib
        def test_clean():
            assert not pathlib.Path('out.log').exists() and not pathlib.Path('build').exists()
            assert pathlib.Path('mod.py').read_text().startswith('def add')
            assert not os.stat('tests/test_mod.py').st_mode & 0o111
            assert pathlib.Path('pkg/new.py').read_text() == 'X = 1\\n'
    """
    assert run_candidate(box, candidate("test_writer.py", writer), "tests/test_writer.py").passed(
        "tests/test_writer.py::test_write"
    )
    both = make_patch({}, {"pkg/new.py": "X = 1\n", "tests/test_probe.py": textwrap.dedent(probe)})
    result = run_candidate(box, both, "tests/test_probe.py")
    assert result.passed("tests/test_probe.py::test_clean"), result.output_tail
    assert not box.apply(Patch(diff=make_patch({"mod.py": "other\n"}, {"mod.py": "x\n"}).diff))
    assert not box.apply(Patch(diff="diff --git a/.git/config b/.git/config\n"))
    assert box.apply(Patch(diff=""))
    result = box.run_tests(["tests/test_probe.py"], FAST)
    assert result.compile_error  # the probe is gone again
    assert_works(box)
    assert state(repo) == before


def test_same_size_edits_right_after_start_are_reset(
    repo: Path, engine: DockerEngine, image: str
) -> None:
    """git trusts stat data in whole seconds: a same-size edit made in the second of the
    checkout must still be undone by the next reset."""
    sandbox = docker_bed(repo, image=image, engine=engine, autoload_plugins=False)
    try:
        for _ in range(3):
            assert sandbox.apply(make_patch({"mod.py": MOD}, {"mod.py": FIXED}))
            assert sandbox.run_tests(["tests/test_mod.py::test_add"], FAST).passed(
                "tests/test_mod.py::test_add"
            )
            sandbox.reset()
            result = sandbox.run_tests(["tests/test_mod.py::test_add"], FAST)
            assert result.status("tests/test_mod.py::test_add") == TestStatus.FAIL
    finally:
        sandbox.close()


def statuses(sandbox: TestBed, patch: Patch) -> dict[str, TestStatus]:
    assert sandbox.apply(patch)
    limits = RunLimits(per_test_timeout=2, wall_timeout=60)
    return {k: v.status for k, v in sandbox.run_tests(["tests/test_mod.py"], limits).tests.items()}


def test_statuses_match_local_sandbox(box: SandboxTestBed, repo: Path, tmp_path: Path) -> None:
    local_root = make_repo(tmp_path / "local", {"mod.py": MOD, "tests/test_mod.py": TESTS})
    fixed = make_patch({"mod.py": MOD}, {"mod.py": FIXED})
    syntax = make_patch({"mod.py": MOD}, {"mod.py": "def add(:\n"})
    with pytest_bed(local_root, autoload_plugins=False) as local:
        for patch in (Patch(diff=""), fixed, syntax):
            expected = statuses(local, patch)
            assert statuses(box, patch) == expected
    assert expected == {"tests/test_mod.py": TestStatus.ERROR}  # the syntax error
    assert statuses(box, fixed)["tests/test_mod.py::test_slow"] == TestStatus.TIMEOUT


def test_coverage_map_matches_local(box: SandboxTestBed, tmp_path: Path) -> None:
    local_root = make_repo(tmp_path / "local", {"mod.py": MOD, "tests/test_mod.py": TESTS})
    tests = ["tests/test_mod.py::test_add", "tests/test_mod.py::test_sign"]
    box.reset()
    result, cov = box.collect_coverage(tests, FAST)
    assert result.status("tests/test_mod.py::test_add") == TestStatus.FAIL
    assert cov["tests/test_mod.py::test_add"]["mod.py"] == {2}
    assert cov["tests/test_mod.py::test_sign[-5]"]["mod.py"] == {6, 7}
    with pytest_bed(local_root, autoload_plugins=False) as local:
        _, expected = local.collect_coverage(tests, FAST)
    assert cov == expected


# -- containment ------------------------------------------------------------------------------


def test_network_is_unreachable(box: SandboxTestBed) -> None:
    source = """\
        import socket
        import pytest
        @pytest.mark.parametrize("addr", [("8.8.8.8", 53), ("172.17.0.1", 2375), ("1.1.1.1", 443)])
        def test_connect(addr):
            s = socket.socket()
            s.settimeout(3)
            with pytest.raises(OSError):
                s.connect(addr)
        def test_interfaces():
            names = [ln.split(':')[0].strip() for ln in open('/proc/net/dev').readlines()[2:]]
            assert names == ['lo']
    """
    result = run_candidate(box, candidate("test_net.py", source), "tests/test_net.py")
    assert result.tests and all(o.status == TestStatus.PASS for o in result.tests.values()), (
        result.output_tail
    )
    assert_works(box)


def test_writes_outside_the_workspace_change_nothing(box: SandboxTestBed, repo: Path) -> None:
    before = state(repo)
    source = f"""\
        import os, pathlib
        import pytest
        TARGETS = ["/etc/passwd", "/pw/git/HEAD", "/pw/index", "/usr/bin/git", "/root/x"]
        def test_system_files_are_read_only():
            for target in TARGETS:
                with pytest.raises(OSError):
                    open(target, "a").write("pwned")
        def test_host_paths_are_not_the_host():
            for target in ({str(repo)!r}, os.path.expanduser("~root")):
                try:
                    os.makedirs(target, exist_ok=True)
                    pathlib.Path(target, "mod.py").write_text("pwned")
                except OSError:
                    pass
    """
    result = run_candidate(box, candidate("test_write.py", source), "tests/test_write.py")
    assert result.passed("tests/test_write.py::test_system_files_are_read_only"), result.output_tail
    assert state(repo) == before
    assert_works(box)


def test_fork_bomb_is_contained(box: SandboxTestBed) -> None:
    source = """\
        import os, time
        def test_fork():
            if os.fork() == 0:
                os.setsid()
                while True:
                    try:
                        os.fork()
                    except OSError:
                        time.sleep(0.01)
            time.sleep(60)
    """
    start = time.monotonic()
    result = run_candidate(box, candidate("test_fork.py", source), "tests/test_fork.py")
    assert time.monotonic() - start < 60  # generous: CI machines can be very loaded
    assert result.status("tests/test_fork.py::test_fork") in (TestStatus.TIMEOUT, TestStatus.FAIL)
    assert_works(box)


def test_unbounded_allocation_is_contained(box: SandboxTestBed) -> None:
    source = """\
        def test_alloc():
            chunks = []
            while True:
                chunks.append(bytearray(50 * 1024 * 1024))
    """
    limits = RunLimits(per_test_timeout=30, wall_timeout=60, memory_mb=512, max_processes=64)
    result = run_candidate(box, candidate("test_alloc.py", source), "tests/test_alloc.py", limits)
    assert result.status("tests/test_alloc.py::test_alloc") in (TestStatus.FAIL, TestStatus.ERROR)
    assert "MemoryError" in result.tests["tests/test_alloc.py::test_alloc"].message
    assert_works(box)


def test_endless_loops_time_out(box: SandboxTestBed) -> None:
    loop = "def test_loop():\n    while True:\n        pass\n"
    result = run_candidate(box, candidate("test_loop.py", loop), "tests/test_loop.py")
    assert result.status("tests/test_loop.py::test_loop") == TestStatus.TIMEOUT
    # one that ignores the per-test alarm: only the wall-clock limit stops it
    stubborn = """\
        import signal, subprocess, sys
        def test_stubborn():
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            while True:
                pass
    """
    limits = RunLimits(per_test_timeout=60, wall_timeout=3, memory_mb=512, max_processes=64)
    start = time.monotonic()
    result = run_candidate(box, candidate("test_stub.py", stubborn), "tests/test_stub.py", limits)
    assert time.monotonic() - start < 30
    assert result.timed_out
    assert result.status("tests/test_stub.py") == TestStatus.TIMEOUT
    assert_works(box)


def test_deleting_git_files_does_not_break_reset(box: SandboxTestBed) -> None:
    source = """\
        import os, shutil, pathlib
        def test_wreck():
            assert pathlib.Path(".git").read_text().startswith("gitdir:")
            for victim in ("/pw/git/HEAD", "/pw/git/objects", "/pw/index"):
                try:
                    (shutil.rmtree if os.path.isdir(victim) else os.remove)(victim)
                except OSError:
                    pass
            os.remove(".git")
            os.makedirs(".git/objects")
            pathlib.Path(".git/HEAD").write_text("garbage")
            os.remove("mod.py")
            os.chmod("tests", 0)
    """
    result = run_candidate(box, candidate("test_wreck.py", source), "tests/test_wreck.py")
    assert result.passed("tests/test_wreck.py::test_wreck"), result.output_tail
    assert_works(box)


# -- lifecycle ---------------------------------------------------------------------------------

_HOLDER = """\
import sys, time
from patchwright.sandbox.docker import DockerSandbox
box = DockerSandbox(sys.argv[1], image=sys.argv[2])
print(box.container.id, flush=True)
time.sleep(600)
"""


def test_orphans_of_a_killed_run_are_removed(repo: Path, engine: DockerEngine, image: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(repo), image], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        cid = proc.stdout.readline().strip()
        assert cid and engine.client.containers.get(cid).status == "running"
        cleanup_orphans(engine)  # its owner is alive: kept
        assert engine.client.containers.get(cid).status == "running"
    finally:
        proc.kill()  # SIGKILL: no clean-up runs
        proc.wait()
    assert engine.client.containers.list(all=True, filters={"id": cid})
    sandbox = DockerSandbox(repo, image=image, engine=engine)
    try:
        assert not engine.client.containers.list(all=True, filters={"id": cid})
    finally:
        sandbox.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_container_removed_on_termination(
    repo: Path, engine: DockerEngine, image: str, sig: int
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(repo), image], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    cid = proc.stdout.readline().strip()
    assert engine.client.containers.list(all=True, filters={"id": cid})
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert not engine.client.containers.list(all=True, filters={"id": cid})


def test_no_engine_is_one_line_and_exit_2(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DockerUnavailableError) as info:
        DockerEngine.connect()
    assert "\n" not in str(info.value) and "no Docker engine answers" in str(info.value)
    demo = Path(__file__).resolve().parents[2] / "examples" / "demo"
    proc = cli("repair", str(demo), "--sandbox", "docker", "-q")
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("patchwright: error")]
    assert len(lines) == 1 and "no Docker engine answers" in lines[0]
    proc = cli("sandbox", "bootstrap")
    assert proc.returncode == 2 and "no Docker engine answers" in proc.stderr


def test_sandbox_bootstrap_cli_reuses_images(cli, image: str) -> None:
    proc = cli("sandbox", "bootstrap", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == image
