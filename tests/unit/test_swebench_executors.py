"""Executors from the registry: the local pool runs a module-level instance function in
this process (jobs 1) or in worker processes (jobs 2) with the same results; a bad name or
setting is a one-line ConfigError."""

from __future__ import annotations

import os

import pytest

from patchwright.benchmarks.executors import LocalExecutor, make_executor
from patchwright.benchmarks.ray_executor import RayExecutor, reachable
from patchwright.core.errors import ConfigError


def square(row: dict[str, int], folder: str, data: dict[str, int]) -> dict[str, int]:
    return {"id": row["id"], "value": row["id"] ** 2 + data["add"], "pid": os.getpid()}


def test_local_pool_in_process_and_in_workers() -> None:
    tasks = [(str(i), ({"id": i}, "", {"add": 1})) for i in range(4)]
    one = make_executor("local", {"jobs": 1, "address": "x"})
    assert isinstance(one, LocalExecutor)
    inline = dict(one.run(square, tasks))
    assert {k: v["value"] for k, v in inline.items()} == {"0": 1, "1": 2, "2": 5, "3": 10}
    assert {v["pid"] for v in inline.values()} == {os.getpid()}
    pooled = dict(make_executor("local", {"jobs": 2}).run(square, tasks))
    assert {k: v["value"] for k, v in pooled.items()} == {"0": 1, "1": 2, "2": 5, "3": 10}
    assert os.getpid() not in {v["pid"] for v in pooled.values()}


def test_registry_names_and_settings() -> None:
    assert isinstance(make_executor("ray", {"address": "", "jobs": 3, "cpus_per_task": 2}), RayExecutor)
    with pytest.raises(ConfigError, match="unknown executor 'nope'"):
        make_executor("nope", {})
    with pytest.raises(ConfigError, match="jobs"):
        make_executor("local", {"jobs": 0})
    assert reachable("127.0.0.1:1", timeout=2.0)  # nothing listens on port 1
    assert reachable("auto") == ""
