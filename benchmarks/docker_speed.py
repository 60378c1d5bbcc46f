"""Seconds per candidate evaluation: bare local pytest, a persistent container, and a fresh
``docker run`` per candidate, on the same candidates and tests.

A QuixBugs-like function (``is_valid_parenthesization``, bug: ``return True``) with a 10-case parametrized test module;
N candidate patches (mutants and the fix). Each evaluation is apply + run the test module.
Modes run interleaved (candidate by candidate), so that a change of machine load hits all
of them alike; sandbox start-up (container creation) is reported apart.

- local: ``LocalSandbox`` (subprocess pytest on the host, plugin autoload off);
- container: ``DockerSandbox`` (one long-lived container; one ``exec`` per evaluation);
- fresh: ``docker run --rm`` per candidate (same image and limits; the repository is
  bind-mounted read-only, copied, patched, tested, and the report printed).

    python benchmarks/docker_speed.py [-n 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch, TestStatus
from patchwright.core.protocols import RunLimits
from patchwright.sandbox import images
from patchwright.sandbox.docker import DockerEngine, DockerSandbox
from patchwright.testing import pytest_junit as runner
from patchwright.testing.pytest_runner import PytestConfig, PytestRunner
from patchwright.testing.testbed import SandboxTestBed, local_bed

MOD = """\
def is_valid_parenthesization(parens):
    depth = 0
    for paren in parens:
        if paren == '(':
            depth += 1
        else:
            depth -= 1
            if depth < 0:
                return False
    return True
"""
TESTS = """\
import pytest
from is_valid_parenthesization import is_valid_parenthesization


@pytest.mark.parametrize(
    "parens, expected",
    [
        ("((()()))()", True), (")()(", False), ("((", False), ("", True), ("()", True),
        ("(()", False), ("())", False), ("(()())", True), ("))((", False), ("((())", False),
    ],
)
def test_is_valid_parenthesization(parens, expected):
    assert is_valid_parenthesization(parens) == expected
"""
MUTATIONS = [
    ("return True", "return depth == 0"),  # the fix
    ("return True", "return depth <= 0"),
    ("return True", "return depth >= 0"),
    ("return True", "return False"),
    ("return True", "return depth != 0"),
    ("depth = 0", "depth = 1"),
    ("depth < 0", "depth <= 0"),
    ("depth < 0", "depth > 0"),
    ("depth += 1", "depth += 2"),
    ("depth -= 1", "depth -= 2"),
    ("paren == '('", "paren != '('"),
    ("return False", "return True"),
    ("return False", "continue"),
    ("depth < 0", "depth < -1"),
    ("depth = 0", "depth = -1"),
    ("paren == '('", "paren == ')'"),
    ("depth += 1", "depth -= 1"),
    ("depth -= 1", "depth += 1"),
    ("return True", "return depth < 1"),
    ("return True", "return not depth"),
]
TEST_IDS = ["test_is_valid_parenthesization.py"]
LIMITS = RunLimits(per_test_timeout=3, wall_timeout=60)
_FRESH = f"""set -e
cp -r /src /tmp/w && cd /tmp/w
printf '%s' "$1" > /tmp/p.diff && git -c safe.directory='*' apply /tmp/p.diff
timeout -k 1 -s INT {LIMITS.wall_timeout:g} python -m pytest -q -p no:cacheprovider \\
  -p pytest_timeout -o junit_family=xunit1 --junitxml=/tmp/j.xml \\
  --timeout={LIMITS.per_test_timeout:g} --timeout-method=signal {" ".join(TEST_IDS)} \\
  >/dev/null 2>&1 || true
