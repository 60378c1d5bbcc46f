"""action.yml: a composite action whose inputs reach `patchwright hook pr`; its bot step's
own script is run with bash against the fake GitHub server (a real process, real HTTP)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from fakes.github_server import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def _step(name: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s["name"].startswith(name))


def test_composite_action_with_budget_and_trigger_inputs():
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    for name in ("label", "command", "max-evals", "max-seconds", "max-dollars", "model",
                 "api-url", "token", "draft-pr"):
        assert "description" in inputs[name] and "default" in inputs[name], name
    assert inputs["label"]["default"] == "patchwright" and inputs["command"]["default"] == "/patchwright"
    assert inputs["token"]["default"] == "${{ github.token }}"
    assert inputs["api-url"]["default"] == "${{ github.api_url }}"
    assert "[bot]" in inputs["patchwright-spec"]["default"]
    assert inputs["draft-pr"]["default"] == "false"  # a branch and a PR only when configured


def test_steps_check_out_the_head_install_and_run_the_bot():
    checkout = _step("Check out")
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["ref"].startswith("refs/pull/${{ github.event.pull_request.number")
    assert _step("Set up Python")["uses"].startswith("actions/setup-python@")
    bot = _step("Run the Patchwright PR bot")
    assert bot["shell"] == "bash" and 'patchwright "${args[@]}"' in bot["run"]
    assert "hook pr --event \"$GITHUB_EVENT_PATH\"" in bot["run"]
    env = bot["env"]
    assert env["GITHUB_TOKEN"] == "${{ inputs.token }}"
    for var, name in (("PW_MAX_EVALS", "max-evals"), ("PW_MAX_SECONDS", "max-seconds"),
                      ("PW_MAX_DOLLARS", "max-dollars"), ("PW_MODEL", "model"),
                      ("PW_API_URL", "api-url"), ("PW_LABEL", "label"), ("PW_COMMAND", "command"),
                      ("PW_DRAFT_PR", "draft-pr")):
        assert env[var] == f"${{{{ inputs.{name} }}}}", var
        assert f'"${var}"' in bot["run"], var


def _run_step(tmp_path: Path, gh: FakeGitHub, event: dict, name: str, **inputs: str):
    shim = tmp_path / "bin" / "patchwright"
    shim.parent.mkdir(exist_ok=True)
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m patchwright.cli "$@"\n')
    shim.chmod(0o755)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    values = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    values.update(inputs)
    env = dict(os.environ, PATH=f"{shim.parent}:{os.environ['PATH']}", GITHUB_EVENT_PATH=str(path),
               GITHUB_EVENT_NAME=name, PATCHWRIGHT_HOME=str(tmp_path / "home"))
    bot = _step("Run the Patchwright PR bot")
    for var, expr in bot["env"].items():
        env[var] = values[expr.removeprefix("${{ inputs.").removesuffix(" }}")]
    return subprocess.run(["bash", "-c", bot["run"]], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_the_bot_step_runs_the_command_with_the_inputs(tmp_path):
    repo = {"repository": {"full_name": "acme/calc"}}
    with FakeGitHub("acme/calc") as gh:
        res = _run_step(tmp_path, gh, {**repo, "action": "synchronize", "pull_request": {"number": 7}},
                        "pull_request", **{"api-url": gh.api_url, "token": "t"})
        assert res.returncode == 0 and "not triggered" in res.stderr, res.stderr
        assert gh.requests == []
        gh.add_pull(7, head_sha="f" * 40, files={})
        comment = {**repo, "action": "created", "issue": {"number": 7, "pull_request": {"url": "u"}},
                   "comment": {"body": "/patchwright", "author_association": "OWNER"}}
        res = _run_step(tmp_path, gh, comment, "issue_comment", **{
            "api-url": gh.api_url, "token": "t", "max-evals": "3", "max-dollars": "0.25",
            "draft-pr": "true"})
        # the command line parsed (budgets included) and the bot asked GitHub for the PR;
        # the working folder is no git checkout: one line, exit code 2
        assert res.returncode == 2, res.stderr
        assert res.stderr.strip().splitlines()[-1].startswith("patchwright: error: ")
        assert "/api/v3/repos/acme/calc/pulls/7" in [r.path for r in gh.requests]
        assert gh.writes() == []
