"""Executors of a batch's instance function (registered under ``executor`` in the core
registry): ``local`` (a process pool on this machine, the default) and ``ray`` (an existing
Ray cluster, see :mod:`patchwright.benchmarks.ray_executor`). The instance function is a
plain module-level function ``fn(row, folder, data) -> dict`` and runs unchanged in both."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from pydantic import BaseModel, Field

from patchwright.core.errors import ConfigError
from patchwright.core.registry import component_config, resolve
from patchwright.pipeline.deadline import Interrupted

Task = tuple[str, tuple[Any, ...]]
"""(instance id, the instance function's arguments)."""


class LocalConfig(BaseModel):
    jobs: int = Field(1, ge=1)


class LocalExecutor:
    """Instances in a process pool of ``jobs`` workers (in this process when ``jobs`` is 1)."""

    Config = LocalConfig

    def __init__(self, config: LocalConfig | None = None) -> None:
        self.config = config or LocalConfig()

    def run(self, fn: Callable[..., dict[str, Any]], tasks: list[Task]) -> Iterator[tuple[str, dict[str, Any]]]:
        if self.config.jobs <= 1:
            for key, args in tasks:
                yield key, fn(*args)
            return
        pool = ProcessPoolExecutor(max_workers=self.config.jobs)
        try:
            futures = {pool.submit(_in_worker, fn, args): key for key, args in tasks}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:  # done, or stopped (Ctrl-C, SIGTERM, an error): no worker outlives the batch
            end_pool(pool)


def _in_worker(fn: Callable[..., dict[str, Any]], args: tuple[Any, ...]) -> dict[str, Any]:
    try:
        return fn(*args)
    except Interrupted:  # stopped by end_pool: the run has cleaned up; take no next instance
        os._exit(143)


WORKER_GRACE = 20.0
"""Seconds a stopped worker gets to end its run (its sandboxes, its test processes)."""


def end_pool(pool: ProcessPoolExecutor, grace: float = WORKER_GRACE) -> None:
    """Cancel what has not started and end the workers: SIGTERM (a run inside stops cleanly,
    see app.signals), then SIGKILL after ``grace`` seconds. Idle workers just exit."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in workers:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join(5.0)


def make_executor(name: str, options: dict[str, Any]) -> Any:
    """The executor registered as ``name`` with its Config from ``options`` (unknown keys
    of another executor left out); a ConfigError (one line) for an unknown name."""
    cls = resolve("executor", name)
    model = getattr(cls, "Config", None)
    fields = set(model.model_fields) if model is not None else set()
    try:
        return cls(component_config(cls, {k: v for k, v in options.items() if k in fields}))
    except ValueError as exc:
        raise ConfigError(f"executor {name}: {exc}") from None
