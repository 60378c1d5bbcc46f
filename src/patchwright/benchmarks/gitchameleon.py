"""GitChameleon 2.0: version-conditioned code generation, scored by hidden pytest modules
in a venv per problem (its Python version, ``library==version`` and pinned tooling).

Solvers: ``reference`` scores the ground-truth answers (the harness check: every problem
whose environment builds must pass) and ``model`` asks
``patchwright.benchmarks.gitchameleon_solve.solve`` for an answer (see :class:`Solver`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import shutil
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from patchwright.app.paths import resolve_paths
from patchwright.benchmarks.gitchameleon_data import (
    DEFAULT_DATA,
    Problem,
    load_problems,
    requirements,
    select,
    split_requirements,
)
from patchwright.benchmarks.gitchameleon_score import (
    HIDDEN_TIMEOUT,
    MEMORY_MB,
    VISIBLE_TIMEOUT,
    run_hidden,
    run_visible,
)
from patchwright.benchmarks.runner import BenchError, InstanceResult, run_batch, shared_server
from patchwright.core.config import RunConfig
from patchwright.core.domain import FORMAT_VERSION, Task
from patchwright.core.events import Record, Result, TrajectoryHeader
from patchwright.envs import (
    PIP_TIMEOUT,
    Env,
    EnvBuilder,
    EnvError,
    EnvSpec,
    find_python,
    parse_python_map,
)
from patchwright.store.artifacts import TRAJECTORY_FILE, TrajectoryWriter, append_event, write_json

DEFAULT_OUT = Path("bench-out/gitchameleon")
SOLVERS = ("reference", "model")
DOCS_CHOICES = ("on", "off", "both")
SOLVE_MODULE = "patchwright.benchmarks.gitchameleon_solve"
SOLVER_ENV = "PATCHWRIGHT_GITCHAMELEON_SOLVER"
"""``module:function`` to use instead of ``gitchameleon_solve.solve`` (experiments, tests)."""
RUN_FILE = "run.json"
STATUSES = ("pass", "fail", "env_error", "error")
_NUMERIC = re.compile(r"^[-\d./%]+$")

Recorder = Record
"""``record(event)``: appends one typed event (:mod:`patchwright.core.events`) to the
problem's ``trajectory.jsonl``, the same format as a repair run's."""


@dataclass
class Solution:
    """What a solver returns: the full module text and what it cost."""

    answer: str
    attempts: int = 1
    model_calls: int = 0
    tokens: int = 0
    info: dict[str, Any] = field(default_factory=dict)


class Solver(Protocol):
    """``gitchameleon_solve.solve``: write ``row``'s module for ``row.library==row.version``.

    ``env`` is the problem's ready venv (a solver may run the visible test in it with
    :func:`~patchwright.benchmarks.gitchameleon_score.run_visible`, never the hidden one);
    ``docs`` says whether the solver may read the target version's documentation from the
    package installed in ``env`` (:mod:`patchwright.propose.migrate.docs`); the problem's own doc
    links point to the web, which a run cannot reach.
    """

    def __call__(
        self, row: Problem, env: Env, config: RunConfig, docs: bool, record: Recorder
    ) -> Solution: ...


# -- worker --------------------------------------------------------------------------------


def _recorder(folder: Path, problem: Problem, config: dict[str, Any]) -> Recorder:
    """A fresh ``trajectory.jsonl`` for ``problem`` (its header now) and its recorder."""
    path = folder / TRAJECTORY_FILE
    task = Task(id=problem.id, repo=str(folder), description=problem.problem)
    TrajectoryWriter(path, TrajectoryHeader(task=task, config=config)).close()
    return lambda event: append_event(path, event)



def _solver_name() -> tuple[str, str]:
    module, _, func = (os.environ.get(SOLVER_ENV) or f"{SOLVE_MODULE}:solve").partition(":")
    return module, func or "solve"


def _load_solver() -> Solver:
    module, func = _solver_name()
    solver: Solver = getattr(importlib.import_module(module), func)
    return solver


def solve_problem(row: dict[str, Any], folder: str, config: dict[str, Any]) -> dict[str, Any]:
    """Worker: environment, answer, hidden tests for one problem; never raises."""
    started = time.monotonic()
    opts: dict[str, Any] = config["bench"]
    base = Path(folder)
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    problem = Problem.model_validate(row)
    extra: dict[str, Any] = {
        "library": problem.library,
        "version": problem.version,
        "python_version": problem.python_version,
        "type_of_change": problem.change,
        "solver": opts["solver"],
        "docs": opts.get("docs"),
    }
    out: dict[str, Any] = {"id": problem.id, "status": "error", "extra": extra}

    record = _recorder(base, problem, config)

    def done(status: str, message: str = "") -> dict[str, Any]:
        out.update(status=status, message=message[:500], seconds=time.monotonic() - started)
        record(Result(
            status=status, message=message[:500], seconds=round(out["seconds"], 3),
            model_calls=extra.get("model_calls", 0), tokens=extra.get("tokens", 0),
        ))  # fmt: skip
        return out

    try:
        reqs, pins = split_requirements(problem)
        env_started = time.monotonic()
        try:
            builder = EnvBuilder(
                Path(opts["cache_dir"]),
                pythons=opts.get("pythons") or {},
                run_id=opts.get("run_id"),
                pip_timeout=opts.get("pip_timeout", PIP_TIMEOUT),
                log=lambda m: print(f"[{problem.id}] {m}", file=sys.stderr),
            )
            env = builder.ensure(EnvSpec(problem.python_version, tuple(reqs), tuple(pins)))
        except EnvError as exc:
            extra["env_seconds"] = round(time.monotonic() - env_started, 1)
            extra["requirements"] = reqs + pins
            return done("env_error", str(exc))
        extra.update(
            env_key=env.key,
            env_seconds=round(time.monotonic() - env_started, 1),
            env_built=env.build_seconds > 0,
            env_build_seconds=round(env.build_seconds, 1),
        )
        if opts["solver"] == "reference":
            solution = Solution(answer=problem.answer, attempts=0)
        else:
            solve = _load_solver()
            cfg = RunConfig.model_validate(config["run"])
            solution = solve(problem, env, cfg, bool(opts.get("docs")), record)
        extra.update(
            attempts=solution.attempts,
            model_calls=solution.model_calls,
            tokens=solution.tokens,
            solution_info=solution.info,
        )
        (base / f"{problem.module}.py").write_text(solution.answer, encoding="utf-8")
        memory = int(opts.get("memory_mb", MEMORY_MB))
        if opts.get("visible", True):
            visible = run_visible(env, problem, solution.answer, VISIBLE_TIMEOUT, memory)
            extra["visible"] = visible.to_dict()
        hidden = run_hidden(
            env, problem, solution.answer, opts.get("timeout", HIDDEN_TIMEOUT), memory
        )
        (base / "hidden.log").write_text(hidden.output_tail, encoding="utf-8")
        extra["hidden"] = hidden.to_dict()
        record(hidden.event("hidden"))
        if hidden.passed:
            return done("pass")
        why = hidden.error or (
            f"timed out after {hidden.seconds:.0f}s" if hidden.timed_out
            else f"{hidden.tests_failed} failed, {hidden.tests_passed} passed"
        )
        return done("fail", why)
    except Exception as exc:  # a crash on one problem must not end the batch
        (base / "crash.txt").write_text(traceback.format_exc(), encoding="utf-8")
        return done("error", f"{type(exc).__name__}: {exc}")


# -- summary -------------------------------------------------------------------------------


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _counts(results: list[InstanceResult]) -> dict[str, Any]:
    n = len(results)
    by = {s: sum(1 for r in results if r.status == s) for s in STATUSES}
    built = n - by["env_error"]
    return {
        "instances": n,
        "passed": by["pass"],
        "failed": by["fail"],
        "env_errors": by["env_error"],
        "errors": by["error"],
        "pass_rate": _rate(by["pass"], n),
        "pass_rate_env_built": _rate(by["pass"], built),
    }


def _group(results: list[InstanceResult], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[InstanceResult]] = {}
    for r in results:
        groups.setdefault(str(r.extra.get(key, "?")), []).append(r)
    return {name: _counts(rs) for name, rs in sorted(groups.items())}


def summarize(
    results: list[InstanceResult], wall: float, name: str, config: dict[str, Any]
) -> dict[str, Any]:
    builds = [r.extra["env_build_seconds"] for r in results if r.extra.get("env_built")]
    return {
        "version": FORMAT_VERSION,
        "benchmark": name,
        **_counts(results),
        "by_library": _group(results, "library"),
        "by_type_of_change": _group(results, "type_of_change"),
        "by_python_version": _group(results, "python_version"),
        "envs": {
            "used": len({r.extra["env_key"] for r in results if r.extra.get("env_key")}),
            "built": len(builds),
            "failed": len({r.message for r in results if r.status == "env_error"}),
            "build_seconds": round(sum(builds), 1),
            "max_build_seconds": max(builds, default=0.0),
        },
        "model_calls": sum(int(r.extra.get("model_calls") or 0) for r in results),
        "tokens": sum(int(r.extra.get("tokens") or 0) for r in results),
        "wall_seconds": round(wall, 1),
        "instance_seconds": round(sum(r.seconds for r in results), 1),
        "config": config,
        "results": [r.model_dump() for r in results],
    }


def _grid(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table; columns of numbers are right-aligned."""
    cols = list(zip(headers, *rows))
    widths = [max(len(c) for c in col) for col in cols]
    numeric = [all(_NUMERIC.match(c) for c in col[1:]) and len(col) > 1 for col in cols]
    text = [
        "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric))
        for row in [headers, *rows]
    ]
    return "\n".join([text[0].rstrip(), "  ".join("-" * w for w in widths),
                      *(t.rstrip() for t in text[1:])])


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.1f}%"


