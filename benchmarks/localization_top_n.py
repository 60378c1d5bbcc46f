"""Worst-case Top-1 / Top-5 of Patchwright's own localization on QuixBugs (Python).

For each bug: lay it out as a project (as ``patchwright bench quixbugs`` does), run
``patchwright repair --max-evals 0`` on it (prepare, reproduce and localize; no candidate
is evaluated) and read the ranked lines off the ``sbfl`` tool_call event of the run's
trajectory. The developer's lines are the buggy lines the fix changes (module docstrings,
comments and blank lines left out of the comparison; for a fix that only inserts lines,
the buggy lines either side of the insertion).

A bug counts at Top-N when one of its developer's lines ranks at most N in the worst case:
a line shares its rank with every line of the same score, and takes the last place among
them. The trajectory keeps the first 10 locations, enough for N <= 5 (a tie group that
runs past the 10th place puts the line past the 5th).

``--reuse DIR`` skips the runs: it localizes again, in this process and with this call's
``--set`` values, from what a earlier call's runs left in DIR (each run's workspace, the
spectra and failing outcomes of ``coverage.json``, the tests of its ``task`` event), so
each signal is measured on the same reproduce results.

Example::

    python benchmarks/localization_top_n.py --out /tmp/loc-runs
    python benchmarks/localization_top_n.py --reuse /tmp/loc-runs --out /tmp/loc-off \
        --set localize.traceback=false --set 'localize.tiebreak=[]'
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from patchwright.benchmarks.quixbugs import BENCH_DEFAULTS, write_bug_repo

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "quixbugs_python.jsonl"


def _ignored(source: str) -> set[int]:
    """Lines of module-level string statements (docstrings), comments and blank lines."""
    out = {i for i, line in enumerate(source.splitlines(), 1)
           if not line.strip() or line.strip().startswith("#")}  # fmt: skip
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return out
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):  # fmt: skip
            out.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return out


def developer_lines(buggy: str, fixed: str) -> set[int]:
    """Buggy line numbers the fix changes (either side of a pure insertion)."""
    def kept(src: str) -> list[tuple[int, str]]:
        skip = _ignored(src)
        return [(i, line.strip()) for i, line in enumerate(src.splitlines(), 1) if i not in skip]

    a, b = kept(buggy), kept(fixed)
    matcher = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b], autojunk=False)
    lines: set[int] = set()
    for op, i1, i2, _, _ in matcher.get_opcodes():
        if op in ("replace", "delete"):
            lines.update(n for n, _ in a[i1:i2])
        elif op == "insert":
            lines.update(a[j][0] for j in (i1 - 1, i1) if 0 <= j < len(a))
    return lines


def worst_rank(locations: list[dict[str, Any]], path: str, targets: set[int]) -> int | None:
    """Worst-case rank of the best-placed target line (None: not among the locations)."""
    best: int | None = None
    for loc in locations:
        if loc["path"] != path or loc["line"] not in targets:
            continue
        rank = sum(1 for other in locations if other["score"] >= loc["score"])
        best = rank if best is None else min(best, rank)
    return best


def localize(row: dict[str, Any], folder: Path, sets: list[str]) -> list[dict[str, Any]]:
    shutil.rmtree(folder, ignore_errors=True)
    write_bug_repo(row, folder / "repo")
    defaults = [f"sandbox.{k}={v}" for k, v in BENCH_DEFAULTS["sandbox"].items()]
    cmd = [sys.executable, "-m", "patchwright.cli", "repair", str(folder / "repo"), "-q",
           "--out", str(folder / "run"), "--max-evals", "0", "--model", "none"]  # fmt: skip
    for s in [*defaults, *sets]:
        cmd += ["--set", s]
    subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    traj = folder / "run" / "trajectory.jsonl"
    locations: list[dict[str, Any]] = []
    if traj.exists():
        for line in traj.read_text().splitlines():
            event = json.loads(line)
            if event.get("kind") == "tool_call" and event.get("tool") == "sbfl":
                locations = event["locations"]
    return locations


def relocalize(row: dict[str, Any], folder: Path, sets: list[str]) -> list[dict[str, Any]]:
    """The ranking a run's localize stage would give with ``sets``, from its saved inputs."""
    from patchwright.core.domain import Task, TestResult
    from patchwright.core.protocols import BuildContext
    from patchwright.core.registry import resolve
    from patchwright.store.config_files import load_config

    run = folder / "run"
    saved = json.loads((run / "coverage.json").read_text())
    task_event: dict[str, Any] = {}
    for line in (run / "trajectory.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event.get("kind") == "task" and "failing_tests" in event:
            task_event = event
    task = Task(id=row["id"], repo=str(run / "workspace"),
                failing_tests=task_event.get("failing_tests", []),
                passing_tests=task_event.get("passing_tests", []))  # fmt: skip
    coverage = {t: {p: set(ls) for p, ls in files.items()} for t, files in saved["coverage"].items()}
    result = TestResult.model_validate({"tests": saved.get("failures", {})})
    config = load_config([], sets, base=BENCH_DEFAULTS)
    localizer = resolve("localizer", config.localize.method).build(BuildContext(config=config, task=task))
    return [loc.model_dump() for loc in localizer.localize(task, coverage, result)[:10]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", default="", help="comma-separated bug ids (suffixes)")
    parser.add_argument("--set", action="append", default=[], help="config KEY=VALUE")
    parser.add_argument("--reuse", type=Path, help="localize again from this earlier --out")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    only = [s for s in args.only.split(",") if s]
    rows = [r for r in rows if not only or any(r["id"].endswith(o) for o in only)]
    args.out.mkdir(parents=True, exist_ok=True)
    per_bug: dict[str, Any] = {}
    for row in rows:
        targets = developer_lines(row["buggy_source"], row["fixed_source"])
        if args.reuse:
            locations = relocalize(row, args.reuse / "bugs" / row["id"], args.set)
        else:
            locations = localize(row, args.out / "bugs" / row["id"], args.set)
        rank = worst_rank(locations, row["buggy_file"], targets)
        per_bug[row["id"]] = {"developer_lines": sorted(targets), "worst_rank": rank,
                              "located": len(locations)}  # fmt: skip
        print(f"{row['id']:45s} lines={sorted(targets)} rank={rank}", file=sys.stderr)
    ranks = [b["worst_rank"] for b in per_bug.values()]
    summary = {
        "bugs": len(rows),
        "top1": sum(1 for r in ranks if r is not None and r <= 1),
        "top5": sum(1 for r in ranks if r is not None and r <= 5),
        "settings": args.set,
        "per_bug": per_bug,
    }
    (args.out / "localization.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"worst-case Top-1 {summary['top1']}/{len(rows)}  Top-5 {summary['top5']}/{len(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
