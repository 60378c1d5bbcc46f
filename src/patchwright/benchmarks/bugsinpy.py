"""BugsInPy: real bugs of real Python projects. Each bug is the fixed commit of the
project's clone with the developer's source patch reversed; its failing tests must fail
there and pass on the fixed tree (else it is ``unverified``, not an attempt); then the
repair runs through the app layer with the bug's venv as the tests' interpreter, and a
plausible patch is re-checked on a fresh tree and compared with the developer's."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from patchwright.benchmarks.bugsinpy_data import Bug, read_bug, same_as_developer
from patchwright.benchmarks.bugsinpy_env import (
    EnvError,
    PrepareError,
    build_env,
    fixed_files,
    prepare,
    recheck,
    verify,
)
from patchwright.benchmarks.runner import BenchError, fresh_folder, run_batch, shared_server
from patchwright.core.config import RunConfig
from patchwright.envs import EnvBuilder
from patchwright.store.artifacts import write_json

DEFAULT_OUT = Path("bench-out/bugsinpy")
BENCH_DEFAULTS: dict[str, Any] = {
    "search": {"max_evals": 100, "max_seconds": 600.0},
    "sandbox": {"per_test_timeout": 60.0},
}


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _result(row: dict[str, Any], status: str, started: float, **fields: Any) -> dict[str, Any]:
    extra = {
        "project": row["project"],
        "verified": status != "unverified",
        **fields.pop("extra", {}),
    }
    return {"id": row["id"], "status": status, "seconds": time.monotonic() - started,
            "extra": extra, **fields}  # fmt: skip


def solve_bug(row: dict[str, Any], folder: str, data: dict[str, Any]) -> dict[str, Any]:
    """Worker: verify one bug, then repair it; an InstanceResult as a dict (never raises)."""
    started = time.monotonic()
    bench = data["bench"]
    base = fresh_folder(folder)
    clone = Path(bench["repos"]) / row["project"]
    root = Path(bench["bugsinpy"])
    try:
        if not (clone / ".git").exists():
            return _result(
                row, "unverified", started, message=f"no clone of {row['project']} at {clone}"
            )
        first = read_bug(root, row["project"], row["number"])
        bug = read_bug(root, row["project"], row["number"], fixed_files(clone, first))
        if bench.get("venv"):
            python, env_name = Path(bench["venv"]), "given"
        else:
            builder = EnvBuilder(Path(bench["env_cache"]), run_id=bench["run_id"], log=_log)
            env = build_env(bug, builder)
            python, env_name = env.python, env.key
        verdict = verify(clone, bug, python, base)
        write_json(base / "verify.json", {"tests": list(bug.tests), "python": str(python),
                                          "env": env_name, **verdict.__dict__})  # fmt: skip
        if not verdict.verified:
            return _result(row, "unverified", started, message=verdict.reason)
        if bench.get("verify_only"):
            return _result(row, "verified", started, extra={"tests": list(bug.tests)})
        return _repair(row, bug, python, clone, base, data["run"], started)
    except (EnvError, PrepareError) as exc:
        return _result(row, "unverified", started, message=str(exc)[:300])
    except Exception as exc:  # one bug's crash must not end the batch
        (base / "crash.txt").write_text(traceback.format_exc())
        checked = base / "verify.json"
        verified = checked.exists() and bool(json.loads(checked.read_text()).get("verified"))
        return _result(row, "error", started, message=f"{type(exc).__name__}: {exc}"[:300],
                       extra={"verified": verified})  # fmt: skip


def _repair(
    row: dict[str, Any], bug: Bug, python: Path, clone: Path, base: Path,
    run_data: dict[str, Any], started: float,
) -> dict[str, Any]:  # fmt: skip
    """Repair the verified bug through the app layer; re-check and compare a patch."""
    from patchwright.app.session import RunRequest, run
    from patchwright.core.errors import RepairError

    prepare(clone, bug, base / "repo", buggy=True, python=python)
    config = RunConfig.model_validate(run_data)
    config.sandbox.python = str(python)
    config.runner = "pytest"  # the tests are pytest node ids (verified that way), even for
    # a plain unittest suite (tornado) that "auto" would give to the unittest runner
    try:
        result, patch, _ = run(RunRequest(source=base / "repo", run_dir=base / "run", config=config,
                                          tests=list(bug.tests), task_id=bug.id))  # fmt: skip
    except RepairError as exc:
        return _result(row, "invalid", started, message=str(exc)[:300])
    finally:
        shutil.rmtree(base / "repo", ignore_errors=True)
        shutil.rmtree(base / "run" / "workspace", ignore_errors=True)
    out = _result(row, result.status, started, evaluations=_evaluations(base / "run", result.evaluations),
                  evaluations_to_plausible=result.evaluations_to_plausible,
                  changed_lines=result.changed_lines, edits=result.edits, message=result.message,
                  model_calls=result.model_calls, tokens=result.tokens, cost=result.cost)  # fmt: skip
    out["extra"]["developer_rank"] = developer_rank(base / "run", bug.patch)
    if patch is not None:
        ok, why = recheck(clone, bug, python, patch.diff, base)
        out["rechecked"] = ok
        out["extra"]["recheck"] = why
        out["extra"]["same_as_developer"] = same_as_developer(patch.diff, bug.patch)
        (base / "developer.diff").write_text(bug.patch, encoding="utf-8")
        if not ok:
            out["status"] = "recheck_failed"
    out["seconds"] = time.monotonic() - started
    return out


def _interpreter(path: Path) -> str:
    """``--venv``: a venv folder or an interpreter; BenchError when neither."""
    python = path / "bin" / "python" if path.is_dir() else path
    if not python.is_file():
        raise BenchError(f"--venv is neither a venv nor an interpreter: {path}")
    return str(python.absolute())


def _evaluations(run_dir: Path, reported: int) -> int:
    """Candidates evaluated: the result's count, or the trajectory's evaluation events when
    the result (a run stopped by its budget) counts fewer."""
    from patchwright.store.artifacts import TrajectoryFormatError, read_events

    try:
        _, events = read_events(run_dir / "trajectory.jsonl")
    except (OSError, TrajectoryFormatError):
        return reported
    return max(reported, sum(1 for e in events if getattr(e, "kind", "") == "evaluation"))


def developer_rank(run_dir: Path, developer: str) -> int | None:
    """Where the localization put the developer's fix: the 1-based rank of the first of
    the run's suspicious lines (the top ten the trajectory records) that the developer's
    patch removes or inserts next to; None when none of them is."""
    from patchwright.search.evaluate import changed_base_lines
    from patchwright.store.artifacts import TrajectoryFormatError, read_events

    try:
        _, events = read_events(run_dir / "trajectory.jsonl")
    except (OSError, TrajectoryFormatError):
        return None
    fixed = changed_base_lines(developer)
    for event in events:
        if getattr(event, "kind", "") == "tool_call" and getattr(event, "tool", "") == "sbfl":
            for rank, loc in enumerate(event.locations, 1):  # type: ignore[attr-defined]
                if any(line in fixed.get(loc.path, ()) for line in range(loc.line, loc.end_line + 1)):
                    return rank
            return None
    return None


def run_bugsinpy(args: argparse.Namespace, config: RunConfig) -> int:
    import uuid

    from patchwright.app.paths import resolve_paths
    from patchwright.benchmarks.bugsinpy_data import parse_ranges, select_bugs
    from patchwright.benchmarks.bugsinpy_report import report

    if not args.bugsinpy or not args.repos:
        raise BenchError(
            "bench bugsinpy needs --bugsinpy DIR (a BugsInPy checkout) and --repos DIR"
        )
    root, repos = Path(args.bugsinpy), Path(args.repos)
    if not repos.is_dir():
        raise BenchError(f"--repos is not a folder: {repos}")
    if args.jobs < 1:
        raise BenchError("--jobs must be at least 1")
    projects = [p.strip() for p in (args.projects or "").split(",") if p.strip()]
    pairs = select_bugs(root, projects, parse_ranges(args.bugs) if args.bugs else None)
    rows = [{"id": f"{p}-{n}", "project": p, "number": n} for p, n in pairs]
    only = {i.strip() for o in args.only for i in o.split(",") if i.strip()}
    if only:
        missing = only - {r["id"] for r in rows}
        if missing:
            raise BenchError(f"unknown bug id: {', '.join(sorted(missing))}")
        rows = [r for r in rows if r["id"] in only]
    rows = rows[: args.limit] if args.limit is not None else rows
    if not rows:
        raise BenchError("no BugsInPy bugs selected")
    out = Path(args.out or DEFAULT_OUT)
    bench = {
        "bugsinpy": str(root.resolve()),
        "repos": str(repos.resolve()),
        "env_cache": str(Path(args.env_cache) if args.env_cache else resolve_paths().envs),
        "run_id": uuid.uuid4().hex,
        "verify_only": bool(args.verify_only),
        "venv": _interpreter(args.venv) if args.venv else "",
    }
    with shared_server(config) as config:
        data = {"bench": bench, "run": config.model_dump()}
        results, wall = run_batch(rows, out, solve_bug, data, args.jobs)
    report(results, wall, out, {"bench": {k: v for k, v in bench.items() if k != "run_id"},
                                "run": json.loads(json.dumps(data["run"], default=str))})  # fmt: skip
    return 0


class BugsInPy:
    """``patchwright bench bugsinpy``: verify and repair BugsInPy's bugs."""

    name = "bugsinpy"
    help = "BugsInPy: real bugs of Python projects, verified then repaired in their own venvs"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("bugsinpy")
        g.add_argument(
            "--bugsinpy", type=Path, metavar="DIR", help="checkout of github.com/soarsmu/BugsInPy"
        )
        g.add_argument(
            "--repos",
            type=Path,
            metavar="DIR",
            help="clones of the projects (DIR/<project>, full history)",
        )
        g.add_argument("--projects", metavar="P,...", help="only these projects (default: all)")
        g.add_argument("--bugs", metavar="1-20,25", help="only these bug numbers")
        g.add_argument(
            "--env-cache",
            type=Path,
            metavar="DIR",
            help="venv cache (default: $PATCHWRIGHT_HOME/envs)",
        )
        g.add_argument("--venv", type=Path, metavar="PATH",
                       help="run every bug's tests with this venv or interpreter (no env builds)")  # fmt: skip
        g.add_argument("--verify-only", action="store_true", help="verify the bugs, repair none")

    @staticmethod
    def run(args: argparse.Namespace, config_files: list[Path], overrides: list[str]) -> int:
        from patchwright.store.config_files import load_config

        return run_bugsinpy(args, load_config(config_files, overrides, base=BENCH_DEFAULTS))
