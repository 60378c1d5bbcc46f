"""Run-scoped components built from the configuration: the test bed (sandbox + test
runner), the proposers and the objective."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from patchwright.app.paths import resolve_paths
from patchwright.core.config import RunConfig
from patchwright.core.domain import Task
from patchwright.core.errors import ConfigError, PatchwrightError, RepairError
from patchwright.core.events import Record
from patchwright.core.protocols import BuildContext, Model, Objective, Proposer, TestBed
from patchwright.core.registry import resolve
from patchwright.repo.lang import project_language, proposer_for
from patchwright.testing.detect import detect_runner
from patchwright.testing.testbed import SandboxTestBed


def make_testbed(config: RunConfig, root: Path, hide: Sequence[Path] = ()) -> TestBed:
    """The run's sandbox (core.registry "sandbox", ``sandbox.kind``) with its test runner
    (``runner``; "auto": detected from the project), as one TestBed. The tests see none of
    ``hide`` (the user's repository, the run directory) nor Patchwright's home."""
    try:
        sandbox_cls = resolve("sandbox", config.sandbox.kind)
        name = detect_runner(root) if config.runner == "auto" else config.runner
        runner_cls = resolve("runner", name)
    except ConfigError as exc:
        raise RepairError(str(exc)) from None
    runner = runner_cls.build(BuildContext(config=config))
    try:
        paths = resolve_paths()
        secrets = [config.model.api_key] if config.model.api_key else []
        sandbox = sandbox_cls.from_config(root, config.sandbox, wheels_dir=paths.wheels,
                                          hide=[*hide, paths.home], secrets=secrets)  # fmt: skip
    except PatchwrightError as exc:
        raise RepairError(str(exc)) from None
    return SandboxTestBed(sandbox, runner)


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
    language = project_language(task.repo) if task is not None else "python"
    for generic in config.search.proposers:
        name = proposer_for(generic, language)  # e.g. mutations -> java_templates for Java
        try:
            cls = resolve("proposer", name)
        except ConfigError as exc:
            raise RepairError(str(exc)) from None
        proposers.append(cls.build(ctx))
    return proposers


def make_objective(kind: str) -> Objective:
    """The objective of a task kind (core.registry "objective")."""
    return resolve("objective", kind)()  # type: ignore[no-any-return]
