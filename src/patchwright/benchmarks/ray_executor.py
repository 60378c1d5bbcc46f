"""ADAPTER: Ray. ``--executor ray [--address ADDR]``: each instance is one Ray task with
its own resources (CPUs, memory), on an existing cluster (``address``) or on a local one
Ray starts for the batch. The instance function is the same as the local pool's."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel, Field

from patchwright.benchmarks.executors import Task
from patchwright.core.errors import ConfigError


class RayConfig(BaseModel):
    address: str = ""
    """``ray://host:10001`` or ``host:6379`` of a running cluster; "" starts a local one."""
    cpus_per_task: float = Field(1.0, gt=0)
    memory_mb_per_task: int = Field(0, ge=0)
    """Memory Ray reserves for each instance (0: none)."""
    num_cpus: int | None = None
    """CPUs of the local cluster when ``address`` is "" (None: all)."""


def reachable(address: str, timeout: float = 5.0) -> str:
    """"" when something listens at ``address`` (``[ray://]host:port``), else why not (Ray
    itself retries an unreachable address for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return ""  # "auto" or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        return f"{exc.strerror or type(exc).__name__}"
    return ""


class RayExecutor:
    Config = RayConfig

    def __init__(self, config: RayConfig | None = None) -> None:
        self.config = config or RayConfig()

    def run(self, fn: Callable[..., dict[str, Any]], tasks: list[Task]) -> Iterator[tuple[str, dict[str, Any]]]:
        try:
            import ray
        except ImportError:
            raise ConfigError("--executor ray needs the ray package: pip install 'ray>=2.9'") from None
        cfg = self.config
        started_here = not ray.is_initialized()
        if started_here:
            try:
                if cfg.address:
                    why = reachable(cfg.address)
                    if why:
                        raise ConnectionError(why)
                    ray.init(address=cfg.address, log_to_driver=False)
                else:
                    ray.init(num_cpus=cfg.num_cpus, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise ConfigError(f"cannot reach the Ray cluster {cfg.address or '(local)'}: {first[:200]}") from None
        pending: dict[Any, str] = {}
        try:
            options: dict[str, Any] = {"num_cpus": cfg.cpus_per_task, "max_retries": 0}
            if cfg.memory_mb_per_task:
                options["memory"] = cfg.memory_mb_per_task * 1024 * 1024
            remote = ray.remote(fn).options(**options)
            pending = {remote.remote(*args): key for key, args in tasks}
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    yield pending.pop(ref), ray.get(ref)
        finally:  # stopped early (Ctrl-C, SIGTERM): a cluster that outlives us drops the rest
            for ref in pending:
                ray.cancel(ref)  # a running task gets KeyboardInterrupt, a queued one never starts
            if started_here:
                ray.shutdown()
