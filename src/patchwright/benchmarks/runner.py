"""Batch runs: one folder per instance, resume by result file, parallel workers, a table."""

from __future__ import annotations

import contextlib
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from patchwright.core.config import RunConfig
from patchwright.core.domain import FORMAT_VERSION
from patchwright.core.errors import PatchwrightError
from patchwright.store.artifacts import RunDir, write_json

INSTANCE_RESULT = "bench.json"


class BenchError(PatchwrightError):
    """Bad benchmark input; one line for the user."""


class InstanceResult(BaseModel):
    version: int = FORMAT_VERSION
    id: str
    status: str
    """plausible | not_found | budget_exhausted | flaky | error | invalid."""
    evaluations: int = 0
    evaluations_to_plausible: int | None = None
    seconds: float = 0.0
    rechecked: bool | None = None
    """The patch passed the full test module again in a fresh workspace."""
    changed_lines: int = 0
    edits: int = 0
    """Proposer edits stacked in the patch (2+ needs tree search)."""
    message: str = ""
    model_calls: int = 0
    tokens: int = 0
    cost: float = 0.0
    extra: dict[str, Any] = Field(default_factory=dict)


@contextlib.contextmanager
def shared_server(config: RunConfig) -> Iterator[RunConfig]:
    """One embedded model server for the whole batch (see ``shared_model_server``); a model
    that cannot start is a one-line BenchError."""
    from patchwright.app.paths import resolve_paths
    from patchwright.model.errors import ModelUnavailable
    from patchwright.model.factory import shared_model_server

    try:
        with shared_model_server(config, resolve_paths().home) as shared:
            yield shared
    except ModelUnavailable as exc:
        raise BenchError(str(exc)) from None


def read_jsonl(path: Path, key: str = "") -> list[dict[str, Any]]:
    """The objects of a JSONL data file (blank lines skipped); each must carry ``key`` when
    one is given. Bad data is a one-line BenchError naming the line."""
    if not path.exists():
        raise BenchError(f"benchmark data not found: {path}")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise BenchError(f"{path}:{n}: not valid JSON") from None
            if not isinstance(row, dict) or (key and key not in row):
                raise BenchError(f"{path}:{n}: no {key or 'JSON object'}")
            rows.append(row)
    return rows


def load_rows(path: Path, only: Sequence[str], limit: int | None) -> list[dict[str, Any]]:
    rows = read_jsonl(path)
    only = [i.strip() for o in only for i in o.split(",") if i.strip()]
    if only:
        wanted = set(only)
        rows = [r for r in rows if r.get("id") in wanted or short_id(r.get("id", "")) in wanted]
        missing = wanted - {r["id"] for r in rows} - {short_id(r["id"]) for r in rows}
        if missing:
            raise BenchError(f"unknown instance id: {', '.join(sorted(missing))}")
    if limit is not None:
        rows = rows[:limit]
    return rows


def short_id(instance_id: str) -> str:
    return instance_id.rsplit("-", 1)[-1] if instance_id.startswith("quixbugs-") else instance_id


def run_batch(
    rows: list[dict[str, Any]],
    out: Path,
    worker: Callable[[dict[str, Any], str, dict[str, Any]], dict[str, Any]],
    config: dict[str, Any],
    jobs: int,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
    *,
    executor: Any = None,
    skipped: Callable[[dict[str, Any]], InstanceResult | None] | None = None,
) -> tuple[list[InstanceResult], float]:
    """Run ``worker(row, folder, config)`` for every row without a result; resumable.
    The folder is locked for the batch: a second batch on the same ``out`` is refused.
    ``executor`` (core.registry "executor"; default: a local pool of ``jobs``) runs the
    workers; a row ``skipped`` gives a result for is reported so, not run, nothing written."""
    from patchwright.benchmarks.executors import LocalConfig, LocalExecutor

    runs = executor or LocalExecutor(LocalConfig(jobs=max(1, jobs)))
    out.mkdir(parents=True, exist_ok=True)
    with RunDir(out).locked():
        started = time.monotonic()
        results: dict[str, InstanceResult] = {}
        todo = []
        for row in rows:
            marker = out / "instances" / row["id"] / INSTANCE_RESULT
            skip = skipped(row) if skipped is not None and not marker.exists() else None
            if marker.exists():
                results[row["id"]] = InstanceResult.model_validate_json(marker.read_text())
            elif skip is not None:
                results[row["id"]] = skip
            else:
                todo.append(row)
        if results:
            log(f"resuming: {len(results)} done{' or skipped' if skipped else ''}, {len(todo)} to go")
        tasks = [(r["id"], (r, str(out / "instances" / r["id"]), config)) for r in todo]
        for row_id, data in runs.run(worker, tasks):
            res = InstanceResult.model_validate(data)
            write_json(out / "instances" / row_id / INSTANCE_RESULT, res)
            results[row_id] = res
            log(
                f"[{len(results)}/{len(rows)}] {row_id}: {res.status} "
                f"({res.evaluations} evals, {res.seconds:.1f}s)"
                + (f" {res.message[:120]}" if skipped else "")
            )
        ordered = [results[r["id"]] for r in rows if r["id"] in results]
        return ordered, time.monotonic() - started


