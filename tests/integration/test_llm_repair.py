"""A whole `patchwright repair` driven through the real openai client against a real local
HTTP server speaking the chat-completions API, with 429/Retry-After, 500, a timeout and
malformed content on the way; and a $0.01 budget that is never exceeded by more than a call."""

import json
import shutil
import subprocess
import sys
import time

from conftest import DEMO
from fakes.openai_server import FakeOpenAIServer, Reply
from patchwright.core.events import ModelCall
from patchwright.store.artifacts import read_events

FIX = """The window loop stops one step early.

stats.py
<<<<<<< SEARCH
    for start in range(len(values) - window):
=======
    for start in range(len(values) - window + 1):
>>>>>>> REPLACE
"""
WRONG = """stats.py
<<<<<<< SEARCH
    for start in range(len(values) - window):
=======
    for start in range(len(values) - window - 1):
>>>>>>> REPLACE
"""


def _role(request):
    system = next((m["content"] for m in request["messages"] if m["role"] == "system"), "")
    if "finds where a bug is" in system:
        return "localize"
    if "failed bug fix attempt" in system:
        return "rethink"
    return "propose"


def _events(run_dir, cls):
    _, events = read_events(run_dir / "trajectory.jsonl")
    return [e for e in events if isinstance(e, cls)]


def _run(cli_args, server, tmp_path, timeout=300):
    proj = tmp_path / "demo"
    if not proj.exists():
        shutil.copytree(DEMO, proj)
    env_args = [
        "--set",
        f"model.base_url={server.base_url}",
        "--set",
        "model.timeout=1.5",
        "--set",
        "model.backoff_base=0.01",
        "--set",
        "model.backoff_max=0.05",
        "--set",
        "model.cache=false",
        "--set",
        "sandbox.plugins=none",
    ]
    return subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "repair", str(proj), "-q", *env_args, *cli_args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={
            "PATH": "/usr/bin:/bin",
            "OPENAI_API_KEY": "test-key",
            "HOME": str(tmp_path),
            "PATCHWRIGHT_HOME": str(tmp_path / "home"),
        },
    )


def test_llm_repair_through_a_real_http_server(tmp_path):
    proposals = []

    def answer(request):
        role = _role(request)
        if role == "localize":
            return "stats.py:moving_average"
        if role == "rethink":
            return "Make the loop include the last window."
        proposals.append(request)
        return WRONG if len(proposals) == 1 else FIX

    script = [
        Reply(status=429, headers={"Retry-After": "0"}, content=None),
        Reply(status=500, content=None),
        Reply(delay=3.0, content="too late"),
        Reply(body=b"{not json", content=None),
    ]
    with FakeOpenAIServer(script, default=answer) as server:
        res = _run(
            ["--proposers", "llm", "--model", "gpt-4o-mini", "--out", str(tmp_path / "run")],
            server,
            tmp_path,
        )
        requests = len(server.requests)
    assert res.returncode == 0, res.stderr
    assert "len(values) - window + 1" in res.stdout
    run = tmp_path / "run"
    calls = _events(run, ModelCall)
    assert len(calls) >= 2 and requests >= len(calls) + 3  # retried attempts are not separate calls
    ok_calls = [c for c in calls if c.completion_tokens]
    assert ok_calls and all(c.prompt_tokens > 0 for c in ok_calls)
    assert all(c.cost is not None and c.cost > 0 for c in ok_calls)
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "plausible" and result["model_calls"] >= 2 and result["cost"] > 0
    # the first (wrong) proposal failed its tests, and that feedback reached the next prompt
    assert len(proposals) >= 2
    later = json.dumps(proposals[-1]["messages"])
    assert "test_moving_average" in later


def test_budget_cap_is_never_exceeded_by_more_than_one_call(tmp_path):
    long_reply = "x" * 4000  # a useless, long reply: the search keeps asking

    with FakeOpenAIServer([], default=lambda req: long_reply) as server:
        res = _run(
            [
                "--proposers",
                "llm",
                "--model",
                "gpt-4o",
                "--out",
                str(tmp_path / "run"),
                "--set",
                "budget.max_dollars=0.01",
                "--max-evals",
                "500",
            ],
            server,
            tmp_path,
        )
    assert res.returncode == 1, res.stderr
    run = tmp_path / "run"
    result = json.loads((run / "result.json").read_text())
    assert result["status"] == "budget_exhausted"
    costs = [c.cost for c in _events(run, ModelCall) if c.cost]
    assert costs, "no priced call was made"
    assert result["cost"] <= 0.01 + max(costs) + 1e-9


def test_max_seconds_bounds_a_slow_model(tmp_path):
    """A model that takes 60 s a reply (model.timeout 600 s, as a slow local model gets)
    cannot hold a --max-seconds 15 run: each call gets only the time left, none starts once
    it is spent, and the run ends budget_exhausted well before one reply could arrive."""
    slow = Reply(content=FIX, delay=60.0)
    with FakeOpenAIServer([], default=lambda req: slow) as server:
        started = time.monotonic()
        res = _run(
            ["--proposers", "llm", "--model", "gpt-4o-mini", "--out", str(tmp_path / "run"),
             "--max-seconds", "15", "--set", "model.timeout=600"],
            server,
            tmp_path,
        )  # fmt: skip
        took = time.monotonic() - started
    assert res.returncode == 1, res.stderr
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["status"] == "budget_exhausted", result
    assert "timed out" in result["message"] and "--max-seconds 15" in result["message"]
    assert took < 45, f"the run took {took:.0f}s against --max-seconds 15"
