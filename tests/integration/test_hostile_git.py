"""Hostile repositories against Patchwright's own git on a workspace, in the sandbox
without namespaces (``sandbox.isolation=none``), where a test can write into ``.git``
(isolated, ``.git`` is read-only: tests/integration/test_hostile_sandbox.py). A test plants
a filter in ``.git/config``, a ``commondir`` redirect with a smudge filter, or rewrites a
blob of the base commit; the filter never runs and the reset says what it could not
restore. In the Docker sandbox the same plants do not land at all. Real git, real pytest,
real Docker."""

from __future__ import annotations

import os
import subprocess
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from beds import pytest_runner
from patchwright.core.diff import make_patch
from patchwright.core.protocols import RunLimits
from patchwright.sandbox.local import LocalSandbox, WorkspaceTampered
from patchwright.testing.testbed import SandboxTestBed

LIMITS = RunLimits(per_test_timeout=20, wall_timeout=60)
MOD = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[SandboxTestBed]:
    root = tmp_path / "ws"
    (root / "tests").mkdir(parents=True)
    (root / "mod.py").write_text(MOD)
    (root / ".gitattributes").write_text("*.py filter=evil\n")
    (root / "tests" / "test_mod.py").write_text("from mod import add\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "base")):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                       check=True, capture_output=True)  # fmt: skip
    bed = SandboxTestBed(LocalSandbox(root, isolation="none"), pytest_runner(False, (), False))
    yield bed
    bed.close()


def _run(bed: SandboxTestBed, body: str) -> None:
    source = "import os, pathlib, zlib\n\n\ndef test_plant():\n" + "".join(
        f"    {line}\n" for line in body.strip().splitlines()
    )
    assert bed.apply(make_patch({}, {"tests/test_plant.py": source}))
    result = bed.run_tests(["tests/test_plant.py"], LIMITS)
    assert result.passed("tests/test_plant.py::test_plant"), result.output_tail


def _filter(proof: Path) -> str:
    cmd = f"sh -c 'touch {proof}; cat'"
    return f'[filter "evil"]\n\tsmudge = {cmd}\n\tclean = {cmd}\n\tprocess = {cmd}\n[core]\n\tfsmonitor = {cmd}\n'


def test_filter_planted_in_git_config_never_runs(bed: SandboxTestBed, tmp_path: Path) -> None:
    proof = tmp_path / f"ran-{uuid.uuid4().hex}"
    text = _filter(proof) + f"[diff]\n\texternal = sh -c 'touch {proof}'\n[core]\n\tpager = touch {proof}\n"
    _run(bed, f"open('.git/config', 'a').write({text!r})\n"
              "open('.git/info/attributes', 'w').write('*.py filter=evil\\n')\n"
              "open('mod.py', 'a').write('# changed\\n')")  # fmt: skip
    bed.reset()
    assert bed.apply(make_patch({"mod.py": MOD}, {"mod.py": MOD.replace("+", "-")}))
    bed.reset()
    assert not proof.exists()
    assert (Path(bed.sandbox.root) / "mod.py").read_text() == MOD


def test_commondir_redirect_is_removed(bed: SandboxTestBed, tmp_path: Path) -> None:
    proof = tmp_path / f"ran-{uuid.uuid4().hex}"
    evil = tmp_path / "evil-common"
    body = (
        f"os.makedirs({str(evil)!r}, exist_ok=True)\n"
        f"open({str(evil / 'config')!r}, 'w').write({_filter(proof)!r})\n"
        f"open('.git/commondir', 'w').write({str(evil)!r})\n"
        "open('.git/objects/info/alternates', 'w').write('/nonexistent\\n')\n"
    )
    _run(bed, body)
    bed.reset()
    assert not proof.exists()
    assert not (Path(bed.sandbox.root) / ".git" / "commondir").exists()


def test_a_rewritten_base_blob_is_caught_by_the_reset(bed: SandboxTestBed) -> None:
    root = Path(bed.sandbox.root)
    sha = subprocess.run(["git", "rev-parse", "HEAD:mod.py"], cwd=root, capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    obj = root / ".git" / "objects" / sha[:2] / sha[2:]
    forged = b"def add(a, b):\n    return 3\n"
    data = zlib.compress(b"blob %d\0" % len(forged) + forged)
    _run(bed, f"p = pathlib.Path({str(obj)!r})\np.chmod(0o644)\np.write_bytes({data!r})\n"
              "os.remove('mod.py')")  # fmt: skip
    with pytest.raises(WorkspaceTampered, match=r"reset (left changes|restored wrong contents)"):
        bed.reset()


@pytest.mark.skipif(os.environ.get("PATCHWRIGHT_NO_DOCKER") == "1", reason="PATCHWRIGHT_NO_DOCKER=1")
def test_in_docker_the_git_dir_is_out_of_the_tests_reach(tmp_path: Path) -> None:
    """The same plants in the Docker sandbox: its git dir is root's and read-only to the
    tests, so none lands, and the reset brings back the base file the test rewrote."""
    from patchwright.sandbox.docker import DockerSandbox

    root = tmp_path / "ws"
    (root / "tests").mkdir(parents=True)
    (root / "mod.py").write_text(MOD)
    (root / "tests" / "test_mod.py").write_text("from mod import add\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "base")):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                       check=True, capture_output=True)  # fmt: skip
    sha = subprocess.run(["git", "rev-parse", "HEAD:mod.py"], cwd=root, capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    text = b"def add(a, b):\n    return 3\n"
    forged = zlib.compress(b"blob %d\0" % len(text) + text)
    bed = SandboxTestBed(DockerSandbox(root), pytest_runner(False, (), False))
    try:
        plants = {
            "config": ("config", "a", _filter(Path("/tmp/ran"))),
            "attributes": ("info/attributes", "w", "*.py filter=evil\n"),
            "commondir": ("commondir", "w", "/tmp/evil\n"),
            "hook": ("hooks/post-checkout", "w", "#!/bin/sh\ntouch /tmp/ran\n"),
            "object": (f"objects/{sha[:2]}/{sha[2:]}", "wb", forged),
        }
        body = (
            "git = open('.git').read().split(':', 1)[1].strip() if os.path.isfile('.git') else '.git'\n"
            f"plants = {plants!r}\n"
            "landed = []\n"
            "for key, (name, mode, data) in plants.items():\n"
            "    try:\n"
            "        open(os.path.join(git, name), mode).write(data)\n"
            "        landed.append(key)\n"
            "    except OSError:\n"
            "        pass\n"
            "open('mod.py', 'w').write('def add(a, b):\\n    return 3\\n')\n"
            "assert not landed, landed\n"
        )
        _run(bed, body)
        bed.reset()
        result = bed.run_tests(["tests/test_mod.py"], LIMITS)
        assert result.passed("tests/test_mod.py::test_add"), result.output_tail
    finally:
        bed.close()
