"""The ``patchwright migrate`` subcommand: ``migrate PATH --to LIB==V`` and
``migrate mine LIB OLD NEW``. Kept here so cli.py only wires the parser and handler."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_BAD_INPUT = 0, 1, 2


def add_parser(sub: argparse._SubParsersAction, config_args) -> None:  # type: ignore[type-arg]
    mp = sub.add_parser(
        "migrate",
        help="move a project to a new library version (or: migrate mine LIB OLD NEW)",
        description="patchwright migrate PATH --to LIB==VERSION [--rules FILE] [--out RUN_DIR]"
        "  |  patchwright migrate mine LIB OLD NEW [--out FILE]",
    )
    mp.add_argument("path", help="project directory, or 'mine'")
    mp.add_argument("extra", nargs="*", help="for mine: LIB OLD NEW")
    mp.add_argument("--to", metavar="LIB==VERSION", help="target library version")
    mp.add_argument("--rules", type=Path, metavar="FILE", help="rules file (default: shipped)")
    mp.add_argument("--out", type=Path, help="run directory (mine: rules file to write)")
    mp.add_argument(
        "--warnings", default="error::DeprecationWarning", metavar="FILTER",
        help="pytest -W filter for the target run ('' for none)",
    )
    mp.add_argument("--old-extra", action="append", default=[], metavar="REQ",
                    help="mine: extra requirement for the old environment (e.g. 'numpy<2')")
    mp.add_argument("--new-extra", action="append", default=[], metavar="REQ",
                    help="mine: extra requirement for the new environment")
    mp.add_argument("--module", help="mine: import name when it differs from LIB")
    mp.add_argument("--wheels", type=Path, metavar="DIR",
                    help="build the environments from the wheels in DIR only (offline)")
    mp.add_argument("--messages", choices=("on", "off"), default="on",
                    help="mine replacements from the removal/deprecation messages the tests "
                    "raise (default on)")
    mp.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    config_args(mp)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_migrate(args: argparse.Namespace, overrides: list[str], run_dir: Path) -> int:
    from patchwright.app.migrate import MigrateError, mine_rules

    if args.wheels is not None and not args.wheels.is_dir():
        raise MigrateError(f"not a directory: {args.wheels}")
    if args.path == "mine":
        if len(args.extra) != 3:
            raise MigrateError("usage: patchwright migrate mine LIB OLD NEW [--out FILE]")
        lib, old, new = args.extra
        text = mine_rules(lib, old, new, module=args.module, old_extra=args.old_extra,
                          new_extra=args.new_extra, out=args.out, wheels=args.wheels,
                          log=_log)  # fmt: skip
        if args.out:
            _log(f"wrote {args.out}")
        else:
            sys.stdout.write(text)
        return EXIT_FOUND
    return _migrate_project(args, overrides, run_dir)


def _migrate_project(args: argparse.Namespace, overrides: list[str], run_dir: Path) -> int:
    from patchwright.app.migrate import MigrateError, MigrateRequest, migrate
    from patchwright.console.progress import ProgressReporter
    from patchwright.store.config_files import load_config

    if args.extra or not args.to:
        raise MigrateError("usage: patchwright migrate PATH --to LIB==VERSION")
    source = Path(args.path)
    if not source.is_dir():
        raise MigrateError(f"not a directory: {source}")
    if run_dir.resolve().is_relative_to(source.resolve()):
        raise MigrateError(f"the run directory must not be inside the project: {run_dir}")
    if run_dir.exists() and any(run_dir.iterdir()):
        raise MigrateError(f"run directory is not empty: {run_dir}")
    config = load_config(args.config, overrides)
    _log(f"run directory: {run_dir}")
    request = MigrateRequest(source=source, target=args.to, run_dir=run_dir, config=config,
                             rules_path=args.rules, warnings=args.warnings, wheels=args.wheels,
                             mine_messages=args.messages == "on")  # fmt: skip
    with ProgressReporter(quiet=args.quiet) as reporter:
        outcome = migrate(request, _log, observer=reporter)
    result, patch = outcome.result, outcome.patch
    for line in outcome.changed:
        _log(f"changed {line}")
    for line in outcome.left:
        _log(f"left {line}")
    if patch is None:
        _log(f"no plausible migration ({result.status}): {result.message}; "
             f"{result.evaluations} evaluations in {result.seconds:.1f}s "
             f"(report: {run_dir / 'migration.json'})")
        return EXIT_NOT_FOUND
    sys.stdout.write(patch.diff)
    sys.stdout.flush()
    _log(f"plausible migration after {result.evaluations} evaluations in "
         f"{result.seconds:.1f}s ({len(outcome.changed)} call sites changed, "
         f"{len(outcome.left)} left; report: {run_dir / 'migration.json'})")
    return EXIT_FOUND
