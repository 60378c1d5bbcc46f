"""Run-scoped components built from the configuration: the sandbox and the proposers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from patchwright.core.config import RunConfig
from patchwright.core.errors import RepairError
from patchwright.core.protocols import Model, Proposer, Sandbox
from patchwright.core.types import Step


def make_sandbox(config: RunConfig, root: Path) -> Sandbox:
    sb = config.sandbox
    if sb.kind == "docker":
        try:
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


PROPOSERS = ("mutations", "llm", "migrate_rules", "llm_migrate")


def make_proposers(
    config: RunConfig, model: Model | None = None, record: Callable[[Step], None] | None = None
) -> list[Proposer]:
    """The proposers named by ``config.search.proposers``; "llm" needs ``model``."""
    proposers: list[Proposer] = []
    for name in config.search.proposers:
        if name == "mutations":
            from patchwright.propose.mutations import MutationProposer

            proposers.append(
                MutationProposer(
                    max_lines=config.search.max_lines, max_candidates=config.search.max_candidates
                )
            )
        elif name in ("llm", "llm_migrate"):
            if model is None:
                raise RepairError(f"the {name} proposer needs a model (set --model)")
            llm = config.llm
            options = dict(n=llm.samples, max_tokens=llm.max_tokens, temperature=llm.temperature,
                           format=llm.edit_format, record=record)  # fmt: skip
            if name == "llm":
                from patchwright.propose.llm.llm_patch import LlmPatchProposer

                proposers.append(LlmPatchProposer(model, **options))  # type: ignore[arg-type]
            else:
                proposers.append(_llm_migrate(config, model, options))
        elif name == "migrate_rules":
            from patchwright.propose.migrate.migrate_rules import MigrateRulesProposer
            from patchwright.propose.migrate.rules import RulesError, load_rules

            path = config.search.rules_file
            if not path:
                raise RepairError("the migrate_rules proposer needs search.rules_file (a rules file)")
            try:
                rules = load_rules(path)
            except RulesError as exc:
                raise RepairError(str(exc)) from None
            proposers.append(MigrateRulesProposer(rules))
        else:
            raise RepairError(f"unknown proposer {name!r} (available: {', '.join(PROPOSERS)})")
    return proposers


def _llm_migrate(config: RunConfig, model: Model, options: dict[str, Any]) -> Proposer:
    """The LLM migration proposer, reading docs from the target environment
    (``sandbox.python``) for the library of ``search.rules_file``."""
    from patchwright.propose.migrate.docs import ApiDocs, import_name
    from patchwright.propose.migrate.llm_migrate import LlmMigrateProposer
    from patchwright.propose.migrate.rules import RulesError, load_rules

    python, path = config.sandbox.python, config.search.rules_file
    if not python or not path:
        raise RepairError("the llm_migrate proposer needs the target environment and its rules"
                          " (use `patchwright migrate`)")  # fmt: skip
    try:
        rules = load_rules(path)
    except RulesError as exc:
        raise RepairError(str(exc)) from None
    env_dir = Path(python).parent.parent

    def load() -> ApiDocs:
        return ApiDocs.load(python, import_name(python, rules.library), cache_dir=env_dir)

    return LlmMigrateProposer(model, load, rules.library, rules.to, **options)


