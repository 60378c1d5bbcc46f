"""``patchwright bench swebench``: SWE-bench (Lite, Verified) as a batch on clones of the
repositories, without images from a registry, graded the way the official harness grades.

``--validate gold|empty`` checks the harness on each instance (the gold patch must resolve,
the empty one must not) and writes ``validation.json``; ``--validation FILE`` makes a batch
skip the instances such a file marks invalid. ``--mode oracle|issue`` repairs. Every
instance writes its own folder (``instances/ID``: ``patch.diff``, ``test_output.txt``,
``report.json``, ``bench.json``); re-running with the same ``--out`` resumes."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from patchwright.benchmarks.bugsinpy import _interpreter
from patchwright.benchmarks.runner import BenchError, InstanceResult, shared_server
from patchwright.core.config import RunConfig
from patchwright.core.errors import ConfigError

DEFAULT_OUT = Path("bench-out/swebench")
BENCH_DEFAULTS: dict[str, Any] = {
    "search": {"max_evals": 60, "max_seconds": 600.0},
    "sandbox": {"per_test_timeout": 120.0},
    "validate_full": False,  # the official grading below runs the instance's whole test set
}


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _extra_specs(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise BenchError(f"--specs is not a JSON file: {path}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise BenchError(f"--specs must map owner/name to {{version: spec}}: {path}")
    return data


def _skips(paths: list[Path]) -> dict[str, str]:
    from patchwright.benchmarks.swebench_data import read_validation

    skip: dict[str, str] = {}
    for path in paths:
        if not Path(path).is_file():
            raise BenchError(f"--validation file not found: {path}")
        for iid, entry in read_validation(path).items():
            if isinstance(entry, dict) and not entry.get("ok", False):
                skip.setdefault(iid, str(entry.get("reason") or entry.get("status") or "invalid"))
    return skip


def run_batch(
    rows: list[dict[str, Any]], out: Path, data: dict[str, Any], executor: Any,
    skip: dict[str, str],
) -> tuple[list[InstanceResult], float]:  # fmt: skip
    """Every row without a result goes to ``executor``; rows ``skip`` names are reported as
    skipped (not run, nothing written for them)."""
    from patchwright.benchmarks.runner import run_batch as run_rows
    from patchwright.benchmarks.swebench_solve import solve_instance

    def skipped(row: dict[str, Any]) -> InstanceResult | None:
        if row["id"] not in skip:
            return None
        return InstanceResult(
            id=row["id"], status="skipped", message=f"validation: {skip[row['id']]}"[:300],
            extra={"repo": row["repo"], "version": row["version"]})  # fmt: skip

    return run_rows(rows, out, solve_instance, data, 1, _log, executor=executor, skipped=skipped)


def run_swebench(args: argparse.Namespace, config: RunConfig) -> int:
    from patchwright.app.paths import resolve_paths
    from patchwright.benchmarks.executors import make_executor
    from patchwright.benchmarks.swebench_data import load
    from patchwright.benchmarks.swebench_report import report

    if not args.data or not args.repos:
        raise BenchError("bench swebench needs --data FILE (SWE-bench JSONL) and --repos DIR")
    repos = Path(args.repos)
    if not repos.is_dir():
        raise BenchError(f"--repos is not a folder: {repos}")
    if args.jobs < 1:
        raise BenchError("--jobs must be at least 1")
    if args.test_timeout <= 0:
        raise BenchError("--test-timeout must be positive")
    if args.repro_candidates < 1:
        raise BenchError("--repro-candidates must be at least 1")
    if args.repro_prompt_chars < 500:
        raise BenchError("--repro-prompt-chars must be at least 500")
    rows = load(Path(args.data), args.only, args.limit, args.repo)
    mode = args.validate or args.mode
    if mode == "issue" and str(config.model.name or "").lower() in ("", "none"):
        raise BenchError("--mode issue needs a model (--model; scripted and replay work offline)")
    if mode == "issue" and "llm" not in config.search.proposers:
        config.search.proposers = [*config.search.proposers, "llm"]
    skip = {} if args.validate else _skips(args.validation)
    try:
        executor = make_executor(args.executor, {
            "jobs": args.jobs, "address": args.address or "", "cpus_per_task": args.cpus_per_task,
            "memory_mb_per_task": args.memory_mb, "num_cpus": args.jobs,
        })  # fmt: skip
    except ConfigError as exc:
        raise BenchError(str(exc)) from None
    out = Path(args.out or DEFAULT_OUT)
    bench = {
        "repos": str(repos.resolve()),
        "mode": mode,
        "env_cache": str(Path(args.env_cache) if args.env_cache else resolve_paths().envs),
        "run_id": uuid.uuid4().hex,
        "test_timeout": float(args.test_timeout),
        "repro_candidates": args.repro_candidates,
        "repro_prompt_chars": args.repro_prompt_chars,
        "repro_code": args.repro_code,
        "specs": _extra_specs(args.specs),
        "venv": _interpreter(args.venv) if args.venv else "",
    }
    model_name = f"patchwright-{mode}" + (f"-{config.model.name}" if mode == "issue" else "")
    with shared_server(config) as config:
        data = {"bench": bench, "run": config.model_dump(mode="json")}
        try:
            results, wall = run_batch(rows, out, data, executor, skip)
        except ConfigError as exc:
            raise BenchError(str(exc)) from None
    report(results, wall, out, mode, {
        "bench": {k: v for k, v in bench.items() if k != "run_id"}, "executor": args.executor,
        "jobs": args.jobs, "model_name": model_name, "run": data["run"],
    })  # fmt: skip
    return 0


class SweBench:
    """``patchwright bench swebench``."""

    name = "swebench"
    help = ("SWE-bench (Lite/Verified) on local clones: harness validation, oracle and issue "
            "repair, graded like the official harness")  # fmt: skip

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("swebench")
        g.add_argument("--repos", type=Path, metavar="DIR",
                       help="clones of the repositories, DIR/owner__name (full history)")  # fmt: skip
        g.add_argument("--mode", choices=("oracle", "issue"), default="oracle",
                       help="oracle: the FAIL_TO_PASS tests are given (default); issue: the "
                       "problem statement only (needs --model)")  # fmt: skip
        g.add_argument("--validate", choices=("gold", "empty", "both"),
                       help="check the harness: the gold patch must resolve / the empty must not "
                       "(both: one then the other); writes validation.json")  # fmt: skip
        g.add_argument("--validation", type=Path, action="append", default=[], metavar="FILE",
                       help="skip the instances this validation.json marks invalid (repeatable)")  # fmt: skip
        g.add_argument("--repo", action="append", default=[], metavar="NAME",
                       help="only these repositories (owner/name or name, repeatable)")  # fmt: skip
        g.add_argument("--executor", default="local", metavar="NAME",
                       help="local (process pool, default) or ray")
        g.add_argument("--address", metavar="ADDR",
                       help="Ray cluster address (ray://HOST:10001 or HOST:6379); default: "
                       "a local Ray started for the batch")  # fmt: skip
        g.add_argument("--cpus-per-task", type=float, default=1.0, metavar="N",
                       help="Ray: CPUs reserved per instance")
        g.add_argument("--memory-mb", type=int, default=0, metavar="MB",
                       help="Ray: memory reserved per instance")
        g.add_argument("--env-cache", type=Path, metavar="DIR",
                       help="environment cache (default: $PATCHWRIGHT_HOME/envs)")
        g.add_argument("--venv", type=Path, metavar="PATH",
                       help="run every instance with this venv or interpreter (no env builds)")
        g.add_argument("--specs", type=Path, metavar="FILE",
                       help="extra specs for repositories the official tables lack (JSON)")
        g.add_argument("--repro-candidates", type=int, default=3, metavar="N",
                       help="--mode issue: reproduction test files the model writes per "
                            "instance (each kept only if it fails at base; default 3)")
        g.add_argument("--repro-prompt-chars", type=int, default=14000, metavar="N",
                       help="--mode issue: characters of issue text and code in the prompt "
                            "(default 14000; about 4 characters a token: keep a small local "
                            "model's prompt well inside model.local_ctx)")
        g.add_argument("--repro-code", choices=("full", "signatures"), default="full",
                       help="--mode issue: the funnel's functions shown whole (default) or "
                            "their first lines only (a small model copies bodies back)")
        g.add_argument("--test-timeout", type=float, default=900.0, metavar="S",
                       help="seconds for one run of an instance's test command")

    @staticmethod
    def run(args: argparse.Namespace, config_files: list[Path], overrides: list[str]) -> int:
        from patchwright.store.config_files import load_config

        return run_swebench(args, load_config(config_files, overrides, base=BENCH_DEFAULTS))