def print_summary(summary: dict[str, Any], out: Callable[[str], None] = print) -> None:
    rows = []
    for r in summary["results"]:
        ex, hid = r["extra"], r["extra"].get("hidden") or {}
        rows.append([
            r["id"], ex.get("library", ""), ex.get("version", ""), ex.get("python_version", ""),
            r["status"], f"{hid.get('tests_passed', 0)}/{hid.get('tests_failed', 0)}"
            if hid else "-", f"{ex.get('env_build_seconds', 0):.0f}" if ex.get("env_built")
            else "-", f"{r['seconds']:.1f}", r["message"][:60],
        ])
    out(f"{summary['benchmark']}: {summary['passed']}/{summary['instances']} passed")
    out(_grid(["id", "library", "version", "py", "status", "tests ok/bad", "env build s",
               "seconds", "message"], rows))
    for title, key in (("library", "by_library"), ("type of change", "by_type_of_change")):
        out("")
        out(_grid([title, "passed", "instances", "env errors", "pass rate", "rate (env built)"], [
            [name, str(c["passed"]), str(c["instances"]), str(c["env_errors"]),
             _pct(c["pass_rate"]), _pct(c["pass_rate_env_built"])]
            for name, c in summary[key].items()
        ]))
    envs = summary["envs"]
    out("")
    out(
        f"passed {summary['passed']}/{summary['instances']} ({_pct(summary['pass_rate'])}), "
        f"{_pct(summary['pass_rate_env_built'])} of those whose environment built; "
        f"env errors {summary['env_errors']}, errors {summary['errors']}; "
        f"environments used {envs['used']}, built now {envs['built']} "
        f"({envs['build_seconds']}s); model calls {summary['model_calls']}, "
        f"tokens {summary['tokens']}; wall time {summary['wall_seconds']}s"
    )


