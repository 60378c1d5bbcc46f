"""``patchwright bench enamel``: ENAMEL's performance tasks (``enamel_perf.jsonl``). Per
task: ``patchwright optimize`` (no model unless ``--model``) and the ruff-autofix-only
baseline (``ruff check --select PERF,FURB,SIM,C4,UP --fix --unsafe-fixes``) on the slow
program; then the harness's own check of both (tests pass, the workload's output digest
unchanged, neither tests nor workload edited) and its own timing of slow / ours / ruff,
interleaved in fresh processes. Resumable; ``summary.json``, a table and
``speedups.png``/``speedups.svg`` beside it."""

from __future__ import annotations

import argparse
import json
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

from patchwright.benchmarks.enamel_measure import (
    digest,
    interleaved,
    speedup,
    tests_pass,
    write_task,
)
from patchwright.benchmarks.enamel_report import plot, print_summary, summarize_enamel
from patchwright.benchmarks.runner import BenchError, load_rows, run_batch, shared_server
from patchwright.core.config import RunConfig
from patchwright.core.diff import PatchError, apply_to_files
from patchwright.store.artifacts import write_json

DEFAULT_DATA = Path("../shared/benchmarks/enamel_perf.jsonl")
DEFAULT_OUT = Path("bench-out/enamel")
BASELINE_RULES = ("PERF", "FURB", "SIM", "C4", "UP")
SPED_UP = 1.2
AA_PAIRS = 20
"""A/A pairs of the machine's noise floor: with 10 its estimate itself ranged 1.08x-1.23x
from one run to the next on the same machine."""
BENCH_DEFAULTS: dict[str, Any] = {"sandbox": {"per_test_timeout": 30.0, "plugins": "none"}}


def _ours(row: dict[str, Any], base: Path, config: RunConfig, opts: dict[str, Any]) -> dict[str, Any]:
    from patchwright.app.optimize import OptimizeError, OptimizeRequest, optimize
    from patchwright.core.domain import OptimizeSpec
    from patchwright.repo.git import init_repo

    repo = base / "repo"
    write_task(row, repo, row["slow_source"])
    init_repo(repo, "slow program")
    log_lines: list[str] = []
    req = OptimizeRequest(
        source=repo, run_dir=base / "run", config=config,
        spec=OptimizeSpec(workload=f"python {row['workload_file']}", min_speedup=opts["min_speedup"]),
        workload_files=(row["workload_file"],), pairs=opts["opt_pairs"], aa_pairs=opts["opt_pairs"],
        floor=opts.get("floor"), screen_top=2, validate=False, warmup=0,
        proposers=tuple(opts["proposers"]),
    )  # fmt: skip
    try:
        outcome = optimize(req, log_lines.append)
    except OptimizeError as exc:
        return {"status": "invalid", "message": str(exc)}
    (base / "optimize.log").write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    out: dict[str, Any] = {"status": outcome.result.status, "evaluations": outcome.result.evaluations,
                           "message": outcome.result.message, "diff": "",
                           "model_calls": outcome.result.model_calls, "tokens": outcome.result.tokens,
                           "model_seconds": (outcome.report.get("model") or {}).get("seconds", 0.0),
                           "llm_candidates": sum(1 for c in outcome.report.get("candidates", [])
                                                 if c.get("template") == "llm")}  # fmt: skip
    if outcome.patch is not None:
        out["diff"] = outcome.patch.diff
        out["template"] = (outcome.report.get("chosen") or {}).get("template", "")
        out["claimed"] = outcome.speedup
    return out


def _ruff(row: dict[str, Any]) -> str:
    from patchwright.propose.optimize.ruff_fix import ruff_fix

    got = ruff_fix({row["program_file"]: row["slow_source"]}, BASELINE_RULES)
    return got.get(row["program_file"], row["slow_source"])


def enamel_task(row: dict[str, Any], folder: str, config_data: dict[str, Any]) -> dict[str, Any]:
    """Worker: optimize one task, the ruff baseline, then the harness's check and timing."""
    started = time.monotonic()
    base = Path(folder)
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    opts = config_data.pop("_enamel")
    config = RunConfig.model_validate(config_data)
    try:
        ours = _ours(row, base, config, opts)
        programs = {"slow": row["slow_source"], "ruff": _ruff(row)}
        if ours.get("diff"):
            try:
                patched = apply_to_files({row["program_file"]: row["slow_source"]}, ours["diff"])
            except PatchError:
                patched = {}
            if set(patched) == {row["program_file"]}:
                programs["ours"] = patched[row["program_file"]]
            else:
                ours["status"] = "edits_other_files"
        extra = _verify(row, base, programs, opts["rounds"])
    except Exception as exc:  # one task's crash must not end the batch
        (base / "crash.txt").write_text(traceback.format_exc())
        return {"id": row["id"], "status": "error", "message": f"{type(exc).__name__}: {exc}"[:300],
                "seconds": time.monotonic() - started}  # fmt: skip
    extra.update({"reference": row["measured"]["speedup"], "template": ours.get("template", ""),
                  "claimed": ours.get("claimed"), "opt_status": ours["status"],
                  "model_seconds": ours.get("model_seconds", 0.0),
                  "llm_candidates": ours.get("llm_candidates", 0)})  # fmt: skip
    shutil.rmtree(base / "repo", ignore_errors=True)
    return {"id": row["id"], "status": "sped_up" if extra["ours"] >= SPED_UP else "not_sped_up",
            "evaluations": ours.get("evaluations", 0), "message": ours.get("message", "")[:300],
            "seconds": time.monotonic() - started, "model_calls": ours.get("model_calls", 0),
            "tokens": ours.get("tokens", 0), "extra": extra}  # fmt: skip


