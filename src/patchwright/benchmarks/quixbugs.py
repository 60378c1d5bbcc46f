"""QuixBugs (Python, and Java by the rows' ``language``): one small git repo per bug, repair
it, re-check the patch in a fresh workspace against the full test module (Java:
:mod:`patchwright.benchmarks.quixbugs_java`)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from patchwright.benchmarks.quixbugs_java import is_java, java_config, recheck_java
from patchwright.benchmarks.runner import (
    BenchError,
    compare,
    load_rows,
    print_comparison,
    print_table,
    run_batch,
    shared_server,
    summarize,
)
from patchwright.core.config import RunConfig
from patchwright.core.diff import PatchError, apply_to_files
from patchwright.core.protocols import RunLimits
from patchwright.repo.git import init_repo
from patchwright.store.artifacts import write_json

DEFAULT_DATA = Path("../shared/benchmarks/quixbugs_python.jsonl")
DEFAULT_OUT = Path("bench-out/quixbugs")

BENCH_DEFAULTS: dict[str, Any] = {
    # Buggy programs that loop forever time out at base: keep the reproduce timeout short.
    "sandbox": {"per_test_timeout": 3.0, "plugins": "none"},
}


def write_bug_repo(row: dict[str, Any], dest: Path, source_text: str | None = None) -> None:
    """Lay out a bug as a project: program, test module and support files, in a git repo."""
    dest.mkdir(parents=True, exist_ok=True)
    files = {
        row["buggy_file"]: source_text if source_text is not None else row["buggy_source"],
        row["test_file"]: row["tests"],
    }
    files.update(row.get("support_files") or {})
    for name, text in files.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    init_repo(dest, "buggy program")


def recheck(row: dict[str, Any], diff: str, config: RunConfig) -> bool:
    """Apply the patch to a fresh copy of the bug and run the whole test module."""
    from patchwright.testing.testbed import local_bed

    try:
        patched = apply_to_files({row["buggy_file"]: row["buggy_source"]}, diff)
    except PatchError:
        return False
    if set(patched) != {row["buggy_file"]}:
        return False
    with tempfile.TemporaryDirectory(prefix="pw-recheck-") as tmp:
        repo = Path(tmp) / "repo"
        write_bug_repo(row, repo, patched[row["buggy_file"]])
        plugins = "none" if config.sandbox.plugins == "none" else "all"
        sandbox = local_bed(repo, plugins=plugins, fork_server=False)
        try:
            limits = RunLimits(
                per_test_timeout=10.0,
                wall_timeout=300.0,
                memory_mb=config.sandbox.memory_mb,
                max_processes=config.sandbox.max_processes,
            )
            result = sandbox.run_tests([row["test_file"]], limits)
        finally:
            sandbox.close()
        return bool(result.tests) and not result.failed_ids() and not result.compile_error


def repair_bug(row: dict[str, Any], folder: str, config_data: dict[str, Any]) -> dict[str, Any]:
    """Worker: repair one bug; returns an InstanceResult as a dict (never raises)."""
    from patchwright.app.session import RunRequest, run
    from patchwright.core.errors import RepairError

    started = time.monotonic()
    base = Path(folder)
    if base.exists():
        shutil.rmtree(base)
    config = RunConfig.model_validate(config_data)
    try:
        write_bug_repo(row, base / "repo")
        result, patch, _ = run(
            RunRequest(
                source=base / "repo", run_dir=base / "run", config=config, task_id=row["id"]
            )
        )
    except RepairError as exc:
        return {
            "id": row["id"],
            "status": "invalid",
            "message": str(exc),
            "seconds": time.monotonic() - started,
        }
    except Exception as exc:  # a crash on one bug must not end the batch
        (base / "crash.txt").write_text(traceback.format_exc())
        return {
            "id": row["id"],
            "status": "error",
            "message": f"{type(exc).__name__}: {exc}"[:300],
            "seconds": time.monotonic() - started,
        }
    out: dict[str, Any] = {
        "id": row["id"],
        "status": result.status,
        "evaluations": result.evaluations,
        "evaluations_to_plausible": result.evaluations_to_plausible,
        "changed_lines": result.changed_lines,
        "edits": result.edits,
        "message": result.message,
        "model_calls": result.model_calls,
        "tokens": result.tokens,
        "cost": result.cost,
    }
    if patch is not None:
        ok = (recheck_java if is_java(row) else recheck)(row, patch.diff, config)
        out["rechecked"] = ok
        if not ok:
            out["status"] = "recheck_failed"
    out["seconds"] = time.monotonic() - started
    # The run's workspace is a copy of the bug; drop it to keep the output small.
    shutil.rmtree(base / "run" / "workspace", ignore_errors=True)
    return out


def run_quixbugs(args: argparse.Namespace, config: RunConfig, strategies: list[str]) -> int:
    """Repair every selected bug with each strategy; one table per strategy, then a
    side-by-side comparison when several strategies ran."""
    data = args.data or DEFAULT_DATA
    rows = load_rows(Path(data), args.only, args.limit)
    language = "java" if rows and all(is_java(r) for r in rows) else "python"
    if language == "java":  # a Java data file: the JUnit runner, the Java templates
        config = java_config(config)
    rows = [r for r in rows if r.get("language", "python") == language]
    if not rows:
        raise BenchError("no Python QuixBugs rows selected")
    out = Path(args.out or DEFAULT_OUT)
    with shared_server(config) as config:
        summaries = run_strategies(rows, out, args.jobs, config, strategies, language)
    if len(strategies) > 1:
        comparison = compare(summaries)
        write_json(out / "comparison.json", comparison)
        print_comparison(comparison)
    return 0


def run_strategies(
    rows: list[dict[str, Any]], out: Path, jobs: int, config: RunConfig, strategies: list[str],
    language: str = "python",
) -> dict[str, dict[str, Any]]:
    summaries: dict[str, dict[str, Any]] = {}
    for name in strategies:
        cfg = config.model_copy(update={"search": config.search.model_copy(update={"strategy": name})})
        folder = out / name if len(strategies) > 1 else out
        config_data = cfg.model_dump()
        results, wall = run_batch(rows, folder, repair_bug, config_data, max(1, jobs))
        summary = summarize(results, wall, f"quixbugs-{language}/{name}", config_data)
        write_json(folder / "summary.json", summary)
        print_table(results, summary)
        summaries[name] = summary
    return summaries


class QuixBugs:
    """``patchwright bench quixbugs``: QuixBugs' Python bugs, one repair each."""

    name = "quixbugs"
    help = "QuixBugs (Python, or Java with quixbugs_java.jsonl): repair each bug, compare strategies (--strategy a,b,...)"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """No options beyond the common ones (--strategy takes a comma list here)."""

    @staticmethod
    def run(args: argparse.Namespace, config_files: list[Path], overrides: list[str]) -> int:
        from patchwright.core.registry import names
        from patchwright.store.config_files import load_config

        strategies = [s.strip() for s in (args.strategy or "").split(",") if s.strip()]
        overrides = [o for o in overrides if not o.startswith("search.strategy=")]
        config = load_config(config_files, overrides, base=BENCH_DEFAULTS)
        strategies = strategies or [config.search.strategy]
        for name in strategies:
            if name not in names("strategy"):
                raise BenchError(
                    f"unknown strategy {name!r} (choose from {', '.join(names('strategy'))})"
                )
        return run_quixbugs(args, config, strategies)
