"""Reproduce + localize on a large test suite, against running the failing test's module alone.

Takes a clone of a real project with a big suite, injects a one-line bug in a scratch copy
(never in the clone), finds the failing tests by running their module alone under coverage
(the reference time), then runs ``patchwright repair`` on the copy with one evaluation and
reads the time from the start of the reproduce stage to the start of the search stage off
the run's trajectory. Prints both times and their ratio (target: at most 3x).

Example (python-dateutil, 2,095 tests; its tests need six, freezegun and hypothesis)::

    python benchmarks/reproduce_scale.py --repo ~/src/dateutil --pythonpath src \\
        --file src/dateutil/easter.py --find "e = 10" --replace "e = 11" \\
        --module tests/test_easter.py

``--patchwright CMD`` runs another build of the tool (e.g. a worktree of an older commit:
``--patchwright "env PYTHONPATH=/old/src python3 -m patchwright.cli"``), for before/after.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def prepare(repo: Path, work: Path, args: argparse.Namespace) -> Path:
    """A scratch clone of ``repo`` with the bug injected and committed."""
    copy = work / "project"
    shutil.rmtree(copy, ignore_errors=True)
    git(work, "clone", "-q", str(repo), str(copy))
    target = copy / args.file
    text = target.read_text(encoding="utf-8")
    if text.count(args.find) != 1:
        sys.exit(f"--find must occur exactly once in {args.file} (found {text.count(args.find)})")
    target.write_text(text.replace(args.find, args.replace), encoding="utf-8")
    if args.pythonpath:
        _add_pythonpath(copy, args.pythonpath)
    git(copy, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qam",
        "inject a one-line bug")  # fmt: skip
    return copy


def _add_pythonpath(copy: Path, path: str) -> None:
    """Let pytest import a src-layout project from the workspace (pytest's ``pythonpath``)."""
    for name, section in (("pytest.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]"),
                          ("tox.ini", "[pytest]")):  # fmt: skip
        ini = copy / name
        if ini.exists() and section in ini.read_text(encoding="utf-8"):
            text = ini.read_text(encoding="utf-8")
            ini.write_text(text.replace(section, f"{section}\npythonpath = {path}", 1),
                           encoding="utf-8")  # fmt: skip
            return
    (copy / "pytest.ini").write_text(f"[pytest]\npythonpath = {path}\n", encoding="utf-8")


def reference(copy: Path, args: argparse.Namespace) -> tuple[float, list[str]]:
    """Seconds to run the failing test's module alone with coverage; the failing test ids."""
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        cmd = [args.python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--cov={args.cov or '.'}", "--cov-report=", f"--junitxml={junit}", args.module]
        start = time.monotonic()
        subprocess.run(cmd, cwd=copy, capture_output=True, text=True,
                       env={**_env(), "COVERAGE_FILE": str(Path(tmp) / ".coverage")})
        seconds = time.monotonic() - start
        import xml.etree.ElementTree as ET

        failing = []
        for case in ET.parse(junit).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                path = case.get("file") or args.module
                failing.append(f"{path}::{case.get('name')}")
    return seconds, failing


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COVERAGE_"))}


def stage_times(trajectory: Path) -> dict[str, float]:
    """First time each stage started, from the trajectory's stage events (any version)."""
    times: dict[str, float] = {}
    for line in trajectory.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("kind") == "stage" and "t" in event:
            times.setdefault(event.get("name") or event.get("stage", ""), float(event["t"]))
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", type=Path, required=True, help="a clone of the project (not written)")
    ap.add_argument("--file", required=True, help="file to inject the bug into")
    ap.add_argument("--find", required=True)
    ap.add_argument("--replace", required=True)
    ap.add_argument("--module", required=True, help="the failing test's module")
    ap.add_argument("--pythonpath", default="", help="pytest pythonpath (src layouts)")
    ap.add_argument("--cov", default="", help="--cov source for the reference run")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument("--patchwright", default=f"{sys.executable} -m patchwright.cli")
    ap.add_argument("--tests", type=int, default=1, help="failing tests to name with --test")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="pw-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    copy = prepare(args.repo.resolve(), work, args)
    collected = subprocess.run([args.python, "-m", "pytest", "--collect-only", "-q",
                                "-p", "no:cacheprovider"], cwd=copy, capture_output=True,
                               text=True, env=_env()).stdout  # fmt: skip
    n_tests = sum(1 for line in collected.splitlines() if "::" in line)
    ref, failing = reference(copy, args)
    if not failing:
        sys.exit("the injected bug fails no test of --module")
    out = work / "run"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [*shlex.split(args.patchwright), "repair", str(copy), "--out", str(out),
           "--max-evals", "1", "--set", f"sandbox.python={args.python}"]
    for test in failing[: args.tests]:
        cmd += ["--test", test]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    wall = time.monotonic() - start
    times = stage_times(out / "trajectory.jsonl") if (out / "trajectory.jsonl").exists() else {}
    if "reproduce" not in times or "search" not in times:
        print(proc.stderr[-2000:], file=sys.stderr)
        sys.exit(f"the run did not reach the search stage (exit {proc.returncode})")
    seconds = times["search"] - times["reproduce"]
    print(json.dumps({
        "tests_in_suite": n_tests,
        "failing_tests": len(failing),
        "module_with_coverage_s": round(ref, 2),
        "reproduce_localize_s": round(seconds, 2),
        "ratio": round(seconds / ref, 2),
        "run_wall_s": round(wall, 2),
        "exit": proc.returncode,
    }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
