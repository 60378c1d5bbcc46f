"""One run of the agent: ``run(request)`` builds the run's dependencies (model, sandbox,
proposers), writes the request and the trajectory, and runs (or resumes) the graph."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from patchwright.model.budget import Budget as ModelBudget

from patchwright import __version__
from patchwright.agent.run import run_graph
from patchwright.app.components import make_objective, make_proposers, make_testbed
from patchwright.app.paths import resolve_paths
from patchwright.app.signals import stoppable
from patchwright.core.config import RunConfig
from patchwright.core.domain import (
    MigrateSpec,
    OptimizeSpec,
    Patch,
    RepairSpec,
    RunResult,
    Task,
)
from patchwright.core.errors import BaseRunCrashed, ConfigError, NoTestsFound, RepairError
from patchwright.core.events import AnyEvent, Note, Record, TrajectoryHeader
from patchwright.core.registry import resolve
from patchwright.envs.builder import EnvBuilder
from patchwright.envs.declared import build_declared
from patchwright.envs.project import ProjectEnv, project_python
from patchwright.envs.spec import EnvError
from patchwright.model.errors import ModelError
from patchwright.model.factory import make_model, model_name
from patchwright.pipeline.deadline import BoundedModel
from patchwright.pipeline.state import RepairDeps
from patchwright.repo.git import Snapshot, SnapshotError, apply_to_source, load_snapshot
from patchwright.search.strategies import make_strategy
from patchwright.store.artifacts import (
    RunDir,
    RunDirBusy,
    TrajectoryWriter,
    read_events,
    write_json,
)


@dataclass
class RunRequest:
    source: Path
    run_dir: Path
    config: RunConfig = field(default_factory=RunConfig)
    tests: list[str] = field(default_factory=list)
    """Failing tests to fix (node ids or prefixes); empty: every failing test."""
    issue: str = ""
    task_id: str = ""
    spec: RepairSpec | MigrateSpec | OptimizeSpec | None = None
    """What kind of work (core.domain.TaskSpec); None: repair ``tests`` with ``issue``."""

    def task_spec(self) -> RepairSpec | MigrateSpec | OptimizeSpec:
        return self.spec or RepairSpec(selectors=self.tests, issue=self.issue)


class Recorder:
    """Fans events out to the trajectory file and an optional observer (progress, a TUI)."""

    def __init__(self, writer: TrajectoryWriter, observer: Record | None) -> None:
        self.writer = writer
        self.observer = observer

    def __call__(self, event: AnyEvent) -> None:
        self.writer.record(event)
        if self.observer is not None:
            self.observer(event)


REQUEST_FILE = "request.json"
REQUEST_VERSION = 2
"""2: the task spec is saved (1: repair only; still read)."""
_ERRORS: dict[str, type[RepairError]] = {e.__name__: e for e in (BaseRunCrashed, NoTestsFound)}


def _save_request(run: RunDir, request: RunRequest) -> None:
    write_json(
        run.path / REQUEST_FILE,
        {
            "version": REQUEST_VERSION,
            "source": str(Path(request.source).resolve()),
            "selectors": request.tests,
            "issue": request.issue,
            "task_id": request.task_id,
            "spec": request.task_spec().model_dump(),
            "config": request.config.model_dump(),
        },
    )


def load_request(run_dir: Path) -> RunRequest:
    path = Path(run_dir) / REQUEST_FILE
    if not path.exists():
        raise RepairError(f"not a resumable run directory (no {REQUEST_FILE}): {run_dir}")
    try:
        return _request(path, run_dir)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # pydantic's too
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RepairError(f"corrupt run directory: cannot read {path}: {why[:200]}") from None


def _request(path: Path, run_dir: Path) -> RunRequest:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") not in (1, REQUEST_VERSION):
        raise RepairError(f"unsupported run directory version in {path}")
    return RunRequest(
        source=Path(data["source"]),
        run_dir=Path(run_dir),
        config=RunConfig.model_validate(data["config"]),
        tests=data["selectors"],
        issue=data["issue"],
        task_id=data["task_id"],
        spec=Task.model_validate({"id": "", "repo": "", "spec": data["spec"]}).spec
        if data.get("spec") else None,
    )


def run(
    request: RunRequest,
    observer: Record | None = None,
    *,
    resume: bool = False,
    confirm: Callable[[str], bool] | None = None,
    batch: ModelBudget | None = None,
    home: Path | None = None,
) -> tuple[RunResult, Patch | None, Snapshot | None]:
    """Run (or resume) the repair graph; raises :class:`RepairError` on bad input."""
    config = request.config
    source = Path(request.source)
    if not resume:
        if not source.exists():
            raise RepairError(f"path does not exist: {source}")
        if not source.is_dir():
            raise RepairError(f"not a directory: {source}")
    try:
        make_strategy(config.search.strategy)
        for name in config.search.proposers:
            resolve("proposer", name)
    except ConfigError as exc:
        raise RepairError(str(exc)) from None
    if "llm" in config.search.proposers and model_name(config.model).lower() in ("", "none"):
        raise RepairError("the llm proposer needs a model (set --model)")
    found = None if resume else _test_env(source, config)
    if found is not None:
        config.sandbox.python = found.python
    spec = request.task_spec()
    objective = make_objective(spec.kind)
    run = RunDir(request.run_dir)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(run.locked())
        except RunDirBusy as exc:
            raise RepairError(str(exc)) from None
        held.enter_context(stoppable(run.path))  # Ctrl-C/SIGTERM: clean stop, resumable
        if not resume and (run.path / REQUEST_FILE).exists():
            raise RepairError(
                f"run directory is not empty (use --resume to continue it): {run.path}"
            )
        if not resume:
            _save_request(run, request)
        task = Task(id=request.task_id or source.resolve().name, repo=str(run.path / "workspace"),
                    spec=spec)
        header = TrajectoryHeader(task=task, config=config.model_dump(), patchwright=__version__)
        if resume and run.trajectory.exists():
            old, _ = read_events(run.trajectory)
            header = old or header
        with TrajectoryWriter(run.trajectory, header) as writer:
            recorder = Recorder(writer, observer)
            if found is not None:
                recorder(Note(name="environment", message=f"tests run with {found.python} ({found.how})"))
            try:
                model = make_model(config, recorder, batch=batch, home=home or resolve_paths().home)
            except ModelError as exc:
                raise RepairError(str(exc).splitlines()[0]) from None
            deps = RepairDeps(
                config=config,
                make_sandbox=lambda root: make_testbed(config, root, hide=(source, run.path)),
                make_proposers=lambda task: make_proposers(config, task, model, recorder),
                objective=objective,
                record=recorder,
                confirm=confirm is not None,
                started=header.started,
                model=model,
            )
            if model is not None:  # every model call of the run ends by the run's deadline
                model = deps.model = BoundedModel(model, deps.deadline)  # type: ignore[assignment]
            payload: Any = (
                None
                if resume
                else {
                    "source": str(source),
                    "run_dir": str(run.path.absolute()),  # resumable from any folder
                    "selectors": request.tests,
                    "issue": request.issue,
                    "task_id": request.task_id,
                    "spec": spec.model_dump(),
                }
            )
            try:
                state = run_graph(deps, run.path, payload, confirm)
            finally:
                deps.close()
                if model is not None:
                    model.close()
        if state.get("status") == "error":
            kind = _ERRORS.get(state.get("error_kind", ""), RepairError)
            raise kind(state.get("error") or "the run failed")
        result = run.read_result()
        patch = (
            Patch.model_validate(state["patch"])
            if result.status == "plausible" and state.get("patch")
            else None
        )
        snap = load_snapshot(run.path / "workspace") if (run.path / "workspace").exists() else None
        return result, patch, snap


def _test_env(source: Path, config: RunConfig) -> ProjectEnv | None:
    """The interpreter the tests run with: ``sandbox.python`` / ``sandbox.venv`` given,
    else the project's environment found (envs.project); None: Patchwright's own."""
    sb = config.sandbox
    try:
        found = project_python(source, sb.python, sb.venv)
        if found is None and sb.build_env == "auto":
            builder = EnvBuilder(resolve_paths().envs, log=_log_stderr)
            found = build_declared(source, builder)
        return found
    except EnvError as exc:
        raise RepairError(str(exc)) from None


def _log_stderr(message: str) -> None:
    print(f"patchwright: {message[:300]}", file=sys.stderr, flush=True)


def branch_patch(snap: Snapshot, patch: Patch, name: str) -> str:
    """Write the patch to a new branch ``name`` of the user's repository: one commit on
    top of its ``HEAD``, made in a temporary index (the tree, the index and ``HEAD`` are
    left as they are). Returns the commit. RepairError (one line) when the project is
    not the root of a git work tree, the patch does not apply to ``HEAD`` or the branch
    exists."""
    from patchwright.repo.git import commit_patch, create_branch, work_root

    root = work_root(snap.source) if snap.source_is_git else None
    if root is None or root.resolve() != snap.source.resolve():
        raise RepairError(f"a branch needs the project at the root of a git work tree: {snap.source}")
    try:
        commit = commit_patch(snap.source, patch.diff, f"patchwright: validated patch {patch.hash[:12]}")
        create_branch(snap.source, name, commit)
    except SnapshotError as exc:
        raise RepairError(f"cannot write branch {name}: {exc}") from None
    return commit


def apply_patch(snap: Snapshot, patch: Patch) -> list[str]:
    """``--apply``: write the patch into the user's tree (refused when the tree changed
    since the snapshot); the paths written."""
    try:
        return apply_to_source(snap, patch)
    except SnapshotError as exc:
        raise RepairError(str(exc)) from None
    except OSError as exc:  # a read-only tree, a full disk: nothing replaced before the error
        raise RepairError(f"cannot write the patch into {snap.source}: "
                          f"{exc.strerror or exc} ({exc.filename or ''})") from None  # fmt: skip
