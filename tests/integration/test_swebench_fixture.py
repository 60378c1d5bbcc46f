"""``patchwright bench swebench`` end to end on a fixture repository the test builds (CI
has no clones of the real ones): rows in SWE-bench Lite's format for ``fixture/proj``, an
extra specs table for it (pytest -rA, the official pytest parser), real git, real pytest.
Gold resolves, empty does not (``--validate both`` and ``empty``), a gold patch that breaks a PASS_TO_PASS test is test drift,
a missing repository or base commit is env_error; the validation file makes the oracle
batch skip what failed; the oracle repair's patch is graded resolved; Ray runs the same
instance function on a local cluster the test starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from patchwright.repo.git import init_repo

OPS = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
TESTS = "from proj.ops import add, mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
NEW_TEST = "\n\ndef test_add():\n    assert add(2, 3) == 5\n"
SPECS = {"fixture/proj": {"1.0": {"python": "", "test_cmd": "python -m pytest -rA -p no:cacheprovider"},
                          "log_parser": "parse_log_pytest"}}  # fmt: skip


def _git(repo: Path, *args: str) -> str:
    # Builds the fixture history only (the code under test runs git through repo/git.py).
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout  # fmt: skip


def _diff(repo: Path, path: str, new: str) -> str:
    old = (repo / path).read_text()
    (repo / path).write_text(new)
    out = _git(repo, "diff", "--", path)
    (repo / path).write_text(old)
    return out


def make_instances(tmp: Path) -> tuple[Path, Path, Path]:
    """repos/fixture__proj with one commit; data with 5 rows; the specs file."""
    repo = tmp / "repos" / "fixture__proj"
    (repo / "proj").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "proj" / "__init__.py").write_text("")
    (repo / "proj" / "ops.py").write_text(OPS)
    (repo / "tests" / "test_ops.py").write_text(TESTS)
    base = init_repo(repo, "base")
    gold = _diff(repo, "proj/ops.py", OPS.replace("a - b", "a + b"))
    drift = _diff(repo, "proj/ops.py", OPS.replace("a - b", "a + b").replace("a * b", "a + b"))
    test_patch = _diff(repo, "tests/test_ops.py", TESTS + NEW_TEST)

    def row(n: int, **kw: object) -> dict[str, object]:
        return {"repo": "fixture/proj", "instance_id": f"fixture__proj-{n}", "base_commit": base,
                "patch": gold, "test_patch": test_patch, "problem_statement": "add() subtracts",
                "version": "1.0", "environment_setup_commit": base,
                "FAIL_TO_PASS": json.dumps(["tests/test_ops.py::test_add"]),
                "PASS_TO_PASS": json.dumps(["tests/test_ops.py::test_mul"]), **kw}  # fmt: skip

    rows = [row(1), row(2), row(3), row(4, patch=drift), row(5, base_commit="0" * 40),
            row(6, repo="fixture/absent")]  # fmt: skip
    data = tmp / "lite.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    specs = tmp / "specs.json"
    specs.write_text(json.dumps({**SPECS, "fixture/absent": SPECS["fixture/proj"]}))
    return tmp / "repos", data, specs


def _bench(tmp: Path, repos: Path, data: Path, specs: Path, out: str, *more: str) -> list[str]:
    return ["bench", "swebench", "--data", str(data), "--repos", str(repos), "--specs", str(specs),
            "--venv", sys.executable, "--out", str(tmp / out), *more]  # fmt: skip


@pytest.mark.timeout(900)
def test_validate_gold_empty_then_oracle(cli, tmp_path: Path) -> None:
    repos, data, specs = make_instances(tmp_path)
    res = cli(*_bench(tmp_path, repos, data, specs, "gold", "--validate", "both"), timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    gold = json.loads((tmp_path / "gold" / "validation.json").read_text())["instances"]
    assert [gold[f"fixture__proj-{n}"]["ok"] for n in (1, 2, 3)] == [True] * 3
    assert not gold["fixture__proj-4"]["ok"] and "test drift" in gold["fixture__proj-4"]["reason"]
    assert gold["fixture__proj-5"]["status"] == "env_error" and "base commit" in gold["fixture__proj-5"]["reason"]
    assert gold["fixture__proj-6"]["status"] == "env_error" and "no clone" in gold["fixture__proj-6"]["reason"]
    one = tmp_path / "gold" / "instances" / "fixture__proj-1"
    report = json.loads((one / "report.json").read_text())["fixture__proj-1"]
    assert report["resolved"] and report["tests_status"]["PASS_TO_PASS"]["success"] == ["tests/test_ops.py::test_mul"]
    assert "PASSED tests/test_ops.py::test_add" in (one / "test_output.txt").read_text()
    assert (one / "patch.diff").read_text().startswith("diff --git a/proj/ops.py")
    empty_one = json.loads((one / "empty.report.json").read_text())["fixture__proj-1"]
    assert not empty_one["resolved"] and empty_one["tests_status"]["FAIL_TO_PASS"]["failure"]
    preds = [json.loads(x) for x in (tmp_path / "gold" / "preds.jsonl").read_text().splitlines()]
    assert set(preds[0]) == {"instance_id", "model_name_or_path", "model_patch"}
    # the source file is untouched in the clone
    assert (repos / "fixture__proj" / "proj" / "ops.py").read_text() == OPS

    res = cli(*_bench(tmp_path, repos, data, specs, "empty", "--validate", "empty", "--only",
                      "fixture__proj-1,fixture__proj-2,fixture__proj-3"), timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    empty = json.loads((tmp_path / "empty" / "validation.json").read_text())["instances"]
    assert all(e["ok"] and e["status"] == "valid" for e in empty.values()) and len(empty) == 3
    report = json.loads((tmp_path / "empty" / "instances" / "fixture__proj-2" / "report.json").read_text())
    assert not report["fixture__proj-2"]["resolved"]

    res = cli(*_bench(tmp_path, repos, data, specs, "oracle", "--mode", "oracle",
                      "--validation", str(tmp_path / "gold" / "validation.json"),
                      "--only", "fixture__proj-1,fixture__proj-4,fixture__proj-5",
                      "--max-evals", "30", "--set", "sandbox.plugins=none"), timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.loads((tmp_path / "oracle" / "summary.json").read_text())
    status = {r["id"]: r["status"] for r in summary["results"]}
    assert status == {"fixture__proj-1": "resolved", "fixture__proj-4": "skipped",
                      "fixture__proj-5": "skipped"}, summary["results"]  # fmt: skip
    assert summary["resolved"] == 1 and summary["by_repo"]["fixture/proj"]["resolved"] == 1
    patch = (tmp_path / "oracle" / "instances" / "fixture__proj-1" / "patch.diff").read_text()
    assert "+    return a + b" in patch
    # resumed: nothing runs again
    again = cli(*_bench(tmp_path, repos, data, specs, "oracle", "--mode", "oracle",
                        "--only", "fixture__proj-1"), timeout=300)  # fmt: skip
    assert again.returncode == 0 and "resuming: 1 done" in again.stderr


def test_bad_input_is_one_line(cli, tmp_path: Path) -> None:
    repos, data, specs = make_instances(tmp_path)
    cases = [
        (["--validate", "gold", "--only", "nope"], "unknown instance id: nope"),
        (["--executor", "nope"], "unknown executor 'nope'"),
        (["--mode", "issue"], "--mode issue needs a model"),
        (["--validation", str(tmp_path / "missing.json")], "--validation file not found"),
    ]
    for extra, words in cases:
        res = cli(*_bench(tmp_path, repos, data, specs, "bad", *extra), timeout=120)
        assert res.returncode == 2, (extra, res.stderr)
        assert words in res.stderr and "Traceback" not in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    res = cli("bench", "swebench", "--data", str(data), "--repos", str(tmp_path / "none"), timeout=120)
    assert res.returncode == 2 and "--repos is not a folder" in res.stderr


REPRO = "```python\nfrom proj.ops import add\n\n\ndef test_repro():\n    assert add(2, 3) == 5\n```\n"
PASSES = "```python\nfrom proj.ops import mul\n\n\ndef test_fine():\n    assert mul(1, 1) == 1\n```\n"


@pytest.mark.timeout(900)
def test_issue_mode_with_a_scripted_model(cli, tmp_path: Path) -> None:
    """The model's first candidate fails at base (kept), the second passes (dropped), the
    third has no code; the kept test drives the search; the patch is graded officially
    against the hidden FAIL_TO_PASS/PASS_TO_PASS tests."""
    repos, data, specs = make_instances(tmp_path)
    script = tmp_path / "script.json"
    script.write_text(json.dumps([REPRO, PASSES, "no code today", "never asked for"]))
    res = cli(*_bench(tmp_path, repos, data, specs, "issue", "--mode", "issue", "--model",
                      f"scripted:{script}", "--only", "fixture__proj-1,fixture__proj-2",
                      "--max-evals", "30", "--set", "sandbox.plugins=none"), timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.loads((tmp_path / "issue" / "summary.json").read_text())
    one, two = sorted(summary["results"], key=lambda r: r["id"])
    # two instances in one process: each counts its own reproduction calls only
    assert two["extra"]["reproduction"] == one["extra"]["reproduction"], (one, two)
    assert summary["model_calls"] == one["model_calls"] + two["model_calls"]
    assert one["status"] == "resolved", one
    assert one["extra"]["reproduction"] == {"calls": 3, "tokens": one["extra"]["reproduction"]["tokens"],
                                            "candidates": 2, "kept": 1}  # fmt: skip
    assert one["extra"]["tests"] == ["test_patchwright_repro_0.py::test_repro"]
    log = tmp_path / "issue" / "instances" / "fixture__proj-1" / "reproduction.jsonl"
    tried = [json.loads(x) for x in log.read_text().splitlines()]
    assert [(t["candidate"], t["kept"]) for t in tried] == [(0, True), (1, False), (2, False)]
    assert tried[0]["failing"] == ["test_patchwright_repro_0.py::test_repro"] and "why" in tried[2]
    assert one["model_calls"] >= 3 and summary["model_calls"] >= 3
    patch = (tmp_path / "issue" / "instances" / "fixture__proj-1" / "patch.diff").read_text()
    assert "+    return a + b" in patch and "test_patchwright_repro" not in patch
    preds = json.loads((tmp_path / "issue" / "preds.jsonl").read_text().splitlines()[0])
    assert preds["model_name_or_path"].startswith("patchwright-issue-scripted")


ESCAPE = '''import os, pathlib, socket
for target in {targets!r}:
    try:
        pathlib.Path(target).write_text("written by the patch")
    except OSError:
        pass
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
except OSError:
    pass
'''


def test_graded_tests_run_confined(tmp_path: Path) -> None:
    """A graded patch's code runs in the namespaces: it cannot write to the clones, the
    home folder or the output folder beside its workspace, nor reach a port on the host;
    the grade itself is unchanged. With sandbox.isolation=none it could (the same code
    proves the probe writes when nothing stops it)."""
    import socket

    from patchwright.benchmarks.swebench_grade import Setting, grade_patch
    from patchwright.envs import swebench_specs as official
    from patchwright.envs.spec import Env
    from patchwright.sandbox.isolation import bwrap_path, probe

    repos, data, specs = make_instances(tmp_path)
    row = json.loads(data.read_text().splitlines()[0])
    row["id"] = row["instance_id"]
    for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
        row[key] = json.loads(row[key])
    clone = repos / "fixture__proj"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    home_file = Path.home() / f".pw-confined-probe-{tmp_path.name}"
    targets = [str(clone / "pwned"), str(home_file), str(tmp_path / "out" / "pwned")]
    probe_code = ESCAPE.format(targets=targets, port=listener.getsockname()[1])
    patched = OPS.replace("a - b", "a + b") + "\n\n" + probe_code
    patch = _diff(clone, "proj/ops.py", patched)
    extra = json.loads(specs.read_text())
    spec = official.specs(row["repo"], row["version"], extra)
    env = Env(python=Path(sys.executable), key="host", path=Path(sys.prefix))

    def grade(isolation: str, name: str):
        folder = tmp_path / "out" / name
        setting = Setting(env, tmp_path / "locks", 300.0, extra, isolation=isolation, hide=(repos,))
        return grade_patch(clone, row, spec, setting, patch, folder), folder

    try:
        confined = probe(bwrap_path()) == ""
        graded, folder = grade("auto", "confined")
        assert graded.resolved, graded.reason
        log = (folder / "test_output.txt").read_text()
        if confined:
            assert not [t for t in targets if Path(t).exists()], "a graded patch wrote outside"
            assert "# not confined" not in log
            with pytest.raises(BlockingIOError):  # nobody connected from the namespaces
                listener.accept()
        else:  # this machine cannot make namespaces: the log says so
            assert "# not confined: " in log
        graded, folder = grade("none", "open")
        assert graded.resolved, graded.reason
        assert all(Path(t).exists() for t in targets[:2]), "the probe itself does not write"
        listener.accept()[0].close()  # and it reaches the port when nothing stops it
        assert "# not confined: sandbox.isolation=none" in (folder / "test_output.txt").read_text()
    finally:
        listener.close()
        home_file.unlink(missing_ok=True)


def test_issue_mode_reproduction_counts_against_max_seconds(cli, tmp_path: Path) -> None:
    """--max-seconds holds over the whole task in issue mode: with no time left the model
    is not asked for a reproduction test (and the repair would get only what is left)."""
    repos, data, specs = make_instances(tmp_path)
    script = tmp_path / "script.json"
    script.write_text(json.dumps([REPRO]))
    res = cli(*_bench(tmp_path, repos, data, specs, "issue", "--mode", "issue", "--model",
                      f"scripted:{script}", "--only", "fixture__proj-1", "--max-seconds", "0.5",
                      "--set", "sandbox.plugins=none"), timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    one = json.loads((tmp_path / "issue" / "summary.json").read_text())["results"][0]
    assert one["status"] == "not_found" and one["model_calls"] == 0, one
    log = tmp_path / "issue" / "instances" / "fixture__proj-1" / "reproduction.jsonl"
    assert "no time left" in json.loads(log.read_text().splitlines()[0])["error"]
