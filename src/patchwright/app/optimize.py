"""``patchwright optimize PATH (--target M:F | --workload CMD | --workload-file FILE)``.

1. Snapshot the project twice (a base workspace that only times the base, a candidate
   workspace for tests and candidate runs); run the tests at base (the gate: every test
   that passes there must still pass).
2. A/A runs of the base measure the machine's noise floor (doubled in CI).
3. Profile the workload once (cProfile) and rank the project's functions: the hot path.
4. Candidates from the proposers (performance rewrites, ruff's perf fixes) on the hot
   functions; each is vetted (no test or workload edited; a cross-call cache is flagged and
   not accepted), tested, then screened with one timed run.
5. The best screened candidates get the full A/B comparison (interleaved fresh processes,
   ``pairs`` pairs after warm-up; Mann-Whitney p < 0.05 and a median speed-up above the
   noise floor and ``--min-speedup``); the fastest accepted one is validated in a fresh
   workspace (whole suite, and the comparison again).

The run directory gets ``patch.diff``, ``result.json`` and ``optimize.json`` (noise floor,
hot path, every candidate with its gate, screen and measurement, the flags, validation)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchwright.app.components import make_testbed
from patchwright.core.config import RunConfig
from patchwright.core.diff import apply_to_files
from patchwright.core.domain import Candidate, OptimizeSpec, Patch, RunResult, Task, TestStatus
from patchwright.core.errors import ConfigError, PatchwrightError, RepairError
from patchwright.core.events import Note, TrajectoryHeader
from patchwright.core.protocols import BuildContext, ProposalContext, RunLimits
from patchwright.core.registry import resolve
from patchwright.localize.hotspots import hot_locations, run_profile
from patchwright.repo.git import snapshot
from patchwright.repo.index import CodeIndex
from patchwright.store.artifacts import TrajectoryWriter, write_atomic
from patchwright.tasks.optimize.guard import is_test_path, vet
from patchwright.tasks.optimize.measure import (
    Comparison,
    MeasureError,
    Sample,
    ci_factor,
    compare,
    noise_floor,
)
from patchwright.tasks.optimize.objective import OptimizeObjective, gate
from patchwright.tasks.optimize.stats import median
from patchwright.tasks.optimize.workload import WorkloadError, run_timed, workload_argv

DEFAULT_PROPOSERS = ("perf_rewrites", "ruff_perf")


class OptimizeError(PatchwrightError):
    """An optimization cannot start (no workload, no passing test, the workload fails)."""


@dataclass
class OptimizeRequest:
    source: Path
    run_dir: Path
    spec: OptimizeSpec
    config: RunConfig = field(default_factory=RunConfig)
    workload_files: tuple[str, ...] = ()
    """Files of the workload (relative to the project): a patch may not touch them."""
    pairs: int = 10
    aa_pairs: int = 10
    warmup: int = 1
    floor: float | None = None
    """A noise floor measured already (skips the A/A runs)."""
    screen_top: int = 3
    max_candidates: int = 40
    proposers: tuple[str, ...] = DEFAULT_PROPOSERS
    validate: bool = True
    keep_workspaces: bool = False


@dataclass
class Tried:
    candidate: Candidate
    status: str = "new"
    """refused, not_applied, broken, flagged, slower, screened, measured, accepted."""
    detail: str = ""
    screen: float = 0.0
    comparison: Comparison | None = None
    flags: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {"thought": self.candidate.thought, "template": self.candidate.template,
                               "prior": round(self.candidate.prior, 4), "status": self.status,
                               "detail": self.detail, "screen": round(self.screen, 4),
                               "flags": self.flags, "patch_hash": self.candidate.patch.hash}  # fmt: skip
        if self.comparison is not None:
            out["measurement"] = self.comparison.summary()
        return out


@dataclass
class OptimizeOutcome:
    result: RunResult
    patch: Patch | None
    speedup: float = 1.0
    report: dict[str, Any] = field(default_factory=dict)


def protected_files(source: Path, argv: Sequence[str], given: Sequence[str]) -> set[str]:
    """The workload's own files: those given, and the words of its command naming files of
    the project."""
    out = {g.strip("./") if g.startswith("./") else g for g in given}
    for word in argv[1:]:
        p = source / word
        if not word.startswith("-") and "\n" not in word and len(word) < 300 and p.is_file():
            out.add(p.resolve().relative_to(source.resolve()).as_posix())
    return out


def _py_files(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        if rel.startswith(".git/") or "/." in "/" + rel or "__pycache__" in rel:
            continue
        try:
            out[rel] = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return out


def _proposers(names: Sequence[str], config: RunConfig) -> list[Any]:
    out = []
    for name in names:
        try:
            cls = resolve("proposer", name)
        except ConfigError as exc:
            raise OptimizeError(str(exc)) from None
        out.append(cls.build(BuildContext(config=config)))
    return out


def _model(config: RunConfig) -> Any:
    """The run's model (None without ``--model``)."""
    from patchwright.app.paths import resolve_paths
    from patchwright.model.factory import make_model, model_name

    if model_name(config.model).lower() in ("", "none"):
        return None
    return make_model(config, home=resolve_paths().home)


