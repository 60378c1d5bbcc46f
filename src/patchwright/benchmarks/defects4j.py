"""Defects4J, without the framework's downloads: each bug rebuilt from the user's framework
folder (``--d4j-home``) and full clones of the projects (``--repos DIR/commons-lang``...)
as the framework's checkout does (:mod:`patchwright.benchmarks.defects4j_data`), compiled
and run on this machine's JDK by the JUnit runner. A bug is verified when its trigger tests
fail on the buggy version and pass on the fixed one (else ``unverified``, with the reason:
a build failure on JDK 17, a test that does not reproduce); then the repair runs through
the app layer with the trigger tests, and a plausible patch is re-checked on a fresh buggy
tree against the trigger tests and the relevant test classes and compared with the
developer's fix (the same changed lines)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from patchwright.benchmarks.defects4j_data import (
    CLONES,
    CheckoutError,
    D4JBug,
    active_bugs,
    checkout,
    classpath,
    read_bug,
)
from patchwright.benchmarks.runner import BenchError, fresh_folder, run_batch, shared_server
from patchwright.core.config import RunConfig
from patchwright.core.errors import PatchwrightError
from patchwright.core.protocols import RunLimits
from patchwright.store.artifacts import write_json

DEFAULT_OUT = Path("bench-out/defects4j")
BENCH_DEFAULTS: dict[str, Any] = {
    "search": {"max_evals": 100, "max_seconds": 600.0},
    "sandbox": {"per_test_timeout": 60.0},
    "reproduce": {"related_tests": 0},
}
JVM_ARGS = ["-Duser.timezone=America/Los_Angeles"]
"""Defects4J runs every test in that time zone (its ``Constants.pm`` sets ``TZ``): some
trigger tests fail on the fixed version in any other."""
RELEASE = "8"
"""``javac --release`` for the projects (Java 5-8 code; JDK 17 still compiles to 8)."""


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _result(row: dict[str, Any], status: str, started: float, **fields: Any) -> dict[str, Any]:
    extra = {"project": row["project"], "verified": status != "unverified", **fields.pop("extra", {})}
    return {"id": row["id"], "status": status, "seconds": time.monotonic() - started,
            "extra": extra, **fields}  # fmt: skip


def _bed(repo: Path, bug: D4JBug) -> Any:
    from patchwright.testing.testbed import local_bed

    return local_bed(repo, runner="junit", classpath=classpath(bug), release=RELEASE,
                     jvm_args=JVM_ARGS)  # fmt: skip


def _limits(timeout: float) -> RunLimits:
    return RunLimits(per_test_timeout=timeout, wall_timeout=1800.0, memory_mb=4096)


def run_tests(repo: Path, bug: D4JBug, tests: list[str], timeout: float) -> Any:
    with _bed(repo, bug) as bed:
        return bed.run_tests(tests, _limits(timeout))


def _verify(home: Path, clone: Path, bug: D4JBug, base: Path, timeout: float) -> dict[str, Any]:
    """Trigger tests on the fixed version, then on the buggy one (the source patch applied
    in the same workspace: the warm javac compiles the patched files only): the verdict
    and why. The buggy tree the repair starts from is rebuilt apart."""
    from patchwright.core.domain import Patch

    verdict: dict[str, Any] = {"verified": False}
    verdict["fixed_notes"] = checkout(home, clone, bug, base / "fixed", buggy=False)
    verdict["buggy_notes"] = checkout(home, clone, bug, base / "buggy", buggy=True)
    with _bed(base / "fixed", bug) as bed:
        for kind in ("fixed", "buggy"):
            if kind == "buggy" and not bed.apply(Patch(diff=bug.src_patch)):
                verdict["reason"] = "the source patch does not apply in the sandbox"
                return verdict
            started = time.monotonic()
            result = bed.run_tests(bug.triggers, _limits(timeout))
            verdict[f"{kind}_seconds"] = round(time.monotonic() - started, 1)
            if result.compile_error:
                verdict["reason"] = f"the {kind} version does not build: {result.compile_error[:600]}"
                return verdict
            failed = set(result.failed_ids()) & set(bug.triggers)
            verdict[f"{kind}_failing"] = sorted(failed)
            if kind == "fixed" and failed:
                verdict["reason"] = f"trigger tests fail on the fixed version: {sorted(failed)[:3]}"
                return verdict
            if kind == "buggy" and not failed:
                verdict["reason"] = "no trigger test fails on the buggy version"
                return verdict
        bed.reset()
    verdict["verified"] = True
    return verdict


def _developer_diff(bug: D4JBug, base: Path) -> str:
    from patchwright.core.diff import make_patch
    from patchwright.repo.git import tree_paths

    paths = [p for p in tree_paths(base / "buggy", "HEAD") if p.endswith(".java") and p in bug.src_patch]
    old, new = {}, {}
    for p in paths:
        a, b = base / "buggy" / p, base / "fixed" / p
        if a.is_file() and b.is_file() and a.read_bytes() != b.read_bytes():
            old[p], new[p] = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
    return make_patch(old, new).diff


def solve_bug(row: dict[str, Any], folder: str, data: dict[str, Any]) -> dict[str, Any]:
    """Worker: verify one bug, then repair it; an InstanceResult as a dict (never raises)."""
    started = time.monotonic()
    bench = data["bench"]
    base = fresh_folder(folder)
    home = Path(bench["home"])
    try:
        clone = _clone(Path(bench["repos"]), row["project"])
        bug = read_bug(home, row["project"], row["number"])
        if not bug.triggers:
            return _result(row, "unverified", started, message="the bug lists no trigger tests")
        verdict = _verify(home, clone, bug, base, float(bench["timeout"]))
        write_json(base / "verify.json", {"triggers": bug.triggers, **verdict})
        if not verdict["verified"]:
            _drop(base)
            return _result(row, "unverified", started, message=verdict["reason"])
        developer = _developer_diff(bug, base)
        (base / "developer.diff").write_text(developer, encoding="utf-8")
        if bench.get("verify_only"):
            _drop(base)
            return _result(row, "verified", started, extra={"verified": True,
                           "seconds_buggy": verdict.get("buggy_seconds")})  # fmt: skip
        return _repair(row, bug, home, clone, base, data["run"], developer, started)
    except (CheckoutError, BenchError) as exc:
        return _result(row, "unverified", started, message=str(exc)[:400])
    except Exception as exc:  # one bug's crash must not end the batch
        (base / "crash.txt").write_text(traceback.format_exc())
        return _result(row, "error", started, message=f"{type(exc).__name__}: {exc}"[:300],
                       extra={"verified": False})  # fmt: skip


def _repair(
    row: dict[str, Any], bug: D4JBug, home: Path, clone: Path, base: Path,
    run_data: dict[str, Any], developer: str, started: float,
) -> dict[str, Any]:  # fmt: skip
    from patchwright.app.session import RunRequest, run
    from patchwright.core.errors import RepairError
    from patchwright.repo.git import apply_diff

    config = RunConfig.model_validate(run_data)
    config.runner = "junit"
    config.runners["junit"] = {**config.runners.get("junit", {}), "classpath": classpath(bug),
                               "release": RELEASE, "jvm_args": JVM_ARGS}  # fmt: skip
    shutil.rmtree(base / "fixed", ignore_errors=True)
    try:
        result, patch, _ = run(RunRequest(source=base / "buggy", run_dir=base / "run", config=config,
                                          tests=list(bug.triggers), task_id=bug.id))  # fmt: skip
    except RepairError as exc:
        return _result(row, "invalid", started, message=str(exc)[:300])
    finally:
        shutil.rmtree(base / "run" / "workspace", ignore_errors=True)
        shutil.rmtree(base / "buggy", ignore_errors=True)
    out = _result(row, result.status, started, evaluations=result.evaluations,
                  evaluations_to_plausible=result.evaluations_to_plausible,
                  changed_lines=result.changed_lines, edits=result.edits, message=result.message)  # fmt: skip
    if patch is not None:
        fresh = base / "recheck"
        checkout(home, clone, bug, fresh, buggy=True)
        try:
            apply_diff(fresh, patch.diff)
            tests = [*bug.triggers, *bug.relevant]
            res = run_tests(fresh, bug, tests, 60.0)
            ok = bool(res.tests) and not res.compile_error and not set(res.failed_ids()) & set(bug.triggers)
            out["extra"]["recheck_failing"] = sorted(res.failed_ids())[:10]
        except (PatchwrightError, OSError) as exc:  # a failed re-check, with its reason
            ok = False
            out["extra"]["recheck_failing"] = [f"{type(exc).__name__}: {exc}"[:200]]
        shutil.rmtree(fresh, ignore_errors=True)
        out["rechecked"] = ok
        out["extra"]["same_as_developer"] = same_fix(patch.diff, developer)
        if not ok:
            out["status"] = "recheck_failed"
    out["seconds"] = time.monotonic() - started
    return out


def same_fix(candidate: str, developer: str) -> bool:
    """The candidate changes the developer's lines, whitespace and Java comments aside."""
    from patchwright.benchmarks.bugsinpy_data import changed_lines

    def code(diff: str) -> set[tuple[str, str, str]]:
        return {c for c in changed_lines(diff) if not c[2].startswith(("//", "/*", "*"))}

    want = code(developer)
    return bool(want) and code(candidate) == want


