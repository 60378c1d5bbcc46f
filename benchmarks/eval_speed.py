"""Seconds per candidate evaluation (apply + run_tests), plain runs vs the pytest fork server.

Builds a tiny git project (one function, a parametrized test module of 10 cases), then
applies N alternating candidate patches and runs the tests after each, for fork_server
False/True with plugin autoload off and on. The first evaluation of each configuration
(which starts the fork server) is reported apart and left out of the mean. The plain and
the forked sandbox take turns, so that other load on the machine hits both alike.

    python benchmarks/eval_speed.py [-n 30] [--autoload off|on|both]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch
from patchwright.core.protocols import RunLimits
from patchwright.testing.testbed import SandboxTestBed, local_bed

MOD = "def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    return min(x, hi)\n"
TESTS = """\
import pytest
from mod import clamp


@pytest.mark.parametrize(
    "x, expected",
    [(-5, 0), (-1, 0), (0, 0), (1, 1), (3, 3), (5, 5), (7, 7), (9, 9), (10, 10), (12, 10)],
)
def test_clamp(x, expected):
    assert clamp(x, 0, 10) == expected
"""
CANDIDATES = [
    MOD.replace("x < lo", "x <= lo"),  # same behaviour: passes
    MOD.replace("min(x, hi)", "max(x, hi)"),  # wrong: fails most cases
]
LIMITS = RunLimits(per_test_timeout=5, wall_timeout=60)
TEST_IDS = ["tests/test_mod.py"]


def make_project(root: Path) -> None:
    (root / "tests").mkdir(parents=True)
    (root / "mod.py").write_text(MOD)
    (root / "tests/test_mod.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        cmd = ["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c", "commit.gpgsign=false"]
        subprocess.run([*cmd, *args], cwd=root, env=env, check=True)


def evaluate(box: SandboxTestBed, patch: Patch) -> tuple[float, int]:
    """Seconds for apply + run_tests, and the number of passing cases."""
    start = time.perf_counter()
    assert box.apply(patch)
    result = box.run_tests(TEST_IDS, LIMITS)
    seconds = time.perf_counter() - start
    return seconds, sum(o.status.value == "pass" for o in result.tests.values())


def measure(tmp: Path, patches: list[Patch], autoload: bool) -> dict[bool, dict[str, float]]:
    """Per fork_server setting: first evaluation, mean/median/stdev of the others.

    The two sandboxes (one project copy each) take turns, so that load from elsewhere on
    the machine hits both alike; their results must agree.
    """
    boxes = {}
    for fork in (False, True):
        root = tmp / f"proj-{int(autoload)}-{int(fork)}"
        make_project(root)
        boxes[fork] = local_bed(root, plugins="all" if autoload else "none", fork_server=fork)
    times: dict[bool, list[float]] = {False: [], True: []}
    try:
        for i, patch in enumerate(patches):
            passed = {}
            for fork in (False, True) if i % 2 else (True, False):
                seconds, passed[fork] = evaluate(boxes[fork], patch)
                times[fork].append(seconds)
            assert passed[False] == passed[True], f"results differ on evaluation {i}"
        server = boxes[True].fork_server
        assert server is not None and not server.disabled, "the fork server was not used"
    finally:
        for box in boxes.values():
            box.close()
    return {
        fork: {
            "first": values[0],
            "mean": statistics.mean(values[1:]),
            "median": statistics.median(values[1:]),
            "stdev": statistics.stdev(values[1:]) if len(values) > 2 else 0.0,
        }
        for fork, values in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="evaluations per configuration")
    parser.add_argument("--autoload", choices=["off", "on", "both"], default="both")
    args = parser.parse_args()
    patches = [make_patch({"mod.py": MOD}, {"mod.py": CANDIDATES[i % 2]}) for i in range(args.n)]
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.autoload]
    print(f"{args.n} evaluations (apply + run_tests of 10 parametrized cases) per configuration")
    header = ("autoload", "fork_server", "first s", "mean s", "median s", "stdev", "speedup")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (8, 11, 8, 8, 8, 7, 7))))
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        for autoload in modes:
            rows = measure(Path(tmp), patches, autoload)
            for fork, row in rows.items():
                speedup = rows[False]["mean"] / row["mean"]
                print(
                    f"{'on' if autoload else 'off':>8} {fork!s:>11} {row['first']:8.3f}"
                    f" {row['mean']:8.3f} {row['median']:8.3f} {row['stdev']:7.3f}"
                    f" {speedup:6.1f}x"
                )


if __name__ == "__main__":
    main()
