"""``patchwright bench gitchameleon`` end to end: real venvs built from PyPI with pyenv's
Python 3.10, real pytest runs of the hidden tests.

The two flask problems (143, 145) share one environment (flask 2.0.0, werkzeug 2.0.0),
built once per test session into a session temp dir (about half a minute with a warm pip
cache, a couple of minutes without), so every session checks a real build.
"""

import json
from pathlib import Path

import pytest

from patchwright.benchmarks.gitchameleon_data import load_problems, select, split_requirements
from patchwright.benchmarks.gitchameleon_score import run_hidden, run_visible
from patchwright.core.events import Note, Result, ToolCall
from patchwright.envs import EnvBuilder, EnvSpec
from patchwright.envs.cache import FAILED_SUFFIX
from patchwright.store.artifacts import read_events

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "benchmarks"
DATA = SHARED / "gitchameleon2_dataset.jsonl"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared/benchmarks not beside the repo")


@pytest.fixture(scope="session")
def env_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("gitchameleon-envs")


def _bench(cli, *args: str, timeout: float = 900):
    return cli("bench", "gitchameleon", "--data", str(DATA), *args, timeout=timeout)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_reference_answers_pass_and_resume(cli, tmp_path, env_cache):
    out = tmp_path / "out"
    args = ("--solver", "reference", "--only", "143,145", "--out", str(out),
            "--env-cache", str(env_cache), "--jobs", "2")
    res = _bench(cli, *args)
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["instances"], summary["passed"], summary["env_errors"]) == (2, 2, 0)
    assert summary["by_library"]["flask"]["pass_rate"] == 1.0
    assert summary["envs"]["used"] == 1
    for pid in ("143", "145"):
        inst = json.loads((out / "instances" / pid / "bench.json").read_text())
        assert inst["status"] == "pass"
        assert inst["extra"]["hidden"]["tests_passed"] >= 1
        assert inst["extra"]["hidden"]["tests_failed"] == 0
        assert inst["extra"]["visible"]["passed"]
        assert (out / "instances" / pid / f"sample_{pid}.py").exists()
    assert "2/2 passed" in res.stdout
    again = _bench(cli, *args)
    assert again.returncode == 0 and "resuming: 2 done, 0 to go" in again.stderr


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_wrong_answers_fail(env_cache):
    (problem,) = select(load_problems(DATA), only=["143"])
    reqs, pins = split_requirements(problem)
    env = EnvBuilder(env_cache).ensure(EnvSpec(problem.python_version, tuple(reqs), tuple(pins)))
    assert run_hidden(env, problem, problem.answer, timeout=300).passed
    stub = problem.starting_code + "\n    pass\n"
    score = run_hidden(env, problem, stub, timeout=300)
    assert not score.passed and score.tests_failed >= 1 and score.failing
    assert not run_visible(env, problem, stub, timeout=120).passed
    broken = run_hidden(env, problem, "import flask\ndef app_set_up(app)\n", timeout=300)
    assert not broken.passed and broken.tests_failed == 1 and "SyntaxError" in broken.error


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_env_error_is_reported_and_the_batch_goes_on(cli, tmp_path, env_cache):
    """Two problems whose library version does not exist: env_error for both from one
    pip failure, while the good problem still passes."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    files = {
        "gitchameleon2_dataset.jsonl": None,
        "gitchameleon2_ground_truth_solutions.jsonl": None,
        "gitchameleon2_hidden_tests.jsonl": None,
    }
    for name in files:
        rows = [json.loads(line) for line in (SHARED / name).read_text().splitlines()]
        (row,) = [r for r in rows if r["example_id"] == "143"]
        out_rows = [row]
        for new_id in ("9001", "9002"):
            copy = json.loads(json.dumps(row).replace("sample_143", f"sample_{new_id}"))
            copy["example_id"] = new_id
            if "library" in copy:
                copy["version"] = "99.0.0"
            out_rows.append(copy)
        (data_dir / name).write_text("".join(json.dumps(r) + "\n" for r in out_rows))
    out = tmp_path / "out"
    res = cli("bench", "gitchameleon", "--data", str(data_dir / "gitchameleon2_dataset.jsonl"),
              "--out", str(out), "--env-cache", str(env_cache), timeout=900)
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    status = {r["id"]: r["status"] for r in summary["results"]}
    assert status == {"143": "pass", "9001": "env_error", "9002": "env_error"}
    messages = {r["message"] for r in summary["results"] if r["status"] == "env_error"}
    assert len(messages) == 1 and "flask==99.0.0" in messages.pop()
    assert summary["pass_rate_env_built"] == 1.0 and summary["envs"]["failed"] == 1
    assert len(list(env_cache.glob(f"*{FAILED_SUFFIX}"))) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--only", "143,99999"), "unknown example id: 99999"),
        (("--libraries", "nosuchlib"), "no selected problem uses library: nosuchlib"),
        (("--docs", "on"), "--docs applies to --solver model only"),
        (("--python", "3.10"), "--python takes X.Y=PATH"),
        (("--python", "3.10=/nonexistent/python"), "is not one: /nonexistent/python"),
        (("--limit", "0"), "--limit must be at least 1"),
        (("--solver", "oracle"), "invalid choice: 'oracle'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, message):
    res = _bench(cli, *args, timeout=120)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and message in res.stderr, res.stderr


def test_gitchameleon_options_are_refused_for_quixbugs(cli):
    res = cli("bench", "quixbugs", "--solver", "reference", timeout=120)
    assert res.returncode == 2
    # each benchmark has its own subcommand, so another benchmark's option is unknown there
    assert res.stderr.count("\n") == 1 and "unrecognized arguments: --solver" in res.stderr


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_model_solver_docs_both_side_by_side(cli, tmp_path, env_cache, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "tests"))
    monkeypatch.setenv("PATCHWRIGHT_GITCHAMELEON_SOLVER", "fakes.gitchameleon_solver:solve")
    out = tmp_path / "out"
    res = _bench(cli, "--solver", "model", "--docs", "both", "--only", "143", "--out", str(out),
                 "--env-cache", str(env_cache))
    assert res.returncode == 0, res.stderr
    docs = json.loads((out / "docs" / "summary.json").read_text())
    nodocs = json.loads((out / "nodocs" / "summary.json").read_text())
    assert (docs["passed"], nodocs["passed"]) == (1, 0)
    assert docs["model_calls"] == 1 and docs["tokens"] == 7
    comparison = json.loads((out / "comparison.json").read_text())
    assert comparison["passed_by_only"] == {"docs": ["143"], "nodocs": []}
    header, events = read_events(out / "docs" / "instances" / "143" / "trajectory.jsonl")
    assert header.task.id == "143"
    assert any(isinstance(e, Note) and e.name == "fake_solve" for e in events)
    hidden = next(e for e in events if isinstance(e, ToolCall) and e.tool == "hidden")
    assert hidden.ok is True and isinstance(events[-1], Result) and events[-1].status == "pass"
    assert "passed only with docs: 143" in res.stdout
    other = _bench(cli, "--solver", "reference", "--only", "143", "--out", str(out / "docs"))
    assert other.returncode == 2 and "choose another --out" in other.stderr


def test_model_solver_must_be_installed(cli, monkeypatch):
    monkeypatch.setenv("PATCHWRIGHT_GITCHAMELEON_SOLVER", "no_such_solver_module:solve")
    res = _bench(cli, "--solver", "model", "--only", "143", timeout=120)
    assert res.returncode == 2 and "needs no_such_solver_module" in res.stderr
