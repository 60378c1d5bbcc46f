"""Fallback when the project cannot even be collected on the target version (an import of
a removed name fails at import time, so the search has no failing test to start from): apply
every applicable rule at once in an isolated snapshot and validate with the full suite."""

from __future__ import annotations

import time
from pathlib import Path

from patchwright.core.domain import MigrateSpec, Patch, RunResult, Task, TestStatus
from patchwright.core.protocols import ProposalContext, RunLimits
from patchwright.propose.migrate.migrate_rules import MigrateRulesProposer
from patchwright.propose.migrate.rules import RulesFile
from patchwright.repo.git import snapshot
from patchwright.store.artifacts import RunDir
from patchwright.testing.testbed import local_bed


def direct_migrate(
    source: Path, run_dir: Path, rules: RulesFile, python: str, pytest_args: list[str]
) -> tuple[RunResult, Patch | None]:
    start = time.monotonic()
    workspace = run_dir / "direct-workspace"
    snap = snapshot(source, workspace)
    task = Task(id=f"migrate-{source.resolve().name}", repo=str(workspace),
                base_commit=snap.base_commit,
                spec=MigrateSpec(library=rules.library, version=rules.to, python=python))
    ctx = ProposalContext(task=task, base_files={}, files={}, locations=[], limit=1)
    first = next(iter(MigrateRulesProposer(rules).propose(ctx)), None)
    status, patch, message, evaluations = "not_found", None, "no rule applies", 0
    if first is not None:
        sandbox = local_bed(workspace, python=python, pytest_args=pytest_args, fork_server=False)
        try:
            evaluations = 1
            if not sandbox.apply(first.patch):
                message = "the rules patch does not apply"
            else:
                result = sandbox.run_tests([], RunLimits(wall_timeout=600.0))
                bad = [t for t, o in result.tests.items()
                       if o.status not in (TestStatus.PASS, TestStatus.SKIP)]
                if result.tests and not bad and not result.compile_error:
                    status, patch, message = "plausible", first.patch, first.thought
                else:
                    first_bad = (bad or ["collection"])[0]
                    message = f"tests still fail after the rules patch: {first_bad}"
        finally:
            sandbox.close()
    res = RunResult(task_id=task.id, status=status, message=message, evaluations=evaluations,
                    evaluations_to_plausible=1 if patch else None,
                    seconds=time.monotonic() - start, patch_hash=patch.hash if patch else "",
                    validated=True if patch else None)
    run = RunDir(run_dir)
    if patch is not None:
        (run.path / "patch.diff").write_text(patch.diff, encoding="utf-8")
    (run.path / "result.json").write_text(res.model_dump_json(indent=1), encoding="utf-8")
    return res, patch
