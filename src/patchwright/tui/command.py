"""The ``patchwright tui`` subcommand; cli.py only wires the parser and calls :func:`run_tui`.
Textual is imported only when the TUI starts (the ``[tui]`` extra)."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from patchwright.core.errors import PatchwrightError
from patchwright.tui.launch import LaunchSpec

if TYPE_CHECKING:
    from patchwright.tui.app import PatchwrightTui


class TuiError(PatchwrightError):
    pass


def add_parser(sub: argparse._SubParsersAction, config_args) -> None:  # type: ignore[type-arg,no-untyped-def]
    tp = sub.add_parser(
        "tui", help="terminal UI: set up a run, watch its search live, approve its patch",
        description="patchwright tui [PATH]: set up and start a run on a project;  "
        "patchwright tui RUN_DIR: open a running, finished or killed run (R resumes it)",
    )  # fmt: skip
    tp.add_argument("path", type=Path, nargs="?", default=None,
                    help="project directory (default: .), or a run directory to open")  # fmt: skip
    tp.add_argument("--out", type=Path, metavar="RUN_DIR", help="run directory of a new run")
    tp.add_argument("--test", action="append", default=[], metavar="TEST_ID",
                    help="failing test to fix, ticked in advance (repeatable)")  # fmt: skip
    tp.add_argument("--to", default="", metavar="LIB==VERSION", help="migrate: the target")
    tp.add_argument("--target", default="", metavar="MODULE:FUNCTION",
                    help="optimize: the function to speed up")  # fmt: skip
    tp.add_argument("--start", action="store_true",
                    help="start at once with these options (no set-up screen)")  # fmt: skip
    config_args(tp)
    tp.set_defaults(run_tui=run_tui)


def _spec(args: argparse.Namespace, path: Path) -> LaunchSpec:
    """The options given; a default run directory is made only after they are checked."""
    if args.out is not None and args.out.resolve().is_relative_to(path.resolve()):
        raise TuiError(f"the run directory must not be inside the project: {args.out}")
    return LaunchSpec(
        path=path, run_dir=args.out or path, kind="migrate" if args.to else ("optimize" if args.target else "repair"),
        tests=args.test, target=args.to or args.target, model=args.model or "", strategy=args.strategy or "",
        max_evals=args.max_evals, max_seconds=args.max_seconds, configs=args.config,
        sets=list(args.set),
    )  # fmt: skip


def _app_class() -> type[PatchwrightTui]:
    try:
        from patchwright.tui.app import PatchwrightTui
    except ImportError as exc:
        raise TuiError(f"the TUI needs textual ({exc.name} missing): pip install 'patchwright[tui]'") from None
    return PatchwrightTui


def open_run(run_dir: Path) -> int:
    """``inspect RUN_DIR --tui``: the run screen on a run directory."""
    from patchwright.tui.follow import is_run_dir

    if not Path(run_dir).is_dir() or not is_run_dir(run_dir):
        raise TuiError(f"not a run directory: {run_dir}")
    _app_class()(run_dir=Path(run_dir)).run()
    return 0


def run_tui(args: argparse.Namespace) -> int:
    from patchwright.tui.follow import is_run_dir

    path: Path = args.path if args.path is not None else Path(".")
    if not path.exists():
        raise TuiError(f"path does not exist: {path}")
    if not path.is_dir():
        raise TuiError(f"not a directory: {path}")
    tui = _app_class()
    if is_run_dir(path):
        app = tui(run_dir=path)
    else:
        spec = _spec(args, path)
        if args.start:
            spec.check()
            if args.out is not None and args.out.exists() and any(args.out.iterdir()):
                raise TuiError(f"run directory is not empty (open it with: patchwright tui "
                               f"{args.out}): {args.out}")  # fmt: skip
        if args.out is None:
            from patchwright.app.paths import resolve_paths

            spec.run_dir = resolve_paths().new_run_dir(path)
        app = tui(spec=spec, start=args.start)
    try:
        app.run()
    finally:
        if not is_run_dir(path) and args.out is None:
            with contextlib.suppress(OSError):  # made for a run never started: not kept
                spec.run_dir.rmdir()
    return 0
