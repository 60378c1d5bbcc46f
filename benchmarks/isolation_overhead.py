"""Overhead of the isolated local sandbox: one candidate evaluation (reset + apply the fixed
program + run the bug's test module) in the isolated sandbox (bubblewrap) against today's
sandbox (sandbox.isolation=none) and against a bare ``python -m pytest`` of the same
module, on QuixBugs bugs. Warm (fork server, the default for candidates) and plain runs.

    python benchmarks/isolation_overhead.py [--data FILE] [--bugs a,b,c] [--repeat N]

Prints a table and writes JSON to --json. Target: isolated within 1.3x of today's sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from patchwright.benchmarks.quixbugs import write_bug_repo
from patchwright.core.diff import make_patch
from patchwright.core.protocols import RunLimits
from patchwright.core.registry import component_config, resolve
from patchwright.sandbox.local import LocalSandbox
from patchwright.testing.testbed import SandboxTestBed

DATA = Path("/work/shared/benchmarks/quixbugs_python.jsonl")
BUGS = "quixbugs-python-gcd,quixbugs-python-bitcount,quixbugs-python-hanoi,quixbugs-python-sieve"
LIMITS = RunLimits(per_test_timeout=10, wall_timeout=120)


def _bed(repo: Path, isolation: str, fork_server: bool) -> SandboxTestBed:
    cls = resolve("runner", "pytest")
    runner = cls(component_config(cls, {"plugins": "none", "fork_server": fork_server}))
    return SandboxTestBed(LocalSandbox(repo, isolation=isolation), runner)


def _evaluate(bed: SandboxTestBed, row: dict[str, Any]) -> float:
    fix = make_patch({row["buggy_file"]: row["buggy_source"]}, {row["buggy_file"]: row["fixed_source"]})
    start = time.perf_counter()
    assert bed.apply(fix)
    result = bed.run_tests([row["test_file"]], LIMITS)
    took = time.perf_counter() - start
    assert result.tests, result.output_tail
    return took


def _bare(repo: Path, row: dict[str, Any]) -> float:
    start = time.perf_counter()
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # as the sandboxed runs
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", row["test_file"]],
                   cwd=repo, capture_output=True, check=False, env=env)  # fmt: skip
    return time.perf_counter() - start


def measure(row: dict[str, Any], repeat: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="pw-iso-bench-") as tmp:
        repo, fixed = Path(tmp) / "repo", Path(tmp) / "fixed"
        write_bug_repo(row, repo)
        write_bug_repo(row, fixed, row["fixed_source"])  # the buggy program may not stop
        _bare(fixed, row)
        out["bare"] = statistics.median(_bare(fixed, row) for _ in range(repeat))
        for fork in (True, False):
            for iso in ("none", "bwrap"):
                bed = _bed(repo, iso, fork)
                try:
                    _evaluate(bed, row)  # warm-up: the fork server starts here
                    times = [_evaluate(bed, row) for _ in range(repeat)]
                finally:
                    bed.close()
                out[f"{'warm' if fork else 'plain'}-{iso}"] = statistics.median(times)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--bugs", default=BUGS)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", type=Path, default=Path("/tmp/isolation_overhead.json"))
    args = ap.parse_args()
    wanted = args.bugs.split(",")
    rows = {r["id"]: r for r in map(json.loads, args.data.read_text().splitlines()) if r["id"] in wanted}
    results = {bug: measure(rows[bug], args.repeat) for bug in wanted if bug in rows}
    cols = ["bare", "warm-none", "warm-bwrap", "plain-none", "plain-bwrap"]
    print(f"{'bug':32} " + " ".join(f"{c:>11}" for c in cols) + "  warm x  plain x")
    for bug, r in results.items():
        print(f"{bug:32} " + " ".join(f"{r[c]:11.3f}" for c in cols)
              + f"  {r['warm-bwrap'] / r['warm-none']:6.2f}  {r['plain-bwrap'] / r['plain-none']:7.2f}")  # fmt: skip
    total = {c: sum(r[c] for r in results.values()) for c in cols}
    summary = {
        "warm_ratio": total["warm-bwrap"] / total["warm-none"],
        "plain_ratio": total["plain-bwrap"] / total["plain-none"],
        "vs_bare_warm": total["warm-bwrap"] / total["bare"],
    }
    print(json.dumps(summary))
    args.json.write_text(json.dumps({"results": results, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
