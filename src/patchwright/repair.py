"""The repair pipeline as plain stage functions: prepare, reproduce, localize, search,
validate, finalize. The CLI and the benchmarks call :func:`repair`; the LangGraph agent
wraps the same stage functions."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from patchwright.model.budget import Budget as ModelBudget

from patchwright import __version__
from patchwright.core.artifacts import RunDir, TrajectoryWriter, read_trajectory, write_json
from patchwright.core.config import RunConfig
from patchwright.core.protocols import CoverageMap, Model, Proposer, RunLimits, Sandbox
from patchwright.core.types import (
    Location,
    Patch,
    RunResult,
    Step,
    Task,
    TestResult,
    TestStatus,
    TrajectoryHeader,
)
from patchwright.repo.git import Snapshot, load_snapshot, read_files
from patchwright.search.budget import Budget
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.reward import reward
from patchwright.search.strategies import (
    SearchContext,
    SearchOutcome,
    SearchParams,
    make_strategy,
)
from patchwright.search.strategies.base import finish
from patchwright.search.tree import Tree


class RepairError(Exception):
    """Bad input or environment; the message is one line for the user (exit code 2)."""


@dataclass
class RepairRequest:
    source: Path
    run_dir: Path
    config: RunConfig = field(default_factory=RunConfig)
    tests: list[str] = field(default_factory=list)
    """Failing tests to fix (node ids or prefixes); empty: every failing test."""
    issue: str = ""
    task_id: str = ""


@dataclass
class Baseline:
    result: TestResult
    coverage: CoverageMap
    autoload_plugins: bool
    failing: list[str]
    passing: list[str]


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
            from patchwright.tools.propose.mutations import MutationProposer

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
                from patchwright.tools.propose.llm_patch import LlmPatchProposer

                proposers.append(LlmPatchProposer(model, **options))  # type: ignore[arg-type]
            else:
                proposers.append(_llm_migrate(config, model, options))
        elif name == "migrate_rules":
            from patchwright.migrate.rules import RulesError, load_rules
            from patchwright.tools.propose.migrate_rules import MigrateRulesProposer

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
    from patchwright.migrate.docs import ApiDocs, import_name
    from patchwright.migrate.rules import RulesError, load_rules
    from patchwright.tools.propose.llm_migrate import LlmMigrateProposer

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


def _matches(test_id: str, selectors: Sequence[str]) -> bool:
    for sel in selectors:
        if test_id == sel or test_id.startswith(sel + "[") or test_id.startswith(sel + "::"):
            return True
        if "::" not in sel and test_id.split("::", 1)[0] == sel:
            return True
    return False


def reproduce(sandbox: Sandbox, config: RunConfig, selectors: Sequence[str]) -> Baseline:
    """Run the suite at base with per-test coverage; split tests into failing and passing."""
    sb = config.sandbox
    limits = RunLimits(
        per_test_timeout=sb.per_test_timeout,
        wall_timeout=sb.wall_timeout,
        memory_mb=sb.memory_mb,
        max_processes=sb.max_processes,
    )
    sandbox.reset()
    result, coverage = _baseline_run(sandbox, sb.plugins, limits)
    if not result.tests:
        if result.compile_error:
            first = result.compile_error.strip().splitlines()[0][:200]
            raise RepairError(f"the test command crashed at the base commit: {first}")
        if result.timed_out:
            raise RepairError("the test suite timed out at the base commit")
        raise RepairError("no tests found in the project")
    statuses = {t: o.status for t, o in result.tests.items()}
    if selectors:
        chosen = [t for t in statuses if _matches(t, selectors)]
        if not chosen:
            raise RepairError(f"test not found: {', '.join(selectors)}")
        failing = [t for t in chosen if statuses[t] not in (TestStatus.PASS, TestStatus.SKIP)]
    else:
        failing = [t for t, s in statuses.items() if s not in (TestStatus.PASS, TestStatus.SKIP)]
    passing = [t for t, s in statuses.items() if s == TestStatus.PASS]
    return Baseline(
        result=result,
        coverage=coverage,
        failing=failing,
        passing=passing,
        autoload_plugins=sandbox.autoload_plugins,
    )


def _statuses(result: TestResult) -> dict[str, TestStatus]:
    return {t: o.status for t, o in result.tests.items()}


def _baseline_run(
    sandbox: Sandbox, plugins: str, limits: RunLimits
) -> tuple[TestResult, CoverageMap]:
    """The coverage run at base. In "auto" plugin mode, installed pytest plugins are kept
    off for the whole run when the suite gives the same outcomes without them."""
    if plugins != "auto":
        sandbox.autoload_plugins = plugins == "all"
        return sandbox.collect_coverage([], limits)
    sandbox.autoload_plugins = False
    result, coverage = sandbox.collect_coverage([], limits)
    sandbox.autoload_plugins = True
    reference = sandbox.run_tests([], limits)
    if result.tests and _statuses(reference) == _statuses(result):
        sandbox.autoload_plugins = False
        return result, coverage
    return sandbox.collect_coverage([], limits)


def candidate_limits(config: RunConfig, baseline: Baseline) -> RunLimits:
    """Tighter per-test timeout for candidates, learned from the base run's durations."""
    sb = config.sandbox
    durations = [
        o.duration for o in baseline.result.tests.values() if o.status != TestStatus.TIMEOUT
    ]
    learned = 10.0 * max(durations, default=0.0) + 0.5
    per_test = min(sb.per_test_timeout, max(sb.min_test_timeout, learned))
    n = len(baseline.failing) + len(baseline.passing)
    wall = min(sb.wall_timeout, 30.0 + per_test * n)
    return RunLimits(
        per_test_timeout=per_test,
        wall_timeout=wall,
        memory_mb=sb.memory_mb,
        max_processes=sb.max_processes,
        fail_fast=True,
    )


