"""One registry for every extension point: sandboxes, test runners, proposers, localizers,
strategies, objectives, models and benchmarks.

The built-in table is data (short name -> ``module:Class``), not state filled by import side
effects: nothing is imported until a name is resolved, and core imports none of the
components. A name that is not in the table may be any dotted path (``pkg.mod:Class`` or
``pkg.mod.Class``), so a user's own component plugs in from config without code here. Each
component class carries its settings as a pydantic ``Config`` class attribute (see
:func:`component_config`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from patchwright.core.errors import ConfigError

Kind = Literal[
    "sandbox", "runner", "proposer", "localizer", "strategy", "objective", "model", "benchmark",
    "check", "executor",
]

BUILTIN: Mapping[Kind, Mapping[str, str]] = {
    "sandbox": {
        "local": "patchwright.sandbox.local:LocalSandbox",
        "docker": "patchwright.sandbox.docker:DockerSandbox",
    },
    "runner": {
        "pytest": "patchwright.testing.pytest_runner:PytestRunner",
        "unittest": "patchwright.testing.unittest_runner:UnittestRunner",
        "junit": "patchwright.testing.junit_runner:JUnitRunner",
    },
    "proposer": {
        "mutations": "patchwright.propose.mutations:MutationProposer",
        "java_templates": "patchwright.propose.templates.java.proposer:JavaTemplateProposer",
        "llm": "patchwright.propose.llm.llm_patch:LlmPatchProposer",
        "migrate_rules": "patchwright.propose.migrate.migrate_rules:MigrateRulesProposer",
        "llm_migrate": "patchwright.propose.migrate.llm_migrate:LlmMigrateProposer",
        "perf_rewrites": "patchwright.propose.optimize.proposer:PerfRewriteProposer",
        "ruff_perf": "patchwright.propose.optimize.proposer:RuffPerfProposer",
    },
    "localizer": {
        "sbfl": "patchwright.localize.sbfl:SbflLocalizer",
    },
    "strategy": {
        "mcts": "patchwright.search.strategies.mcts:MctsStrategy",
        "greedy": "patchwright.search.strategies.greedy:GreedyStrategy",
        "sample_vote": "patchwright.search.strategies.sample_vote:SampleVoteStrategy",
        "random": "patchwright.search.strategies.random_search:RandomStrategy",
        "ranked": "patchwright.search.strategies.ranked:RankedStrategy",
    },
    "objective": {
        "repair": "patchwright.tasks.repair.objective:RepairObjective",
        "migrate": "patchwright.tasks.migrate.objective:MigrateObjective",
        "optimize": "patchwright.tasks.optimize.objective:OptimizeObjective",
    },
    "model": {
        "scripted": "patchwright.model.scripted:ScriptedReplies",
        "replay": "patchwright.model.replay:ReplayModel",
        "openai": "patchwright.model.openai_model:OpenAIModel",
        "local": "patchwright.model.local:LocalModel",
    },
    "benchmark": {
        "quixbugs": "patchwright.benchmarks.quixbugs:QuixBugs",
        "gitchameleon": "patchwright.benchmarks.gitchameleon:GitChameleon",
        "bugsinpy": "patchwright.benchmarks.bugsinpy:BugsInPy",
        "enamel": "patchwright.benchmarks.enamel:Enamel",
        "swebench": "patchwright.benchmarks.swebench:SweBench",
        "defects4j": "patchwright.benchmarks.defects4j:Defects4J",
    },
    "check": {  # pre-commit checks (hooks/): LLM-free, on the staged files only
        "migrate": "patchwright.hooks.migration_check:MigrationChecker",
        "perf": "patchwright.hooks.perf_check:PerfChecker",
    },
    "executor": {  # where a batch's instances run (benchmarks/): same instance function
        "local": "patchwright.benchmarks.executors:LocalExecutor",
        "ray": "patchwright.benchmarks.ray_executor:RayExecutor",
    },
}


def names(kind: Kind) -> list[str]:
    """Short names of the built-in components of ``kind``."""
    return list(BUILTIN[kind])


def _split(path: str) -> tuple[str, str]:
    if ":" in path:
        module, _, attr = path.partition(":")
    else:
        module, _, attr = path.rpartition(".")
    return module, attr


def resolve(kind: Kind, name: str) -> Any:
    """The class registered as ``name`` (or at the dotted path ``name``); a ConfigError with
    the available names when there is none."""
    target = BUILTIN[kind].get(name)
    if target is None and ("." in name or ":" in name):
        target = name
    if target is None:
        raise ConfigError(f"unknown {kind} {name!r} (available: {', '.join(BUILTIN[kind])})")
    module, attr = _split(target)
    try:
        obj = getattr(importlib.import_module(module), attr)
    except ImportError as exc:
        missing = getattr(exc, "name", "") or module
        raise ConfigError(f"{kind} {name!r} cannot be loaded: module {missing} is missing") from None
    except AttributeError:
        raise ConfigError(f"{kind} {name!r}: {module} has no {attr}") from None
    return obj


def component_config(cls: Any, data: Mapping[str, Any] | None) -> BaseModel | None:
    """Validate ``data`` against the component's ``Config`` model (None when it has none);
    errors name the component and the first bad field, in one line."""
    model = getattr(cls, "Config", None)
    if model is None:
        return None
    try:
        return model.model_validate(dict(data or {}))  # type: ignore[no-any-return]
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"invalid {cls.__name__} setting {where}: {err['msg']}") from None
