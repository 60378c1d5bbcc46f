"""Seconds per candidate evaluation (apply + run_tests), plain runs vs the pytest fork server.

Builds a tiny git project (one function, a parametrized test module of 10 cases), then
applies N alternating candidate patches and runs the tests after each, for fork_server
False/True with plugin autoload off and on. The first evaluation of each configuration
(which starts the fork server) is reported apart and left out of the mean.

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
from patchwright.core.protocols import RunLimits
from patchwright.core.types import Patch
from patchwright.sandbox.local import LocalSandbox

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


def measure(root: Path, patches: list[Patch], *, fork: bool, autoload: bool) -> dict[str, object]:
    """First evaluation, mean and stdev of the others, and the pass counts seen."""
    times, passed = [], []
    with LocalSandbox(root, autoload_plugins=autoload, fork_server=fork) as box:
        for patch in patches:
            start = time.perf_counter()
            assert box.apply(patch)
            result = box.run_tests(TEST_IDS, LIMITS)
            times.append(time.perf_counter() - start)
            passed.append(sum(o.status.value == "pass" for o in result.tests.values()))
        fell_back = bool(box.fork_server and box.fork_server.disabled)
    rest = times[1:]
    return {
        "first": times[0],
        "mean": statistics.mean(rest),
        "stdev": statistics.stdev(rest) if len(rest) > 1 else 0.0,
        "passed": passed,
        "fell_back": fell_back,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="evaluations per configuration")
    parser.add_argument("--autoload", choices=["off", "on", "both"], default="both")
    args = parser.parse_args()
    patches = [make_patch({"mod.py": MOD}, {"mod.py": CANDIDATES[i % 2]}) for i in range(args.n)]
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.autoload]
    print(f"{args.n} evaluations (apply + run_tests of 10 parametrized cases) per configuration")
    header = ("autoload", "fork_server", "first s", "mean s", "stdev", "speedup")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (8, 11, 8, 8, 7, 7))))
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        root = Path(tmp) / "proj"
        make_project(root)
        for autoload in modes:
            plain = measure(root, patches, fork=False, autoload=autoload)
            forked = measure(root, patches, fork=True, autoload=autoload)
            assert plain["passed"] == forked["passed"], "results differ between the modes"
            assert not forked["fell_back"], "the fork server was not used"
            for label, row in (("False", plain), ("True", forked)):
                speedup = plain["mean"] / row["mean"]  # type: ignore[operator]
                print(
                    f"{'on' if autoload else 'off':>8} {label:>11} {row['first']:8.3f}"
                    f" {row['mean']:8.3f} {row['stdev']:7.3f} {speedup:6.1f}x"
                )


if __name__ == "__main__":
    main()