cat /tmp/j.xml
"""


def make_project(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "is_valid_parenthesization.py").write_text(MOD)
    (root / TEST_IDS[0]).write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        cmd = ["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c", "commit.gpgsign=false"]
        subprocess.run([*cmd, *args], cwd=root, env=env, check=True)
    os.chmod(root, 0o755)
    for p in root.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


def candidates(n: int) -> list[Patch]:
    out = []
    for i in range(n):
        old, new = MUTATIONS[i % len(MUTATIONS)]
        assert old in MOD, old
        out.append(
            make_patch(
                {"is_valid_parenthesization.py": MOD},
                {"is_valid_parenthesization.py": MOD.replace(old, new, 1)},
            )
        )
    return out


def passes(statuses: dict[str, TestStatus]) -> int:
    return sum(s == TestStatus.PASS for s in statuses.values())


def fresh_run(image: str, root: Path, patch: Patch) -> int:
    """One ``docker run --rm`` evaluation; the number of passing tests."""
    cmd = ["docker", "run", "--rm", "--network", "none", "--init", "--user", images.SANDBOX_USER]
    cmd += ["--memory", "2560m", "--pids-limit", "320", "--cpus", "2"]
    cmd += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    cmd += ["--tmpfs", "/tmp:size=512m,mode=1777", "-v", f"{root}:/src:ro"]
    cmd += ["-e", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1", image, "sh", "-c", _FRESH, "sh", patch.diff]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    result = runner.interpret(
        proc.stdout or None,
        returncode=0,
        requested=TEST_IDS,
        fail_fast=False,
        timed_out=False,
        output=proc.stderr,
        duration=0.0,
    )
    return passes({k: v.status for k, v in result.tests.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="candidate patches")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    patches = candidates(args.n)
    engine = DockerEngine.connect()
    image = images.bootstrap(engine)
    times: dict[str, list[float]] = {"local": [], "container": [], "fresh": []}
    seen: dict[str, list[int]] = {k: [] for k in times}
    with tempfile.TemporaryDirectory(prefix="pw-dspeed-") as tmp:
        roots = {name: Path(tmp) / name for name in times}  # one copy per mode
        for root in roots.values():
            make_project(root)
        start = time.perf_counter()
        local = local_bed(roots["local"], plugins="none", fork_server=False)
        local_start = time.perf_counter() - start
        start = time.perf_counter()
        box = SandboxTestBed(DockerSandbox(roots["container"], image=image, engine=engine),
                             PytestRunner(PytestConfig(plugins="none")))
        box_start = time.perf_counter() - start
        try:
            for patch in patches:
                for name, sandbox in (("local", local), ("container", box)):
                    t = time.perf_counter()
                    assert sandbox.apply(patch)
                    res = sandbox.run_tests(TEST_IDS, LIMITS)
                    times[name].append(time.perf_counter() - t)
                    seen[name].append(passes({k: v.status for k, v in res.tests.items()}))
                t = time.perf_counter()
                seen["fresh"].append(fresh_run(image, roots["fresh"], patch))
                times["fresh"].append(time.perf_counter() - t)
        finally:
            local.close()
            box.close()
    assert seen["local"] == seen["container"] == seen["fresh"], seen
    figures = {
        k: {
            "mean": statistics.mean(v),
            "median": statistics.median(v),
            "stdev": statistics.pstdev(v),
        }
        for k, v in times.items()
    }
    figures["start"] = {"local": local_start, "container": box_start}  # type: ignore[dict-item]
    ratio_local = figures["container"]["mean"] / figures["local"]["mean"]
    ratio_fresh = figures["fresh"]["mean"] / figures["container"]["mean"]
    print(
        f"{args.n} candidates x {len(TEST_IDS)} module of 10 cases; passes per candidate: {seen['local']}"
    )
    print(f"{'mode':>10} {'mean s':>8} {'median':>8} {'stdev':>7}")
    for k in times:
        f = figures[k]
        print(f"{k:>10} {f['mean']:8.3f} {f['median']:8.3f} {f['stdev']:7.3f}")
    print(f"sandbox start: local {local_start:.3f}s, container {box_start:.3f}s")
    print(
        f"container / local = {ratio_local:.2f}x (goal <= 1.3); fresh / container = {ratio_fresh:.1f}x (goal >= 5)"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"n": args.n, "figures": figures, "passes": seen}, indent=2)
        )


if __name__ == "__main__":
    main()