def brief(locs: Sequence[Any], prof: Any, files: dict[str, str]) -> str:
    """The model's goal: the hot path with the profile's figures, the tests as the gate."""
    lines = ["Make the code faster without changing what it does: every test must still pass.",
             "Change only the hot functions below (never the tests or the workload). Prefer a",
             "better algorithm or data structure (sets/dicts for lookups, fewer passes, no",
             "repeated work in loops) over micro-tweaks. No caches that outlive one call.", "",
             "Profile of the workload (hottest first, share of its time):"]  # fmt: skip
    for loc in locs[:5]:
        lines.append(f"- {loc.path}:{loc.line} {loc.symbol}: {loc.score:.0%}")
    top = sorted(prof.functions, key=lambda h: -h.own)[:8]
    if top:
        lines.append("Functions by own time: " + ", ".join(
            f"{h.name} ({h.own:.3f}s, {h.calls} calls)" for h in top))  # fmt: skip
    return "\n".join(lines)


def optimize(request: OptimizeRequest, log: Callable[[str], None]) -> OptimizeOutcome:
    start = time.monotonic()
    source, run_dir, spec, config = request.source, request.run_dir, request.spec, request.config
    if not source.is_dir():
        raise OptimizeError(f"not a directory: {source}")
    try:
        argv = workload_argv(spec)
    except WorkloadError as exc:
        raise OptimizeError(str(exc)) from None
    protected = protected_files(source, argv, request.workload_files)
    proposers = _proposers(request.proposers, config)
    model = _model(config)
    if model is not None:
        proposers.append(resolve("proposer", "llm").build(BuildContext(config=config, model=model)))
    run_dir.mkdir(parents=True, exist_ok=True)
    spaces = [run_dir / "ws-base", run_dir / "ws-cand"]
    beds: list[Any] = []
    try:
        for ws in spaces:
            snapshot(source, ws)
            beds.append(make_testbed(config, ws, hide=(source,)))
        out = _run(request, argv, protected, proposers, beds[0], beds[1], start, log)
        if model is not None:
            out.result = out.result.model_copy(update={"model_calls": model.calls,
                                                       "tokens": model.tokens, "cost": model.cost})  # fmt: skip
            out.report["model"] = {"calls": model.calls, "tokens": model.tokens,
                                   "seconds": round(getattr(model, "seconds", 0.0), 2)}  # fmt: skip
            write_atomic(run_dir / "result.json", out.result.model_dump_json(indent=1))
        return out
    except RepairError as exc:
        raise OptimizeError(str(exc)) from None
    finally:
        if model is not None:
            model.close()
        for bed in beds:
            bed.close()
        if not request.keep_workspaces:
            for ws in [*spaces, run_dir / "ws-validate"]:
                shutil.rmtree(ws, ignore_errors=True)


