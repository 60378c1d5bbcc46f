"""LocalServer's process management (start, readiness, stop, failures), with a stand-in
for ``python -m llama_cpp.server`` so it runs without llama-cpp-python."""

import os
import sys
from pathlib import Path

import pytest

from patchwright.core.domain import Message
from patchwright.model.errors import ModelUnavailable
from patchwright.model.local import LocalModel, LocalServer

FAKES = Path(__file__).resolve().parents[1] / "fakes" / "openai_server.py"


def _python(tmp_path: Path, body: str) -> str:
    """An executable that passes the llama_cpp import probe, then runs ``body``."""
    exe = tmp_path / "python-stub"
    exe.write_text(f'#!/bin/sh\nif [ "$1" = "-c" ]; then exit 0; fi\n{body}\n')
    exe.chmod(0o755)
    return str(exe)


@pytest.fixture
def gguf(tmp_path):
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF")
    return path


def test_start_wait_ready_complete_and_stop(tmp_path, gguf):
    python = _python(tmp_path, f'exec {sys.executable} {FAKES} "$@" --reply "hello from stub"')
    server = LocalServer(gguf, alias="stub-model", threads=1, python=python, startup_timeout=30)
    assert "--model_alias" in server.command() and "--n_ctx" in server.command()
    with LocalModel(server, timeout=10) as model:
        assert server.running and model.name == "stub-model"
        pid = server.proc.pid
        assert os.getpgid(pid) == pid  # its own process group
        resp = model.complete([Message(role="user", content="hi")], max_tokens=8)
        assert resp.text == "hello from stub" and resp.cost == 0.0
    assert not server.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ModelUnavailable, match="stopped"):
        model.complete([Message(role="user", content="hi")])


def test_a_server_that_dies_at_startup_is_reported(tmp_path, gguf):
    python = _python(tmp_path, 'echo "error: failed to load model" >&2; exit 3')
    with pytest.raises(ModelUnavailable, match=r"exited with 3.*failed to load model"):
        LocalServer(gguf, python=python, startup_timeout=30).start()


def test_a_server_that_never_answers_is_stopped(tmp_path, gguf):
    python = _python(tmp_path, "exec sleep 60")
    server = LocalServer(gguf, python=python, startup_timeout=1)
    with pytest.raises(ModelUnavailable, match="not ready"):
        server.start()
    assert server.proc is None


def test_missing_model_file_or_runtime(tmp_path, gguf):
    with pytest.raises(ModelUnavailable, match="not found"):
        LocalServer(tmp_path / "absent.gguf").start()
    bad = tmp_path / "nopython"
    bad.write_text("#!/bin/sh\nexit 1\n")
    bad.chmod(0o755)
    with pytest.raises(ModelUnavailable, match="llama-cpp-python is not installed"):
        LocalServer(gguf, python=str(bad)).start()


def test_a_server_that_crashes_during_a_completion_is_reported_with_its_signal(tmp_path, gguf):
    """A native crash mid-request (llama.cpp's AMX kernels on a machine that does not allow
    them die so) is said as the server's death by SIGSEGV with the rebuild hint, not as a
    connection error."""
    import signal

    python = _python(tmp_path, f'exec {sys.executable} {FAKES} "$@" --crash-signal {int(signal.SIGSEGV)}')
    server = LocalServer(gguf, threads=1, python=python, startup_timeout=30)
    crash = r"killed by SIGSEGV during a completion.*GGML_NATIVE=OFF"
    with LocalModel(server, timeout=10) as model, pytest.raises(ModelUnavailable, match=crash):
        model.complete([Message(role="user", content="hi")], max_tokens=8)
    assert not server.running
