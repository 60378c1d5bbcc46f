"""Run-scoped components built from the configuration: the sandbox and the proposers."""

from __future__ import annotations

from pathlib import Path

from patchwright.core.config import RunConfig
from patchwright.core.errors import ConfigError, RepairError
from patchwright.core.events import Record
from patchwright.core.protocols import BuildContext, Model, Objective, Proposer, Sandbox
from patchwright.core.registry import resolve
from patchwright.core.types import Task


def make_sandbox(config: RunConfig, root: Path) -> Sandbox:
    sb = config.sandbox
    if sb.kind == "docker":
        try:
            from patchwright.app.paths import resolve_paths
            from patchwright.sandbox.docker import DockerSandbox, DockerUnavailableError
            from patchwright.sandbox.images import ImageError
        except ImportError:
            raise RepairError(
                "--sandbox docker needs the docker package: pip install 'patchwright[docker]'"
            ) from None
        try:
            return DockerSandbox(
                root,
                extra_args=tuple(sb.pytest_args),
                autoload_plugins=sb.plugins != "none",
                memory_mb=sb.memory_mb,
                max_processes=sb.max_processes,
                wheels_dir=resolve_paths().wheels,
            )
        except (DockerUnavailableError, ImageError) as exc:
            raise RepairError(str(exc)) from None
    if sb.kind != "local":
        raise RepairError(f"unknown sandbox {sb.kind!r} (choose local or docker)")
    from patchwright.sandbox.local import LocalSandbox

    return LocalSandbox(
        root,
        python=sb.python or None,
        extra_args=tuple(sb.pytest_args),
        autoload_plugins=sb.plugins != "none",
        fork_server=sb.fork_server,
    )


def make_proposers(
    config: RunConfig,
    task: Task | None = None,
    model: Model | None = None,
    record: Record | None = None,
) -> list[Proposer]:
    """The proposers named by ``config.search.proposers`` (short names of core.registry's
    "proposer" table, or dotted paths), each built by its class from the run's context."""
    ctx = BuildContext(config=config, task=task, model=model, record=record)
    proposers: list[Proposer] = []
    for name in config.search.proposers:
        try:
            cls = resolve("proposer", name)
        except ConfigError as exc:
            raise RepairError(str(exc)) from None
        proposers.append(cls.build(ctx))
    return proposers


def make_objective(kind: str) -> Objective:
    """The objective of a task kind (core.registry "objective")."""
    return resolve("objective", kind)()  # type: ignore[no-any-return]