def validate(sandbox: Sandbox, task: Task, patch: Patch, limits: RunLimits) -> TestResult:
    """Run every known test (no fail-fast) on ``patch``."""
    if not sandbox.apply(patch):
        return TestResult(applied=False, compile_error="patch does not apply")
    full = dataclasses.replace(limits, fail_fast=False)
    return sandbox.run_tests(task.failing_tests + task.passing_tests, full)


def llm_localize(
    task: Task, locations: list[Location], model: Model, record: Callable[[Step], None]
) -> list[Location]:
    """Re-rank SBFL locations with the model, adding BM25 hits for the issue text."""
    from patchwright.repo.index import CodeIndex
    from patchwright.tools.localize.bm25 import Bm25Localizer
    from patchwright.tools.localize.llm_rank import LlmRanker

    hits: list[Location] = []
    if task.description.strip():
        hits = Bm25Localizer().rank(task.description, CodeIndex.from_repo(Path(task.repo)).chunks())
    paths = sorted({loc.path for loc in locations} | {h.path for h in hits})
    files = read_files(Path(task.repo), paths)
    ranker = LlmRanker(model, record=record)
    return ranker.rank(
        locations, files, issue=task.description, hits=hits, tests=task.failing_tests
    )


def load_evaluations(trajectory: Path) -> dict[str, TestResult]:
    """Results of the candidates a previous process evaluated (resume: never test twice)."""
    if not trajectory.exists():
        return {}
    _, steps = read_trajectory(trajectory)
    cache: dict[str, TestResult] = {}
    for step in steps:
        if step.kind == "evaluation" and "result" in step.data:
            cache[step.data["patch_hash"]] = TestResult.model_validate(step.data["result"])
    return cache


def run_search(
    task: Task,
    sandbox: Sandbox,
    config: RunConfig,
    proposers: list[Proposer],
    locations: list[Location],
    limits: RunLimits,
    baseline: TestResult,
    coverage: CoverageMap,
    run_dir: Path,
    record: Callable[[Step], None],
    model: Model | None = None,
) -> SearchOutcome:
    """Search for a plausible patch, continuing from the run's tree and evaluations if any."""
    run = RunDir(run_dir)
    paths = sorted({loc.path for loc in locations})
    base_files = read_files(Path(task.repo), paths)
    def retired(name: str, reason: str) -> None:
        record(Step(kind="note", name="proposer retired", data={"proposer": name, "reason": reason}))

    expander = Expander(
        task, base_files, locations, proposers, limit=config.search.max_candidates,
        on_retire=retired,
    )  # fmt: skip
    evaluator = Evaluator(sandbox, task, limits, coverage=coverage)
    evaluator.preload(load_evaluations(run.trajectory))
    if run.tree_path.exists():
        tree = Tree.load(run.tree_path)
        record(
            Step(
                kind="note",
                name="resume",
                data={"nodes": len(tree), "cached": len(evaluator.cache)},
            )
        )
    else:
        tree = Tree()
        tree.root.result = baseline
        tree.root.reward = reward(task, baseline)
    ctx = SearchContext(
        task=task,
        tree=tree,
        evaluator=evaluator,
        expander=expander,
        budget=Budget(
            config.search.max_evals, config.search.max_seconds, evals=evaluator.evaluations
        ),
        record=record,
        tree_path=run.tree_path,
        params=SearchParams(
            exploration=config.search.exploration,
            prior_weight=config.search.prior_weight,
            depth_discount=config.search.depth_discount,
            children_per_expansion=config.search.children_per_expansion,
            max_depth=config.search.max_depth,
            stop_after=config.search.stop_after,
            samples=config.search.samples,
            seed=config.search.seed,
        ),
    )
    if model is not None and config.llm.rethink:
        from patchwright.tools.llm_rethink import LlmRethinker

        ctx.rethinker = LlmRethinker(model, record=record)
    from patchwright.core.protocols import ProposerStop

    try:
        outcome = make_strategy(config.search.strategy).run(ctx)
    except ProposerStop as stop:
        return finish(ctx, f"model budget: {stop.reason}")
    if expander.retired and outcome.stopped_by:
        notes = "; ".join(f"{n} retired by model budget: {r}" for n, r in expander.retired.items())
        outcome.stopped_by = f"{outcome.stopped_by} ({notes})"
    return outcome


