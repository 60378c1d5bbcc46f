"""Hostile repositories against the isolated local sandbox (bubblewrap, with and without
the fork server) and the Docker sandbox: a test of the repository tries to reach the user's
files, keys, Patchwright and the network; each try is recorded by the test itself, handed
back in its failure message, and checked from the host. Real bwrap, real Docker, real
pytest, real git. The cases that only concern the local sandbox (no namespaces, a venv
under /tmp, redaction without isolation) run against it alone.

The user's repository, home and run directory live under /var/tmp, outside the private
/tmp the sandbox gets, so that hiding them is really what protects them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from beds import pytest_runner
from patchwright.core.diff import make_patch
from patchwright.core.protocols import RunLimits
from patchwright.repo.git import snapshot
from patchwright.sandbox.local import IsolationUnavailable, LocalSandbox
from patchwright.testing.testbed import SandboxTestBed

KEY = "sk-hostile-test-" + uuid.uuid4().hex
LIMITS = RunLimits(per_test_timeout=20, wall_timeout=60)
MOD = "def add(a, b):\n    return a + b\n"
TESTS = "from mod import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def _git(cwd: Path, *args: str) -> None:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args]
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)


class World:
    """A user's repository, home and run directory outside /tmp, and the snapshot's sandbox."""

    def __init__(self, base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.base = base
        self.user = base / "user"
        self.home = base / "home"
        self.run = base / "run"
        (self.user / "tests").mkdir(parents=True)
        (self.user / "mod.py").write_text(MOD)
        (self.user / "tests" / "test_mod.py").write_text(TESTS)
        _git(self.user, "init", "-q")
        _git(self.user, "add", "-A")
        _git(self.user, "commit", "-qm", "base")
        (self.home / ".ssh").mkdir(parents=True)
        (self.home / ".ssh" / "id_rsa").write_text("PRIVATE KEY")
        (self.home / "keep").mkdir()
        (self.home / "keep" / "notes.txt").write_text("the user's notes")
        self.workspace = self.run / "workspace"
        snapshot(self.user, self.workspace)
        monkeypatch.setenv("HOME", str(self.home))
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        self.before = self.listing()

    def listing(self) -> dict[str, bytes]:
        out = {}
        for root in (self.user, self.home):
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    out[str(path)] = path.read_bytes()
        return out

    def bed(self, *, fork_server: bool, **options: object) -> SandboxTestBed:
        box = LocalSandbox(self.workspace, hide=[self.user, self.run, self.home], **options)  # type: ignore[arg-type]
        return SandboxTestBed(box, pytest_runner(False, (), fork_server))

    def docker_bed(self) -> SandboxTestBed:
        from patchwright.sandbox.docker import DockerSandbox

        return SandboxTestBed(DockerSandbox(self.workspace), pytest_runner(False, (), False))

    def attack(self, bed: SandboxTestBed, body: str) -> dict[str, object]:
        """Run a test whose ``body`` fills ``got`` (a dict); what it recorded, which the
        test hands back in its failure message (so it reaches the host from any sandbox)."""
        source = (
            "import json, os, signal, socket, pathlib\n\n\n"
            "def test_attack():\n"
            "    got = {}\n"
            + "".join(f"    {line}\n" for line in body.strip().splitlines())
            + "    raise AssertionError('PWREPORT' + json.dumps(got, separators=(',', ':')) + 'PWEND')\n"
        )
        assert bed.apply(make_patch({}, {"tests/test_attack.py": source}))
        result = bed.run_tests(["tests/test_attack.py"], LIMITS)
        outcome = result.tests.get("tests/test_attack.py::test_attack")
        assert outcome is not None and outcome.status.value == "fail", result.output_tail
        text = outcome.message + outcome.output + result.output_tail
        assert "PWREPORT" in text, text
        report = json.loads(text.split("PWREPORT", 1)[1].split("PWEND", 1)[0])
        bed.reset()
        return report  # type: ignore[no-any-return]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    base = Path("/var/tmp") / f"patchwright-hostile-{uuid.uuid4().hex[:12]}"
    try:
        yield World(base, monkeypatch)
    finally:
        shutil.rmtree(base, ignore_errors=True)


KINDS = [
    "forked",
    "plain",
    pytest.param("docker", marks=pytest.mark.skipif(
        os.environ.get("PATCHWRIGHT_NO_DOCKER") == "1", reason="PATCHWRIGHT_NO_DOCKER=1")),
]  # fmt: skip


@pytest.fixture(params=KINDS)
def bed(request: pytest.FixtureRequest, world: World) -> Iterator[SandboxTestBed]:
    if request.param == "docker":
        bed = world.docker_bed()
    else:
        bed = world.bed(fork_server=request.param == "forked")
        assert bed.sandbox.isolation is not None, bed.sandbox.isolation_note  # type: ignore[attr-defined]
    yield bed
    bed.close()


@pytest.fixture(params=["forked", "plain"])
def local_bed(request: pytest.FixtureRequest, world: World) -> Iterator[SandboxTestBed]:
    bed = world.bed(fork_server=request.param == "forked")
    assert bed.sandbox.isolation is not None, bed.sandbox.isolation_note  # type: ignore[attr-defined]
    yield bed
    bed.close()


def _tries(paths: list[str], action: str) -> str:
    """Lines trying ``action`` ('write' or 'read') on each path; successes in got[path]."""
    lines = []
    for p in paths:
        op = f"open({p!r}, 'a').write('x')" if action == "write" else f"open({p!r}).read()"
        lines += ["try:", f"    got[{p!r}] = repr({op})", "except OSError as e:", "    pass"]
    return "\n".join(lines)


def test_writes_into_the_users_repository_home_and_run_dir_fail(bed: SandboxTestBed, world: World) -> None:
    targets = [
        str(world.user / "new.txt"), str(world.user / "mod.py"),
        str(world.user / ".git" / "hooks" / "pre-commit"), str(world.home / "planted"),
        str(world.run / "result.json"), os.path.expanduser("~/.bashrc-planted"),
    ]  # fmt: skip
    rmtree = (f"import shutil\nshutil.rmtree({str(world.home / 'keep')!r}, ignore_errors=True)\n"
              f"shutil.rmtree({str(world.user / '.git')!r}, ignore_errors=True)\n")  # fmt: skip
    got = world.attack(bed, rmtree + _tries(targets, "write") + "\ngot['home'] = os.environ.get('HOME')\n"
                       "open(os.path.expanduser('~/x'), 'w').write('in the private home')")  # fmt: skip
    assert set(got) == {"home"}, got
    assert got["home"] != str(world.home)
    assert world.listing() == world.before
    assert not (world.run / "result.json").exists()


def test_secrets_are_out_of_reach(bed: SandboxTestBed, world: World) -> None:
    body = (
        "got['env'] = [k for k, v in os.environ.items() if 'sk-hostile' in v]\n"
        "got['proc'] = []\n"
        "for p in os.listdir('/proc'):\n"
        "    if p.isdigit():\n"
        "        try:\n"
        "            data = open(f'/proc/{p}/environ', 'rb').read()\n"
        "        except OSError:\n"
        "            continue\n"
        "        if b'sk-hostile' in data:\n"
        "            got['proc'].append(p)\n"
        + _tries([str(world.home / ".ssh" / "id_rsa"), os.path.expanduser("~/.ssh/id_rsa")], "read")
    )
    got = world.attack(bed, body)
    assert got == {"env": [], "proc": []}, got


def test_patchwright_is_out_of_sight_and_of_reach(bed: SandboxTestBed, world: World) -> None:
    me = os.getpid()
    body = (
        f"got['sees_patchwright'] = os.path.exists('/proc/{me}')\n"
        "got['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
        "try:\n"
        f"    os.kill({me}, signal.SIGKILL)\n"
        "    got['killed'] = True\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n"
        "except OSError:\n"
        "    pass\n"
    )
    got = world.attack(bed, body)
    assert not got["sees_patchwright"] and "killed" not in got, got
    assert max(got["pids"]) < 100, got  # its own pid namespace  # type: ignore[call-overload]
    assert bed.run_tests(["tests/test_mod.py"], LIMITS).passed("tests/test_mod.py::test_add")


def test_no_network(bed: SandboxTestBed, world: World) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        body = (
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'key')\n"
            "    got['sent'] = True\n"
            "except OSError:\n"
            "    pass\n"
        )
        assert world.attack(bed, body) == {}


def test_private_tmp_and_snapshot_record(bed: SandboxTestBed, world: World) -> None:
    planted = f"/tmp/patchwright-hostile-{uuid.uuid4().hex}"
    body = (
        f"open({planted!r}, 'w').write('x')\n"
        "git = '.git'\n"
        "if os.path.isfile(git):  # a gitfile (Docker): the git dir it names\n"
        "    git = open(git).read().split(':', 1)[1].strip()\n"
        "try:\n"
        "    got['record'] = open(os.path.join(git, 'patchwright-snapshot.json')).read()\n"
        "except OSError:\n"
        "    pass\n"
        "for name in ('config', 'hooks/post-checkout', 'objects/info/alternates'):\n"
        "    try:\n"
        "        open(os.path.join(git, name), 'a').write('x')\n"
        "        got[name] = 'written'\n"
        "    except OSError:\n"
        "        pass\n"
    )
    got = world.attack(bed, body)
    assert got in ({"record": ""}, {}), got  # the record is emptied (bwrap) or absent (Docker)
    assert not os.path.exists(planted)


def test_daemons_die_with_the_run(bed: SandboxTestBed, world: World) -> None:
    tag = uuid.uuid4().hex
    body = (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {tag!r}],"
        " start_new_session=True)\n"
    )
    world.attack(bed, body)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
                state = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[0]
            except OSError:
                continue
            assert tag.encode() not in cmd or state == "Z", "a daemon outlived its run"


def test_without_namespaces_a_warning_or_a_refusal(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = world.base / "bin"  # git and python, but no bwrap
    tools.mkdir()
    for name in ("git",):
        (tools / name).symlink_to(shutil.which(name) or name)
    monkeypatch.setenv("PATH", str(tools))
    with pytest.raises(IsolationUnavailable, match="isolation required"):
        LocalSandbox(world.workspace, require_isolation=True)
    with pytest.warns(RuntimeWarning, match="WITHOUT namespace isolation"):
        box = LocalSandbox(world.workspace)
    assert box.isolation is None and box.isolation_note
    box.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LocalSandbox(world.workspace, isolation="none").close()


def test_the_server_survives_signals_from_its_tests(world: World) -> None:
    bed = world.bed(fork_server=True)
    try:
        body = "\n".join(f"try:\n    os.kill(1, {int(s)})\nexcept OSError:\n    pass"
                         for s in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL))  # fmt: skip
        world.attack(bed, body)
        server = bed.runner.fork_server(bed.sandbox)  # type: ignore[attr-defined]
        assert server is not None and server.starts == 1
    finally:
        bed.close()


def test_a_venv_under_tmp_runs_isolated(world: World) -> None:
    venv = Path(f"/tmp/patchwright-venv-{uuid.uuid4().hex[:12]}")
    try:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                        str(venv)], check=True, capture_output=True, timeout=300)  # fmt: skip
        python = str(venv / "bin" / "python")
        box = LocalSandbox(world.workspace, python=python, hide=[world.user, world.run, world.home])
        bed = SandboxTestBed(box, pytest_runner(False, (), False))
        try:
            assert box.isolation is not None, box.isolation_note
            got = world.attack(bed, "import sys\ngot['prefix'] = sys.prefix")
            assert got == {"prefix": str(venv)}
        finally:
            bed.close()
    finally:
        shutil.rmtree(venv, ignore_errors=True)


SLOW_REPORT = """import time
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    yield
    if call.when == "call":
        time.sleep(2)  # as formatting a RecursionError's thousand frames can take