def _limits(config: RunConfig) -> RunLimits:
    return RunLimits(per_test_timeout=config.sandbox.per_test_timeout,
                     wall_timeout=config.sandbox.wall_timeout)  # fmt: skip


def _run(
    request: OptimizeRequest, argv: list[str], protected: set[str], proposers: list[Any],
    ref: Any, bed: Any, start: float, log: Callable[[str], None],
) -> OptimizeOutcome:  # fmt: skip
    spec, config, run_dir = request.spec, request.config, request.run_dir
    test_limits = _limits(config)
    base_result = bed.run_tests([], test_limits)
    passing = sorted(t for t, o in base_result.tests.items() if o.status == TestStatus.PASS)
    if base_result.compile_error or not passing:
        why = base_result.compile_error.splitlines()[0] if base_result.compile_error else "none pass"
        raise OptimizeError(f"the tests do not run at base ({why}): the gate needs passing tests")
    log(f"base: {len(passing)} tests pass (the gate)")
    task = Task(id=f"optimize-{request.source.resolve().name}", repo=str(bed.root),
                passing_tests=passing, spec=spec)  # fmt: skip
    trajectory = TrajectoryWriter(run_dir / "trajectory.jsonl",
                                  TrajectoryHeader(task=task, config=config.model_dump(mode="json")))  # fmt: skip
    say = log

    def log(message: str) -> None:  # every line also goes to the trajectory (the hot path too)
        say(message)
        trajectory.record(Note(name="optimize", message=message))

    try:
        return _search(request, argv, protected, proposers, ref, bed, start, log, task, passing)
    finally:
        trajectory.close()