def _drop(base: Path) -> None:
    """Remove a bug's rebuilt trees (a project each), keeping verify.json and the diffs."""
    for name in ("buggy", "fixed", "recheck"):
        shutil.rmtree(base / name, ignore_errors=True)


def _clone(repos: Path, project: str) -> Path:
    name = CLONES.get(project, project)
    for candidate in (repos / name, repos / f"{name}.git", repos / project):
        if candidate.exists():
            return candidate
    raise BenchError(f"no clone of {project} under {repos} ({name} or {name}.git)")


def run_defects4j(args: argparse.Namespace, config: RunConfig) -> int:
    from patchwright.benchmarks.bugsinpy_data import parse_ranges
    from patchwright.benchmarks.bugsinpy_report import report

    if not args.d4j_home or not args.repos:
        raise BenchError("bench defects4j needs --d4j-home DIR (the framework) and --repos DIR")
    home, repos = Path(args.d4j_home), Path(args.repos)
    if not repos.is_dir():
        raise BenchError(f"--repos is not a folder: {repos}")
    projects = [p.strip() for p in (args.projects or "Lang,Math").split(",") if p.strip()]
    wanted = parse_ranges(args.bugs) if args.bugs else None
    rows = []
    for project in projects:
        for number in sorted(active_bugs(home, project)):
            if wanted is None or number in wanted:
                rows.append({"id": f"{project}-{number}", "project": project, "number": number})
    only = {i.strip() for o in args.only for i in o.split(",") if i.strip()}
    if only:
        rows = [r for r in rows if r["id"] in only]
    rows = rows[: args.limit] if args.limit is not None else rows
    if not rows:
        raise BenchError("no Defects4J bugs selected")
    out = Path(args.out or DEFAULT_OUT)
    bench = {"home": str(home.resolve()), "repos": str(repos.resolve()),
             "verify_only": bool(args.verify_only), "timeout": 60.0}  # fmt: skip
    with shared_server(config) as config:
        data = {"bench": bench, "run": config.model_dump()}
        results, wall = run_batch(rows, out, solve_bug, data, max(1, args.jobs))
    run = json.loads(json.dumps(data["run"], default=str))
    report(results, wall, out, {"bench": bench, "run": run}, benchmark="defects4j")
    return 0


class Defects4J:
    """``patchwright bench defects4j``: rebuild, verify and repair Defects4J's bugs."""

    name = "defects4j"
    help = "Defects4J: Java bugs rebuilt from the framework folder and project clones, verified, repaired"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("defects4j")
        g.add_argument("--d4j-home", type=Path, metavar="DIR",
                       help="a checkout of github.com/rjust/defects4j (its framework/projects)")  # fmt: skip
        g.add_argument("--repos", type=Path, metavar="DIR",
                       help="full clones of the projects (DIR/commons-lang, DIR/commons-math...)")  # fmt: skip
        g.add_argument("--projects", metavar="P,...", help="projects (default: Lang,Math)")
        g.add_argument("--bugs", metavar="1-30", help="only these bug numbers")
        g.add_argument("--verify-only", action="store_true", help="verify the bugs, repair none")

    @staticmethod
    def run(args: argparse.Namespace, config_files: list[Path], overrides: list[str]) -> int:
        from patchwright.store.config_files import load_config

        return run_defects4j(args, load_config(config_files, overrides, base=BENCH_DEFAULTS))