def compare(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Runs side by side (``docs`` and ``nodocs``): overall and per library."""
    libraries = sorted({lib for s in summaries.values() for lib in s["by_library"]})
    passed = {
        name: {r["id"] for r in s["results"] if r["status"] == "pass"}
        for name, s in summaries.items()
    }
    every = set.intersection(*passed.values()) if passed else set()
    return {
        "version": FORMAT_VERSION,
        "runs": {
            name: {k: s[k] for k in ("instances", "passed", "env_errors", "pass_rate",
                                     "pass_rate_env_built", "model_calls", "tokens")}
            for name, s in summaries.items()
        },
        "by_library": {
            lib: {name: s["by_library"].get(lib, {}).get("passed", 0)
                  for name, s in summaries.items()}
            for lib in libraries
        },
        "passed_by_only": {
            name: sorted(ids - every, key=lambda i: (len(i), i)) for name, ids in passed.items()
        },
    }


def print_comparison(comparison: dict[str, Any], out: Callable[[str], None] = print) -> None:
    names = list(comparison["runs"])
    rows = [["all", *(f"{comparison['runs'][n]['passed']}/{comparison['runs'][n]['instances']}"
                      for n in names)]]
    rows += [[lib, *(str(by[n]) for n in names)] for lib, by in comparison["by_library"].items()]
    rows.append(["model calls", *(str(comparison["runs"][n]["model_calls"]) for n in names)])
    rows.append(["tokens", *(str(comparison["runs"][n]["tokens"]) for n in names)])
    out("")
    out(_grid(["passed", *names], rows))
    for name, ids in comparison["passed_by_only"].items():
        if ids:
            out(f"passed only with {name}: {', '.join(ids)}")


# -- entry point ---------------------------------------------------------------------------


def _check_out(out: Path, meta: dict[str, Any]) -> None:
    """A re-run resumes only a run of the same solver and docs setting."""
    path = out / RUN_FILE
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        mine = {k: old.get(k) for k in meta}
        if mine != meta:
            raise BenchError(
                f"{out} holds a run with {mine}, not {meta}: choose another --out"
            )
    else:
        write_json(path, {"version": FORMAT_VERSION, **meta})


def schedule(problems: list[Problem]) -> list[Problem]:
    """The first problem of every environment first, then the others: parallel workers
    build different environments instead of waiting on the same one."""
    seen: set[tuple[str, ...]] = set()
    first, rest = [], []
    for p in problems:
        key = (p.python_version, *sorted(requirements(p)))
        (rest if key in seen else first).append(p)
        seen.add(key)
    return first + rest


def run_gitchameleon(args: argparse.Namespace, config: RunConfig) -> int:
    """Score every selected problem with the chosen solver; a table and ``summary.json``
    per run, and ``comparison.json`` when ``--docs both`` ran the model twice."""
    solver = args.solver or "reference"
    if solver not in SOLVERS:
        raise BenchError(f"unknown solver {solver!r} (choose from {', '.join(SOLVERS)})")
    if args.docs is not None and args.docs not in DOCS_CHOICES:
        raise BenchError(f"--docs takes on, off or both, not {args.docs!r}")
    if solver == "reference" and args.docs is not None:
        raise BenchError("--docs applies to --solver model only")
    if solver == "model":
        module, _ = _solver_name()
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise BenchError(f"--solver model needs {module}, which is not installed")
    if args.jobs < 1:
        raise BenchError("--jobs must be at least 1")
    try:
        pythons = {**config.sandbox.pythons, **parse_python_map(args.python or [])}
        for version in pythons:  # a wrong explicit interpreter is bad input, not a drift
            find_python(version, pythons)
    except EnvError as exc:
        raise BenchError(str(exc)) from None
    data = Path(args.data or DEFAULT_DATA)
    problems = select(
        load_problems(data), args.only, args.limit, [args.libraries] if args.libraries else []
    )
    if not problems:
        raise BenchError("no GitChameleon problems selected")
    out = Path(args.out or DEFAULT_OUT)
    docs_runs: list[tuple[str, bool | None]] = (
        [("reference", None)] if solver == "reference"
        else [("docs", True), ("nodocs", False)] if args.docs == "both"
        else [("docs" if args.docs == "on" else "nodocs", args.docs == "on")]
    )
    cache_dir = Path(args.env_cache) if args.env_cache else resolve_paths().envs
    run_id = uuid.uuid4().hex
    rows = [p.model_dump() for p in schedule(problems)]
    order = {p.id: n for n, p in enumerate(problems)}
    summaries: dict[str, dict[str, Any]] = {}
    with shared_server(config) if solver == "model" else contextlib.nullcontext(config) as config:
        for name, docs in docs_runs:
            summaries[name] = _run_one(
                rows, out / name if len(docs_runs) > 1 else out, name, docs, solver, config,
                dict(pythons=pythons, cache_dir=cache_dir, run_id=run_id, timeout=args.timeout,
                     jobs=args.jobs, order=order),
            )  # fmt: skip
    if len(summaries) > 1:
        comparison = compare(summaries)
        write_json(out / "comparison.json", comparison)
        print_comparison(comparison)
    return 0


def _run_one(
    rows: list[dict[str, Any]], folder: Path, name: str, docs: bool | None, solver: str,
    config: RunConfig, opts: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    _check_out(folder, {"solver": solver, "docs": docs})
    bench = {
        "solver": solver,
        "docs": docs,
        "pythons": opts["pythons"],
        "cache_dir": str(opts["cache_dir"]),
        "run_id": opts["run_id"],
        "timeout": opts["timeout"] or HIDDEN_TIMEOUT,
        "pip_timeout": PIP_TIMEOUT,
        "memory_mb": MEMORY_MB,
        "visible": True,
    }
    config_data = {"bench": bench, "run": config.model_dump()}
    results, wall = run_batch(rows, folder, solve_problem, config_data, opts["jobs"])
    results.sort(key=lambda r: opts["order"][r.id])  # back to file order
    label = solver if docs is None else f"{solver}/{name}"
    summary = summarize(results, wall, f"gitchameleon2/{label}", config_data)
    write_json(folder / "summary.json", summary)
    print_summary(summary)
    return summary


class GitChameleon:
    """``patchwright bench gitchameleon``: version-conditioned problems scored by hidden
    tests in a venv of each problem's own Python and library version."""

    name = "gitchameleon"
    help = "GitChameleon 2.0: score reference or model answers in per-version venvs"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("gitchameleon (--only also takes id,id and @FILE)")
        g.add_argument("--libraries", metavar="L1,L2", help="only problems of these libraries")
        g.add_argument("--solver", choices=["reference", "model"],
                       help="reference (ground truth, default) or model")  # fmt: skip
        g.add_argument("--docs", choices=["on", "off", "both"],
                       help="model solver given the problem's docs")  # fmt: skip
        g.add_argument("--python", action="append", default=[], metavar="X.Y=PATH",
                       help="interpreter for Python X.Y (repeatable; default: pyenv, then pythonX.Y)")  # fmt: skip
        g.add_argument("--env-cache", type=Path, metavar="DIR",
                       help="venv cache (default: $PATCHWRIGHT_HOME/envs)")  # fmt: skip
        g.add_argument("--timeout", type=float, metavar="S", help="wall limit of one hidden-test run")

    @staticmethod
    def run(args: argparse.Namespace, config_files: list[Path], overrides: list[str]) -> int:
        from patchwright.store.config_files import load_config

        return run_gitchameleon(args, load_config(config_files, overrides))