def _search(
    request: OptimizeRequest, argv: list[str], protected: set[str], proposers: list[Any],
    ref: Any, bed: Any, start: float, log: Callable[[str], None], task: Task, passing: list[str],
) -> OptimizeOutcome:  # fmt: skip
    spec, config, run_dir = request.spec, request.config, request.run_dir
    test_limits = _limits(config)
    deadline = start + config.search.max_seconds  # --max-seconds bounds the whole run
    timed_out = ""

    def out_of_time(stage: str) -> bool:
        nonlocal timed_out
        if not timed_out and time.monotonic() >= deadline:
            timed_out = f"timed out in {stage} after {time.monotonic() - start:.0f}s"
            log(timed_out)
        return bool(timed_out)

    wl = RunLimits(wall_timeout=config.sandbox.wall_timeout, memory_mb=4096)
    first = run_timed(ref.sandbox, argv, wl)
    if not first.ok:
        raise OptimizeError(f"the workload fails at base: {' '.join(argv)}")

    def base_run() -> Sample:
        return run_timed(ref.sandbox, argv, wl)

    aa: Comparison | None = None
    if request.floor is None:
        aa = compare(base_run, base_run, pairs=request.aa_pairs, warmup=request.warmup)
        floor = noise_floor(aa, ci_factor())
        base_cpu = median([s.cpu for s in aa.base + aa.cand])
    else:
        floor, base_cpu = request.floor, first.cpu
    log(f"base: workload {base_cpu:.3f}s CPU; noise floor {floor:.3f}x (A/A)")
    objective = OptimizeObjective(floor=floor, min_speedup=spec.min_speedup)
    prof = run_profile(ref.sandbox, argv, wl)
    files = _py_files(Path(bed.root))
    locs = hot_locations(prof, CodeIndex(files), exclude=lambda p: is_test_path(p) or p in protected)
    for loc in locs:
        log(f"hot: {loc.path}:{loc.line} {loc.symbol} ({loc.score:.0%} of the run's time)")
    if prof.error:
        log(f"profile: {prof.error}")
    task.description = brief(locs, prof, files)
    ctx = ProposalContext(task=task, base_files=files, files=files, locations=locs)
    seen: set[str] = set()
    tried: list[Tried] = []
    cand_wl = RunLimits(wall_timeout=min(wl.wall_timeout, 3 * first.wall + 10), memory_mb=4096)
    for round_ in range(2):  # the second round: the model's rethink with the measured feedback
        cands: list[Candidate] = []
        for p in proposers:
            if round_ and not getattr(p, "uses_feedback", False):
                continue
            for c in p.propose(ctx):
                if not c.patch.empty and c.patch.hash not in seen:
                    seen.add(c.patch.hash)
                    cands.append(c)
        cands.sort(key=lambda c: -c.prior)
        fresh = [Tried(c) for c in cands[: max(0, request.max_candidates - len(tried))]]
        log(f"candidates: {len(fresh)}{' (rethink)' if round_ else ''}")
        for t in fresh:
            if out_of_time("screening"):
                break
            _screen(t, task, files, protected, bed, argv, base_cpu, test_limits, cand_wl,
                    spec.min_speedup)  # fmt: skip
            log(f"  {t.status:<9} {t.screen:5.2f}x  {t.candidate.thought[:90]}")
            tried.append(t)
        if timed_out or not any(getattr(p, "uses_feedback", False) for p in proposers):
            break
        ctx = ProposalContext(task=task, base_files=files, files=files, locations=locs,
                              feedback=[_feedback(t) for t in fresh if t.candidate.template == "llm"])  # fmt: skip
    best: Tried | None = None
    screened = sorted((t for t in tried if t.status == "screened"), key=lambda t: -t.screen)
    for t in screened[: request.screen_top]:
        if out_of_time("measurement"):
            break
        bed.apply(t.candidate.patch)
        try:
            t.comparison = compare(base_run, lambda: run_timed(bed.sandbox, argv, cand_wl),
                                   pairs=request.pairs, warmup=request.warmup)  # fmt: skip
        except MeasureError as exc:
            t.status, t.detail = "broken", str(exc)
            continue
        v = objective.verdict(t.comparison)
        t.status, t.detail = ("accepted" if v.accepted else "measured"), v.reason
        log(f"  measured {t.candidate.thought[:70]}: {v.reason}")
        if v.accepted and (best is None or v.speedup > _speed(best)):
            best = t
    validated: bool | None = None
    speed = 1.0
    val: Comparison | None = None
    if best is not None and request.validate and not out_of_time("validation"):
        validated, val = _validate(request, best.candidate.patch, task, base_run, cand_wl,
                                   objective, log)  # fmt: skip
    if best is not None:
        speed = val.speedup if val is not None else _speed(best)
    ok = best is not None and validated is not False
    if ok and request.validate and validated is None:  # out of time before the re-check
        ok = False
    patch = best.candidate.patch if ok and best is not None else None
    status = "plausible" if ok else "budget_exhausted" if timed_out else "not_found"
    result = RunResult(
        task_id=task.id, status=status,
        message=(f"speed-up {speed:.2f}x ({best.candidate.template})" if ok and best else
                 f"{timed_out}: no candidate was accepted in time" if timed_out else
                 "no candidate was measurably faster with every test passing"),
        evaluations=len(tried), seconds=round(time.monotonic() - start, 2),
        patch_hash=patch.hash if patch else "", passing_tests=passing, validated=validated,
    )  # fmt: skip
    report = {
        "version": 1, "workload": argv, "protected": sorted(protected), "noise_floor": floor,
        "aa": aa.summary() if aa else None, "base_cpu": base_cpu,
        "hot_path": [loc.model_dump() for loc in locs],
        "profile_top": [h.__dict__ for h in sorted(prof.functions, key=lambda h: -h.own)[:15]],
        "candidates": [t.report() for t in tried],
        "chosen": best.report() if best else None,
        "validation": val.summary() if val else None, "validated": validated,
        "speedup": speed if ok else 1.0,
    }  # fmt: skip
    write_atomic(run_dir / "optimize.json", json.dumps(report, indent=1, default=str))
    write_atomic(run_dir / "result.json", result.model_dump_json(indent=1))
    if patch is not None:
        write_atomic(run_dir / "patch.diff", patch.diff)
    return OptimizeOutcome(result, patch, speed if ok else 1.0, report)


