"""The ``patchwright optimize`` subcommand: parse, build an OptimizeRequest, print the diff
(standard output) and the measured speed-up (standard error). cli.py only wires it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_FOUND, EXIT_NOT_FOUND = 0, 1


def add_parser(sub: argparse._SubParsersAction, config_args) -> None:  # type: ignore[type-arg]
    op = sub.add_parser(
        "optimize",
        help="make code measurably faster, every passing test still passing",
        description="patchwright optimize PATH (--target MODULE:FUNCTION | --workload CMD | "
        "--workload-file FILE) [--min-speedup X] [--pairs N] [--out RUN_DIR]",
    )
    op.add_argument("path", type=Path, help="project directory")
    what = op.add_mutually_exclusive_group(required=True)
    what.add_argument("--target", metavar="MODULE:FUNCTION",
                      help="time this function, called with no arguments (its module is "
                      "treated as the workload: never edited)")  # fmt: skip
    what.add_argument("--workload", metavar="CMD",
                      help="time this command (run in the project; 'python' = the tests' "
                      "interpreter; files it names are never edited)")  # fmt: skip
    what.add_argument("--workload-file", type=Path, metavar="FILE",
                      help="time 'python FILE' (FILE relative to PATH, never edited)")
    op.add_argument("--min-speedup", type=float, default=1.1, metavar="X",
                    help="accept only a measured speed-up above X (default 1.1)")
    op.add_argument("--pairs", type=int, default=10, metavar="N",
                    help="interleaved base/candidate pairs per comparison (default 10, min 5)")
    op.add_argument("--out", type=Path, help="run directory (default under $PATCHWRIGHT_HOME)")
    op.add_argument("--no-validate", action="store_true",
                    help="skip the re-measurement in a fresh workspace")
    config_args(op)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_optimize(args: argparse.Namespace, overrides: list[str], run_dir: Path) -> int:
    from patchwright.app.optimize import OptimizeError, OptimizeRequest, optimize
    from patchwright.core.domain import OptimizeSpec
    from patchwright.store.config_files import load_config

    source: Path = args.path
    if not source.is_dir():
        raise OptimizeError(f"not a directory: {source}")
    if run_dir.resolve().is_relative_to(source.resolve()):
        raise OptimizeError(f"the run directory must not be inside the project: {run_dir}")
    if run_dir.exists() and any(run_dir.iterdir()):
        raise OptimizeError(f"run directory is not empty: {run_dir}")
    if args.pairs < 5:
        raise OptimizeError("--pairs must be at least 5 (a rank test needs them)")
    if args.min_speedup <= 0:
        raise OptimizeError("--min-speedup must be positive")
    files: tuple[str, ...] = ()
    if args.workload_file is not None:
        rel = args.workload_file
        if not (source / rel).is_file():
            raise OptimizeError(f"no such workload file in the project: {rel}")
        workload, files = f"python {rel.as_posix()}", (rel.as_posix(),)
    else:
        workload = args.workload or ""
    if args.target:
        module = args.target.partition(":")[0].strip().replace(".", "/")
        files = tuple(p for p in (f"{module}.py", f"src/{module}.py", f"{module}/__init__.py")
                      if (source / p).is_file())  # fmt: skip
    spec = OptimizeSpec(workload=workload, target=args.target or "", min_speedup=args.min_speedup)
    config = load_config(args.config, overrides)
    names = args.proposers or "perf_rewrites,ruff_perf"  # --proposers of the config options
    proposers = tuple(p.strip() for p in names.split(",") if p.strip())
    _log(f"run directory: {run_dir}")
    request = OptimizeRequest(source=source, run_dir=run_dir, spec=spec, config=config,
                              workload_files=files, pairs=args.pairs, aa_pairs=args.pairs,
                              proposers=proposers, validate=not args.no_validate,
                              max_candidates=args.max_evals or 40)  # fmt: skip
    outcome = optimize(request, _log)
    result = outcome.result
    if outcome.patch is None:
        _log(f"no faster patch ({result.status}): {result.message}; {result.evaluations} "
             f"candidates in {result.seconds:.1f}s (report: {run_dir / 'optimize.json'})")
        return EXIT_NOT_FOUND
    sys.stdout.write(outcome.patch.diff)
    sys.stdout.flush()
    _log(f"faster by {outcome.speedup:.2f}x (CPU, median of {args.pairs} interleaved pairs"
         f"{', validated in a fresh workspace' if result.validated else ''}) after "
         f"{result.evaluations} candidates in {result.seconds:.1f}s "
         f"(report: {run_dir / 'optimize.json'})")
    return EXIT_FOUND