def _verify(row: dict[str, Any], base: Path, programs: dict[str, str], rounds: int) -> dict[str, Any]:
    """The harness: each version that differs from the slow one is checked (tests, digest)
    and timed against it; a version that fails or is unchanged counts 1.0x."""
    folders: dict[str, Path] = {}
    info: dict[str, Any] = {}
    for name, text in programs.items():
        folders[name] = base / "verify" / name
        write_task(row, folders[name], text)
    want = digest(folders["slow"], row["workload_file"])
    timed = ["slow"]
    for name in ("ours", "ruff"):
        if name not in programs or programs[name] == programs["slow"]:
            info[name] = 1.0
            info[f"{name}_check"] = "unchanged"
            continue
        if not tests_pass(folders[name], row["test_file"]):
            info[name], info[f"{name}_check"] = 1.0, "tests_fail"
        elif digest(folders[name], row["workload_file"]) != want:
            info[name], info[f"{name}_check"] = 1.0, "output_differs"
        else:
            info[f"{name}_check"] = "ok"
            timed.append(name)
    if len(timed) > 1:
        times = interleaved([folders[n] for n in timed], row["workload_file"], rounds, warmup=0)
        info["cpu"] = {n: [round(t, 4) for t in ts] for n, ts in zip(timed, times, strict=True)}
        for n, ts in zip(timed[1:], times[1:], strict=True):
            s, p = speedup(times[0], ts)
            info[f"{n}_p"] = p
            info[n] = s if p < 0.05 else 1.0  # not clearly faster: no speed-up counted
            info[f"{n}_measured"] = s
    info["ratio_to_reference"] = info["ours"] / row["measured"]["speedup"]
    shutil.rmtree(base / "verify", ignore_errors=True)
    return info


def _noise_floor(out: Path, pairs: int) -> float:
    """A/A noise floor of this machine, measured once per output folder (reused on resume):
    the same small CPU-bound program timed against itself."""
    from patchwright.tasks.optimize.measure import Comparison, Sample, ci_factor, noise_floor

    saved = out / "noise.json"
    if saved.exists():
        return float(json.loads(saved.read_text())["floor"])
    folder = out / "aa"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "w.py").write_text("t = 0\nfor i in range(2_000_000):\n    t += i % 7\n")
    a, b = interleaved([folder, folder], "w.py", pairs)
    floor = noise_floor(Comparison([Sample(x, x) for x in a], [Sample(x, x) for x in b]),
                        ci_factor())  # fmt: skip
    write_json(saved, {"floor": floor, "a": a, "b": b})
    shutil.rmtree(folder, ignore_errors=True)
    return floor


class Enamel:
    """``patchwright bench enamel``: make ENAMEL's slow programs faster."""

    name = "enamel"
    help = "ENAMEL performance tasks: optimize each slow program; ruff autofix baseline beside it"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rounds", type=int, default=10, metavar="N",
                            help="harness timing rounds (slow/ours/ruff interleaved; default 10)")
        parser.add_argument("--opt-pairs", type=int, default=5, metavar="N",
                            help="pairs of the optimizer's own A/B comparison (default 5)")
        parser.add_argument("--min-speedup", type=float, default=1.1, metavar="X",
                            help="the optimizer's --min-speedup (default 1.1)")

    @staticmethod
    def run(args: argparse.Namespace, config_files: list[Path], overrides: list[str]) -> int:
        from patchwright.store.config_files import load_config

        config = load_config(config_files, overrides, base=BENCH_DEFAULTS)
        if args.rounds < 5 or args.opt_pairs < 5:
            raise BenchError("--rounds and --opt-pairs must be at least 5")
        rows = load_rows(Path(args.data or DEFAULT_DATA), args.only, args.limit)
        if not rows or not all("slow_source" in r and "workload" in r for r in rows):
            raise BenchError("no ENAMEL rows (slow_source, tests, workload) in the data file")
        out = Path(args.out or DEFAULT_OUT)
        out.mkdir(parents=True, exist_ok=True)
        floor = _noise_floor(out, AA_PAIRS)
        print(f"noise floor (A/A, this machine): {floor:.3f}x", flush=True)
        proposers = ["perf_rewrites", "ruff_perf"]
        if args.proposers:
            proposers = [p.strip() for p in args.proposers.split(",") if p.strip()]
        opts = {"rounds": args.rounds, "opt_pairs": args.opt_pairs, "floor": floor,
                "min_speedup": args.min_speedup, "proposers": proposers}  # fmt: skip
        with shared_server(config) as shared:  # one embedded model server for the batch
            data = {**shared.model_dump(), "_enamel": opts}
            results, wall = run_batch(rows, out, _worker, data, max(1, args.jobs))
        summary = summarize_enamel(results, wall, floor, data)
        write_json(out / "summary.json", summary)
        plot(summary, out)
        print_summary(summary)
        return 0


def _worker(row: dict[str, Any], folder: str, config_data: dict[str, Any]) -> dict[str, Any]:
    return enamel_task(row, folder, dict(config_data))


__all__ = ["Enamel", "enamel_task"]
