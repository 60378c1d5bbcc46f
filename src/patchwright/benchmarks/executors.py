"""Executors of a batch's instance function (registered under ``executor`` in the core
registry): ``local`` (a process pool on this machine, the default) and ``ray`` (an existing
Ray cluster, see :mod:`patchwright.benchmarks.ray_executor`). The instance function is a
plain module-level function ``fn(row, folder, data) -> dict`` and runs unchanged in both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from pydantic import BaseModel, Field

from patchwright.core.errors import ConfigError
from patchwright.core.registry import component_config, resolve

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
        with ProcessPoolExecutor(max_workers=self.config.jobs) as pool:
            futures = {pool.submit(fn, *args): key for key, args in tasks}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()


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
