"""The search stage's set-up: the evaluator (with a resumed run's results), the expander,
the strategy and its budget; and the model's re-ranking of suspicious locations."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from patchwright.core.config import RunConfig
from patchwright.core.domain import Location, Task, TestResult
from patchwright.core.events import BudgetEvent, Evaluation, Note, Record, Resume
from patchwright.core.protocols import (
    CoverageMap,
    Model,
    Objective,
    Proposer,
    ProposerStop,
    RunLimits,
    TestBed,
)
from patchwright.localize.bm25 import Bm25Localizer
from patchwright.localize.llm_rank import LlmRanker
from patchwright.repo.git import read_files
from patchwright.repo.index import CodeIndex
from patchwright.search.budget import Budget
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.llm_rethink import LlmRethinker
from patchwright.search.reward import TestObjective
from patchwright.search.strategies import SearchContext, SearchOutcome, SearchParams, make_strategy
from patchwright.search.strategies.base import finish
from patchwright.search.tree import Tree
from patchwright.store.artifacts import RunDir, read_events


def undecodable(path: Path) -> str:
    """Why ``path`` is no UTF-8 text ('' when it is, or cannot be read): the declared or
    detected encoding and the first bad byte."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
        return ""
    except OSError:
        return ""
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02x} at {exc.start}"
    try:
        declared = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        declared = ""
    said = f"declares {declared}" if declared and declared != "utf-8" else "not UTF-8"
    return f"not UTF-8 text ({said}, {bad})"


def llm_localize(
    task: Task, locations: list[Location], model: Model, record: Record
) -> list[Location]:
    """Re-rank SBFL locations with the model, adding BM25 hits for the issue text."""
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
    _, events = read_events(trajectory)
    return {e.patch_hash: e.result for e in events if isinstance(e, Evaluation) and not e.cached}


def run_search(
    task: Task,
    sandbox: TestBed,
    config: RunConfig,
    proposers: list[Proposer],
    locations: list[Location],
    limits: RunLimits,
    baseline: TestResult,
    coverage: CoverageMap,
    run_dir: Path,
    record: Record,
    model: Model | None = None,
    objective: Objective | None = None,
    seconds: float | None = None,
) -> SearchOutcome:
    """Search for a plausible patch, continuing from the run's tree and evaluations if any;
    ``seconds``: the time the run has left (it bounds ``search.max_seconds``)."""
    objective = objective or TestObjective()
    run = RunDir(run_dir)
    paths = sorted({loc.path for loc in locations})
    base_files = read_files(Path(task.repo), paths)
    for path in paths:  # located, but not UTF-8 text: say so, with its encoding
        if path not in base_files and (why := undecodable(Path(task.repo) / path)):
            record(Note(name="file skipped", message=f"{path}: {why}; no candidates for it"))

    def retired(name: str, reason: str) -> None:
        record(BudgetEvent(name="proposer retired", proposer=name, reason=reason))

    expander = Expander(
        task, base_files, locations, proposers, limit=config.search.max_candidates,
        on_retire=retired,
    )  # fmt: skip
    evaluator = Evaluator(sandbox, task, limits, coverage=coverage)
    evaluator.preload(load_evaluations(run.trajectory))
    if run.tree_path.exists():
        tree = Tree.load(run.tree_path)
        record(Resume(nodes=len(tree), cached=len(evaluator.cache)))
    else:
        tree = Tree()
        tree.root.result = baseline
        tree.root.reward = objective.reward(task, baseline)
    ctx = SearchContext(
        task=task,
        objective=objective,
        tree=tree,
        evaluator=evaluator,
        expander=expander,
        budget=Budget(
            config.search.max_evals,
            min(config.search.max_seconds, seconds if seconds is not None else float("inf")),
            evals=evaluator.evaluations,
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
        ctx.rethinker = LlmRethinker(model, record=record)
    try:
        outcome = make_strategy(config.search.strategy).run(ctx)
    except ProposerStop as stop:
        return finish(ctx, f"model budget: {stop.reason}")
    finally:  # also when the run's deadline ends the search
        for name, times in expander.skipped.items():
            record(Note(name="time share", message=f"{name} sat out {times} expansion(s) past "
                                                    f"its time share (llm.time_share={config.llm.time_share:g})"))  # fmt: skip
    if expander.retired and outcome.stopped_by:
        notes = "; ".join(f"{n} retired by model budget: {r}" for n, r in expander.retired.items())
        outcome.stopped_by = f"{outcome.stopped_by} ({notes})"
    return outcome