def fresh_folder(folder: str) -> Path:
    """An instance's folder, emptied (a worker starts from nothing, also on a re-run)."""
    base = Path(folder)
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    return base


def summarize(
    results: list[InstanceResult], wall: float, name: str, config: dict[str, Any]
) -> dict[str, Any]:
    plausible = [r for r in results if r.status == "plausible"]
    evals = [r.evaluations_to_plausible for r in plausible if r.evaluations_to_plausible]
    return {
        "version": FORMAT_VERSION,
        "benchmark": name,
        "instances": len(results),
        "plausible": len(plausible),
        "rechecked": sum(1 for r in plausible if r.rechecked),
        "median_evaluations_to_plausible": statistics.median(evals) if evals else None,
        "total_evaluations": sum(r.evaluations for r in results),
        "model_calls": sum(r.model_calls for r in results),
        "tokens": sum(r.tokens for r in results),
        "cost": round(sum(r.cost for r in results), 6),
        "wall_seconds": round(wall, 1),
        "instance_seconds": round(sum(r.seconds for r in results), 1),
        "config": config,
        "results": [r.model_dump() for r in results],
    }


def print_table(results: list[InstanceResult], summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"{summary['benchmark']}: {summary['plausible']}/{summary['instances']} plausible"
    )
    for col in ("bug", "status", "evals to plausible", "evals", "seconds"):
        table.add_column(col, justify="right" if col != "bug" and col != "status" else "left")
    for r in results:
        status = r.status + ("" if r.status != "plausible" or r.rechecked else " (recheck failed)")
        table.add_row(
            Text(r.id),  # ids and statuses as they are, never markup
            Text(status),
            str(r.evaluations_to_plausible or "-"),
            str(r.evaluations),
            f"{r.seconds:.1f}",
        )
    console = Console(width=110)
    console.print(table)
    console.print(
        f"plausible {summary['plausible']}/{summary['instances']}, "
        f"median evaluations to first plausible {summary['median_evaluations_to_plausible']}, "
        f"wall time {summary['wall_seconds']}s"
        + (
            f", {summary['model_calls']} model calls, {summary['tokens']} tokens"
            if summary.get("model_calls")
            else ""
        )
    )


def compare(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Strategies side by side: plausible count, median evaluations, and the bugs that only
    some strategies fixed (with how many edits their patch stacks)."""
    fixed: dict[str, dict[str, int]] = {}
    for name, summary in summaries.items():
        fixed[name] = {r["id"]: r.get("edits", 0) for r in summary["results"] if r["status"] == "plausible"}
    all_ids = sorted({i for f in fixed.values() for i in f})
    only = {
        i: sorted(n for n in fixed if i in fixed[n])
        for i in all_ids
        if len([n for n in fixed if i in fixed[n]]) < len(fixed)
    }
    evals = {
        name: {r["id"]: r["evaluations_to_plausible"] for r in s["results"] if r["status"] == "plausible"}
        for name, s in summaries.items()
    }
    common = sorted(set.intersection(*(set(e) for e in evals.values()))) if evals else []
    multi_edit = {
        i: {n: fixed[n][i] for n in fixed if fixed[n].get(i, 0) >= 2} for i in all_ids
    }
    return {
        "version": FORMAT_VERSION,
        "strategies": {
            name: {
                "plausible": s["plausible"],
                "instances": s["instances"],
                "median_evaluations_to_plausible": s["median_evaluations_to_plausible"],
                "total_evaluations": s["total_evaluations"],
                "wall_seconds": s["wall_seconds"],
                "instance_seconds": s["instance_seconds"],
                "median_evaluations_on_common": (
                    statistics.median(evals[name][i] for i in common) if common else None
                ),
            }
            for name, s in summaries.items()
        },
        "common_fixed": common,
        "fixed_by_some_only": only,
        "multi_edit_fixes": {i: v for i, v in multi_edit.items() if v},
    }


def print_comparison(comparison: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="strategies side by side")
    common = len(comparison["common_fixed"])
    for col in ("strategy", "plausible", "median evals to plausible",
                f"median on the {common} fixed by all", "total evals", "bug-seconds"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for name, s in comparison["strategies"].items():
        table.add_row(name, f"{s['plausible']}/{s['instances']}", str(s["median_evaluations_to_plausible"]),
                      str(s["median_evaluations_on_common"]), str(s["total_evaluations"]),
                      str(s["instance_seconds"]))
    console = Console(width=110)
    console.print(table)
    for bug, names in comparison["fixed_by_some_only"].items():
        console.print(f"{bug}: fixed only by {', '.join(names)}", markup=False, emoji=False)
    for bug, by in comparison["multi_edit_fixes"].items():
        console.print(f"{bug}: multi-edit fix by " + ", ".join(f"{n} ({e} edits)" for n, e in by.items()),
                      markup=False, emoji=False)  # fmt: skip