class Recorder:
    """Fans steps out to the trajectory file and an optional observer (progress display)."""

    def __init__(self, writer: TrajectoryWriter, observer: Callable[[Step], None] | None) -> None:
        self.writer = writer
        self.observer = observer

    def __call__(self, step: Step) -> None:
        self.writer.record(step)
        if self.observer is not None:
            self.observer(step)


REQUEST_FILE = "request.json"
THREAD = {"configurable": {"thread_id": "repair"}}


def _save_request(run: RunDir, request: RepairRequest) -> None:
    write_json(
        run.path / REQUEST_FILE,
        {
            "version": 1,
            "source": str(Path(request.source).resolve()),
            "selectors": request.tests,
            "issue": request.issue,
            "task_id": request.task_id,
            "config": request.config.model_dump(),
        },
    )


def load_request(run_dir: Path) -> RepairRequest:
    path = Path(run_dir) / REQUEST_FILE
    if not path.exists():
        raise RepairError(f"not a resumable run directory (no {REQUEST_FILE}): {run_dir}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != 1:
        raise RepairError(f"unsupported run directory version in {path}")
    return RepairRequest(
        source=Path(data["source"]),
        run_dir=Path(run_dir),
        config=RunConfig.model_validate(data["config"]),
        tests=data["selectors"],
        issue=data["issue"],
        task_id=data["task_id"],
    )


def repair(
    request: RepairRequest,
    observer: Callable[[Step], None] | None = None,
    *,
    resume: bool = False,
    confirm: Callable[[str], bool] | None = None,
    batch: ModelBudget | None = None,
    home: Path | None = None,
) -> tuple[RunResult, Patch | None, Snapshot | None]:
    """Run (or resume) the repair graph; raises :class:`RepairError` on bad input."""
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.types import Command

    from patchwright.agent.graph import build_graph
    from patchwright.agent.state import RepairDeps
    from patchwright.model.errors import ModelError
    from patchwright.model.factory import make_model, model_name

    config = request.config
    source = Path(request.source)
    if not resume:
        if not source.exists():
            raise RepairError(f"path does not exist: {source}")
        if not source.is_dir():
            raise RepairError(f"not a directory: {source}")
    try:
        make_strategy(config.search.strategy)
    except ValueError as exc:
        raise RepairError(str(exc)) from None
    unknown = [p for p in config.search.proposers if p not in PROPOSERS]
    if unknown:
        raise RepairError(f"unknown proposer {unknown[0]!r} (available: {', '.join(PROPOSERS)})")
    if "llm" in config.search.proposers and model_name(config.model).lower() in ("", "none"):
        raise RepairError("the llm proposer needs a model (set --model)")
    run = RunDir(request.run_dir)
    if not resume:
        _save_request(run, request)
    task = Task(id=request.task_id or source.resolve().name, repo=str(run.path / "workspace"))
    header = TrajectoryHeader(task=task, config=config.model_dump(), patchwright=__version__)
    if resume and run.trajectory.exists():
        old, _ = read_trajectory(run.trajectory)
        header = old or header
    with TrajectoryWriter(run.trajectory, header) as writer:
        recorder = Recorder(writer, observer)
        try:
            model = make_model(config, recorder, batch=batch, home=home)
        except ModelError as exc:
            raise RepairError(str(exc).splitlines()[0]) from None
        deps = RepairDeps(
            config=config,
            make_sandbox=lambda root: make_sandbox(config, root),
            make_proposers=lambda: make_proposers(config, model, recorder),
            record=recorder,
            confirm=confirm is not None,
            started=header.started,
            model=model,
        )
        conn = sqlite3.connect(str(run.path / "checkpoints.sqlite"), check_same_thread=False)
        try:
            graph = build_graph(deps, SqliteSaver(conn))
            payload: Any = (
                None
                if resume
                else {
                    "source": str(source),
                    "run_dir": str(run.path),
                    "selectors": request.tests,
                    "issue": request.issue,
                    "task_id": request.task_id,
                }
            )
            out = graph.invoke(payload, THREAD, context=deps)
            while "__interrupt__" in out and confirm is not None:
                question = out["__interrupt__"][0].value
                out = graph.invoke(
                    Command(resume=confirm(question.get("patch", ""))), THREAD, context=deps
                )
            state = graph.get_state(THREAD).values
        finally:
            conn.close()
            deps.close()
            if model is not None:
                model.close()
    if state.get("status") == "error":
        raise RepairError(state.get("error") or "the run failed")
    result = run.read_result()
    patch = (
        Patch.model_validate(state["patch"])
        if result.status == "plausible" and state.get("patch")
        else None
    )
    snap = load_snapshot(run.path / "workspace") if (run.path / "workspace").exists() else None
    return result, patch, snap
