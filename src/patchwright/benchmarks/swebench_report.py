"""SWE-bench outputs: ``preds.jsonl`` (the official predictions format), the validation
file (instance -> ok/reason) a later batch reads, ``summary.json`` with a table by
repository (cost and time), and a chart by repository."""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from patchwright.benchmarks.bugsinpy_report import text_table
from patchwright.benchmarks.runner import InstanceResult
from patchwright.benchmarks.swebench_data import VALIDATION_FILE
from patchwright.core.domain import FORMAT_VERSION
from patchwright.store.artifacts import write_json

GOOD = {"gold": "valid", "empty": "valid", "both": "valid", "oracle": "resolved", "issue": "resolved"}


def write_preds(results: list[InstanceResult], out: Path, model: str) -> Path:
    path = out / "preds.jsonl"
    lines = []
    for r in results:
        diff = out / "instances" / r.id / "patch.diff"
        patch = diff.read_text(encoding="utf-8") if diff.is_file() else ""
        lines.append(json.dumps({"instance_id": r.id, "model_name_or_path": model,
                                 "model_patch": patch}))  # fmt: skip
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def write_validation(results: list[InstanceResult], out: Path, kind: str) -> Path:
    """``validation.json``: every graded instance ok or not, with the reason."""
    path = out / VALIDATION_FILE
    instances = {r.id: {"ok": r.status == "valid", "status": r.status, "reason": r.message,
                        "repo": r.extra.get("repo", "")} for r in results}  # fmt: skip
    write_json(path, {"version": FORMAT_VERSION, "kind": kind, "instances": instances})
    return path


def by_repo(results: list[InstanceResult], good: str) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for r in results:
        row = table.setdefault(str(r.extra.get("repo", "?")), {
            "instances": 0, good: 0, "env_error": 0, "other": 0, "evaluations": 0,
            "seconds": [], "env_build_seconds": 0.0, "envs_built": 0, "cost": 0.0, "tokens": 0,
        })  # fmt: skip
        row["instances"] += 1
        key = good if r.status == good else "env_error" if r.status == "env_error" else "other"
        row[key] += 1
        row["evaluations"] += r.evaluations
        row["seconds"].append(r.seconds)
        built = float(r.extra.get("env_build_seconds") or 0.0)
        row["env_build_seconds"] += built
        row["envs_built"] += 1 if built > 0 else 0
        row["cost"] += r.cost
        row["tokens"] += r.tokens
    for row in table.values():
        secs = row.pop("seconds")
        row["total_seconds"] = round(sum(secs), 1)
        row["median_seconds"] = round(statistics.median(secs), 1) if secs else 0.0
        row["env_build_seconds"] = round(row["env_build_seconds"], 1)
        row["cost"] = round(row["cost"], 6)
    return dict(sorted(table.items()))


def svg(table: dict[str, dict[str, Any]], good: str) -> str:
    names = list(table)
    top = max([1, *(t["instances"] for t in table.values())])
    width, height = 60 + 70 * max(1, len(names)), 240
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
             'font-family="sans-serif" font-size="10">']  # fmt: skip
    for i, name in enumerate(names):
        x = 40 + 70 * i
        for j, (key, colour) in enumerate((("instances", "#bbbbbb"), (good, "#59a14f"))):
            h = round((height - 30) * table[name][key] / top)
            parts.append(f'<rect x="{x + 22 * j}" y="{height - h}" width="20" height="{h}" '
                         f'fill="{colour}"><title>{key}: {table[name][key]}</title></rect>')  # fmt: skip
            parts.append(f'<text x="{x + 22 * j}" y="{height - h - 2}">{table[name][key]}</text>')
        parts.append(f'<text x="{x}" y="{height + 14}">{name.split("/")[-1][:11]}</text>')
    parts.append(f'<text x="4" y="{height + 32}">grey: instances, green: {good}</text></svg>')
    return "\n".join(parts) + "\n"


def plot(table: dict[str, dict[str, Any]], good: str, out: Path) -> Path:
    """by_repo.png with matplotlib when it is installed, else by_repo.svg."""
    try:
        import matplotlib  # type: ignore[import-not-found]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found]
    except ImportError:
        path = out / "by_repo.svg"
        path.write_text(svg(table, good), encoding="utf-8")
        return path
    names = list(table)
    fig, ax = plt.subplots(figsize=(max(4, 1.3 * len(names)), 3.5))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [table[n]["instances"] for n in names], 0.4, label="instances")
    ax.bar([x + 0.2 for x in xs], [table[n][good] for n in names], 0.4, label=good)
    ax.set_xticks(list(xs), [n.split("/")[-1] for n in names])
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "by_repo.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def report(
    results: list[InstanceResult], wall: float, out: Path, mode: str, config: dict[str, Any],
    write: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
) -> dict[str, Any]:  # fmt: skip
    good = GOOD[mode]
    table = by_repo(results, good)
    summary = {
        "version": FORMAT_VERSION,
        "benchmark": "swebench",
        "mode": mode,
        "instances": len(results),
        good: sum(1 for r in results if r.status == good),
        "env_error": sum(1 for r in results if r.status == "env_error"),
        "total_evaluations": sum(r.evaluations for r in results),
        "model_calls": sum(r.model_calls for r in results),
        "tokens": sum(r.tokens for r in results),
        "cost": round(sum(r.cost for r in results), 6),
        "wall_seconds": round(wall, 1),
        "by_repo": table,
        "config": config,
        "results": [r.model_dump() for r in results],
    }
    write_json(out / "summary.json", summary)
    rows = [[name, str(t["instances"]), str(t[good]), str(t["env_error"]), str(t["other"]),
             str(t["evaluations"]), f"{t['cost']:.4f}", str(t["median_seconds"]),
             str(t["total_seconds"]), f"{t['envs_built']}/{t['env_build_seconds']}s"]
            for name, t in table.items()]  # fmt: skip
    write(text_table(f"swebench ({mode}): {summary[good]}/{len(results)} {good}",
                     ["repo", "instances", good, "env_error", "other", "evals", "cost",
                      "median s", "total s", "envs built"], rows))  # fmt: skip
    for r in results:
        if r.status != good:
            write(f"  {r.id}: {r.status} {r.message[:150]}")
    chart = plot(table, good, out)
    extra = [write_preds(results, out, config.get("model_name", "patchwright"))]
    if mode in ("gold", "empty", "both"):
        extra.append(write_validation(results, out, mode))
    write(f"{summary[good]}/{len(results)} {good}, wall {summary['wall_seconds']}s; "
          f"summary: {out / 'summary.json'}, chart: {chart}, " + ", ".join(map(str, extra)))  # fmt: skip
    return summary
