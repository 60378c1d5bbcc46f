"""Seconds per Java candidate evaluation (apply + run_tests): a fresh javac in each run
(before) vs the runner's warm compile server (after, ``runners.junit.compile_server``).

Copies examples/java_demo into a git project per configuration, then applies N candidate
patches of ``Stats.java`` in turn (a fix, two wrong mutations, one that does not compile)
and runs the whole test class after each; the two configurations take turns so that other
load on the machine hits both alike, and their results must agree. The first evaluation
(which starts the server and compiles the base) is reported apart and left out of the
figures. ``--coverage`` times coverage runs (JaCoCo) instead.

    python benchmarks/java_eval_speed.py [-n 12] [--coverage]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch
from patchwright.core.protocols import RunLimits
from patchwright.repo.git import init_repo
from patchwright.testing.testbed import SandboxTestBed, local_bed

DEMO = Path(__file__).resolve().parents[1] / "examples" / "java_demo"
SOURCE = "src/main/java/demo/Stats.java"
TESTS = ["demo.StatsTest"]
LIMITS = RunLimits(per_test_timeout=10, wall_timeout=240)


def candidates(text: str) -> list[str]:
    edits = [
        ("values[i] < best", "values[i] > best"),  # the fix
        ("total += v;", "total -= v;"),
        ("v >= threshold", "v > threshold"),
        ("return total;", "return total"),  # does not compile
    ]
    out = [text.replace(a, b, 1) for a, b in edits]
    assert all(o != text for o in out), "examples/java_demo changed: update the edits"
    return out


def evaluate(bed: SandboxTestBed, patch: Patch, coverage: bool) -> tuple[float, str]:
    start = time.perf_counter()
    assert bed.apply(patch)
    if coverage:
        result, _ = bed.collect_coverage(TESTS, LIMITS)
    else:
        result = bed.run_tests(TESTS, LIMITS)
    seconds = time.perf_counter() - start
    if result.compile_error:
        return seconds, "compile error"
    return seconds, f"{len(result.tests) - len(result.failed_ids())}/{len(result.tests)} pass"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=12, help="evaluations per configuration")
    parser.add_argument("--coverage", action="store_true", help="time coverage runs")
    args = parser.parse_args()
    base = (DEMO / SOURCE).read_text(encoding="utf-8")
    texts = candidates(base)
    patches = [make_patch({SOURCE: base}, {SOURCE: texts[i % len(texts)]}) for i in range(args.n)]
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="pw-java-bench-") as tmp:
        beds = {}
        for warm in (False, True):
            root = Path(tmp) / f"demo-{int(warm)}"
            shutil.copytree(DEMO, root)
            init_repo(root, "java demo")
            beds[warm] = local_bed(root, runner="junit", compile_server=warm)
        try:
            for i, patch in enumerate(patches):
                said = {}
                for warm in (False, True) if i % 2 else (True, False):
                    seconds, said[warm] = evaluate(beds[warm], patch, args.coverage)
                    times[warm].append(seconds)
                assert said[False] == said[True], f"results differ on evaluation {i}: {said}"
            server = beds[True].runner.compile_server(beds[True].sandbox)  # type: ignore[attr-defined]
            assert server is not None and not server.disabled, "the compile server was not used"
            compiles = server.compiles[2:]  # after the drivers and the base
        finally:
            for bed in beds.values():
                bed.close()
    kind = "coverage runs" if args.coverage else "runs"
    print(f"{args.n} evaluations (apply + {kind} of examples/java_demo's 4 tests) each")
    print(
        f"{'compile':>14} {'first s':>8} {'mean s':>8} {'median s':>8} {'stdev':>7} {'speedup':>7}"
    )
    for warm, label in ((False, "javac per run"), (True, "warm server")):
        values = times[warm]
        rest = values[1:]
        speedup = statistics.mean(times[False][1:]) / statistics.mean(rest)
        print(
            f"{label:>14} {values[0]:8.3f} {statistics.mean(rest):8.3f}"
            f" {statistics.median(rest):8.3f} {statistics.stdev(rest):7.3f} {speedup:6.1f}x"
        )
    if compiles:
        print(f"warm compiles of the changed file: median {statistics.median(compiles):.3f} s")


if __name__ == "__main__":
    main()