"""


def test_a_slow_failure_report_is_not_a_timeout(local_bed: SandboxTestBed) -> None:
    bed = local_bed
    tests = "def test_one():\n    assert False\n\n\ndef test_two():\n    pass\n"
    patch = make_patch({}, {"tests/conftest.py": SLOW_REPORT, "tests/test_slow.py": tests})
    assert bed.apply(patch)
    result = bed.run_tests(["tests/test_slow.py"], RunLimits(per_test_timeout=1, wall_timeout=60))
    statuses = {t: o.status.value for t, o in result.tests.items() if "::" in t}
    assert statuses == {"tests/test_slow.py::test_one": "fail",
                        "tests/test_slow.py::test_two": "pass"}, result.output_tail  # fmt: skip


def test_secrets_read_without_isolation_are_redacted(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    marked = "marked-" + uuid.uuid4().hex
    monkeypatch.setenv("PW_HOSTILE_MARKED", marked)
    box = LocalSandbox(world.workspace, isolation="none", redact_env=["PW_HOSTILE_MARKED"],
                       hide=[world.user, world.run, world.home])  # fmt: skip
    bed = SandboxTestBed(box, pytest_runner(False, (), False))
    stash = world.home / "stash"  # without namespaces a test reads what the user can
    stash.write_text(f"{KEY}\n{marked}\n")
    source = (
        "import pathlib\n\n\n"
        "def test_leak():\n"
        f"    found = pathlib.Path({str(stash)!r}).read_text().split()\n"
        "    print('stolen:', found)\n"
        "    pathlib.Path('stolen.txt').write_text(repr(found))\n"
        "    assert not found, found\n"
    )
    try:
        assert bed.apply(make_patch({}, {"tests/test_leak.py": source}))
        result = bed.run_tests(["tests/test_leak.py"], LIMITS)
        outcome = result.tests["tests/test_leak.py::test_leak"]
        assert outcome.status.value == "fail" and "*" * 30 in outcome.message, outcome
        everything = result.model_dump_json()
        assert KEY not in everything and marked not in everything
    finally:
        bed.close()
