"""The SWE-bench batch on Ray: three fixture instances (the same instance function as the
local pool) on a local Ray cluster this test starts, graded right; then the CLI's
``--executor ray`` on a cluster it starts itself."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest
import ray  # the dev extra (CI) installs it
from test_swebench_fixture import SPECS, make_instances


@pytest.mark.timeout(900)
def test_three_instances_on_a_local_ray_cluster(tmp_path: Path) -> None:
    from patchwright.benchmarks.ray_executor import RayConfig, RayExecutor
    from patchwright.benchmarks.swebench import run_batch
    from patchwright.benchmarks.swebench_data import load

    repos, data, _ = make_instances(tmp_path)
    rows = load(data, ["fixture__proj-1,fixture__proj-4,fixture__proj-6"])
    bench = {"repos": str(repos), "mode": "gold", "env_cache": str(tmp_path / "envs"),
             "run_id": uuid.uuid4().hex, "test_timeout": 300.0, "specs": SPECS,
             "venv": sys.executable}  # fmt: skip
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        assert ray.cluster_resources().get("CPU") == 2
        results, _ = run_batch(rows, tmp_path / "out", {"bench": bench, "run": {}},
                               RayExecutor(RayConfig(cpus_per_task=1)), {})  # fmt: skip
    finally:
        ray.shutdown()
    status = {r.id: (r.status, r.message) for r in results}
    assert status["fixture__proj-1"] == ("valid", ""), status
    assert status["fixture__proj-4"][0] == "invalid" and "test drift" in status["fixture__proj-4"][1]
    assert status["fixture__proj-6"][0] == "env_error"
    report = json.loads((tmp_path / "out" / "instances" / "fixture__proj-1" / "report.json").read_text())
    assert report["fixture__proj-1"]["resolved"]


@pytest.mark.timeout(900)
def test_cli_executor_ray(cli, tmp_path: Path) -> None:
    repos, data, specs = make_instances(tmp_path)
    res = cli("bench", "swebench", "--data", str(data), "--repos", str(repos), "--specs", str(specs),
              "--venv", sys.executable, "--out", str(tmp_path / "out"), "--validate", "gold",
              "--executor", "ray", "--jobs", "2", "--only", "fixture__proj-2,fixture__proj-3",
              timeout=800)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["valid"] == 2 and summary["config"]["executor"] == "ray"
    bad = cli("bench", "swebench", "--data", str(data), "--repos", str(repos), "--specs", str(specs),
              "--out", str(tmp_path / "bad"), "--validate", "gold", "--executor", "ray",
              "--address", "127.0.0.1:1", "--only", "fixture__proj-2", timeout=300)  # fmt: skip
    assert bad.returncode == 2 and "cannot reach the Ray cluster" in bad.stderr, bad.stderr[-2000:]
    assert "Traceback" not in bad.stderr