def _feedback(t: Tried) -> str:
    """What the rethink is told about one of its candidates."""
    if t.status == "broken":
        return f"Your change broke tests: {t.detail}. Keep the behaviour exactly."
    if t.status in ("refused", "flagged"):
        return f"Your change was refused: {t.detail}."
    return (f"Your change ran {t.screen:.2f}x as fast as the base (one timed run); find a "
            "bigger algorithmic improvement.")


def _speed(t: Tried) -> float:
    return t.comparison.speedup if t.comparison is not None else 0.0


def _screen(
    t: Tried, task: Task, files: dict[str, str], protected: set[str], bed: Any,
    argv: list[str], base_cpu: float, test_limits: RunLimits, wl: RunLimits,
    least: float = 1.0,
) -> None:  # fmt: skip
    """Vet, test, then time the candidate once: 'screened' when that one run is at least
    ``least`` times as fast as the base (the full comparison is spent only on those)."""
    c = t.candidate
    after = apply_to_files(files, c.patch.diff)
    v = vet(c.patch, files, after, protected)
    t.flags = v.flags
    if v.refused:
        t.status, t.detail = "refused", "; ".join(v.refused)
        return
    if not bed.apply(c.patch):
        t.status = "not_applied"
        return
    res = bed.run_tests([], test_limits)
    if not gate(task, res):
        broken = [x for x in task.passing_tests if res.status(x) != TestStatus.PASS][:3]
        t.status, t.detail = "broken", res.compile_error[:200] or ", ".join(broken)
        return
    if v.flags:
        t.status, t.detail = "flagged", "; ".join(v.flags)
        return
    s = run_timed(bed.sandbox, argv, wl)
    if not s.ok:
        t.status, t.detail = "broken", "the workload failed or timed out"
        return
    t.screen = base_cpu / s.cpu if s.cpu > 0 else 0.0
    t.status = "screened" if t.screen >= least else "slower"


def _validate(
    request: OptimizeRequest, patch: Patch, task: Task, base_run: Callable[[], Sample],
    wl: RunLimits, objective: OptimizeObjective, log: Callable[[str], None],
) -> tuple[bool, Comparison | None]:  # fmt: skip
    """The chosen patch in a fresh workspace: the whole suite, then the comparison again."""
    ws = request.run_dir / "ws-validate"
    snapshot(request.source, ws)
    vbed = make_testbed(request.config, ws, hide=(request.source,))
    try:
        if not vbed.apply(patch):
            log("validate: the patch does not apply to a fresh copy")
            return False, None
        res = vbed.run_tests([], _limits(request.config))
        if not gate(task, res):
            log("validate: tests fail in a fresh workspace")
            return False, None
        try:
            comp = compare(base_run, lambda: run_timed(vbed.sandbox, argv_of(task), wl),
                           pairs=request.pairs, warmup=request.warmup)  # fmt: skip
        except MeasureError as exc:
            log(f"validate: {exc}")
            return False, None
        v = objective.verdict(comp)
        log(f"validate: {v.reason}{'' if v.accepted else ' (not confirmed)'}")
        return v.accepted, comp
    finally:
        vbed.close()


def argv_of(task: Task) -> list[str]:
    assert task.spec.kind == "optimize"
    return workload_argv(task.spec)


__all__ = ["OptimizeError", "OptimizeOutcome", "OptimizeRequest", "optimize", "protected_files"]
