"""The ``patchwright hook`` subcommand: ``hook pre-commit [--fix] [FILE ...]``,
``hook pre-push [PATH]`` and ``hook pr --event EVENT.json``. cli.py only wires the
parser and the handler (kept here, as console/migrate.py does for ``migrate``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

Overrides = Callable[[argparse.Namespace], list[str]]


def add_parser(sub: argparse._SubParsersAction, config_args: Callable[[argparse.ArgumentParser], None]) -> None:  # type: ignore[type-arg]
    hp = sub.add_parser("hook", help="git hooks and the PR bot: hook pre-commit|pre-push|pr")
    hsub = hp.add_subparsers(dest="hook_command", metavar="HOOK", parser_class=type(hp))
    hsub.required = True
    hp.set_defaults(hook_handler=cmd_hook)
    pc = hsub.add_parser(
        "pre-commit", help="LLM-free check of the staged files: removed/deprecated APIs of "
        "the installed library versions (exit 1 on findings or when --fix changed files)",
    )  # fmt: skip
    pc.add_argument("files", nargs="*", help="files to check (default: the staged files, "
                    "read from the index)")  # fmt: skip
    pc.add_argument("--fix", action="store_true", help="apply the codemods to the files")
    pc.add_argument("--checks", metavar="NAMES", help="comma-separated checks (default: all)")
    pc.add_argument("--rules", action="append", default=[], type=Path, metavar="FILE",
                    help="an extra rules file (from `patchwright migrate mine`); repeatable")
    env = pc.add_mutually_exclusive_group()
    env.add_argument("--python", metavar="PATH", help="interpreter of the project's environment")
    env.add_argument("--venv", metavar="DIR", help="the project's virtual environment")
    pc.add_argument("-q", "--quiet", action="store_true", help="findings only, no summary")

    pp = hsub.add_parser(
        "pre-push", help="run the tests; when some fail, print a validated patch (never "
        "commits; the tree is untouched unless --apply)",
    )  # fmt: skip
    pp.add_argument("path", nargs="?", help="project (default: the current git work tree)")
    pp.add_argument("--test", action="append", default=[], metavar="TEST_ID",
                    help="the tests to run and repair (default: all)")
    penv = pp.add_mutually_exclusive_group()
    penv.add_argument("--python", metavar="PATH", help="interpreter the tests run with")
    penv.add_argument("--venv", metavar="DIR", help="virtual environment the tests run in")
    _budget_args(pp)
    pp.add_argument("--patch-file", type=Path, metavar="FILE", help="also write the patch here")
    pp.add_argument("--apply", action="store_true", help="write the patch into the tree")
    pp.add_argument("--out", type=Path, metavar="RUN_DIR", help="run directory")
    pp.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    config_args(pp)

    pr = hsub.add_parser("pr", help="PR bot: reproduce a pull request's failure, search, "
                         "validate, post the patch as one review (on demand only)")  # fmt: skip
    pr.add_argument("--event", type=Path, required=True, metavar="FILE",
                    help="the GitHub event payload ($GITHUB_EVENT_PATH)")
    pr.add_argument("--event-name", metavar="NAME", help="the event's name ($GITHUB_EVENT_NAME)")
    pr.add_argument("--repo-dir", type=Path, default=Path("."), metavar="DIR",
                    help="checkout of the pull request's head (default: .)")
    pr.add_argument("--label", default="patchwright", help="label that triggers the bot")
    pr.add_argument("--command", dest="trigger_command", default="/patchwright",
                    help="comment that triggers the bot")
    pr.add_argument("--api-url", metavar="URL", help="GitHub API base URL (Enterprise: "
                    "https://HOST/api/v3; default $GITHUB_API_URL or api.github.com)")
    pr.add_argument("--draft-pr", action="store_true", help="also push the patch to a new "
                    "branch patchwright/pr-N-HASH and open a draft pull request into the head")
    pr.add_argument("--api-pacing", type=float, default=0.25, metavar="S",
                    help="seconds between API requests (writes: 4x)")
    _budget_args(pr)
    pr.add_argument("--out", type=Path, metavar="RUN_DIR", help="run directory")
    pr.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    config_args(pr)


def _budget_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-dollars", type=float, metavar="D",
                   help="dollar cap of the optional model (budget.max_dollars)")


def cmd_hook(args: argparse.Namespace, overrides: Overrides) -> int:
    if args.hook_command == "pre-commit":
        return _pre_commit(args)
    if args.hook_command == "pre-push":
        from patchwright.hooks.push import cmd_pre_push

        return cmd_pre_push(args, overrides)
    from patchwright.hooks.pr_command import cmd_pr

    return cmd_pr(args, overrides)


def _pre_commit(args: argparse.Namespace) -> int:
    from patchwright.app.paths import resolve_paths
    from patchwright.envs.project import project_python
    from patchwright.envs.spec import EnvError
    from patchwright.hooks.check import (
        CheckError,
        build_checks,
        run_checks,
        work_tree_reader,
        work_tree_writer,
    )
    from patchwright.hooks.findings import CheckContext
    from patchwright.repo.git import index_texts, staged_paths, work_root

    root = work_root(Path.cwd())
    if root is None:
        raise CheckError("not inside a git work tree")
    try:
        env = project_python(root, args.python or "", args.venv or "")
    except EnvError as exc:
        raise CheckError(str(exc)) from None
    home = resolve_paths().home
    ctx = CheckContext(root=root, python=env.python if env else None, cache=home / "cache" / "check",
                       rules_dirs=(home / "rules",), rules_files=tuple(args.rules))  # fmt: skip
    wanted = [n.strip() for n in (args.checks or "").split(",") if n.strip()]
    checks = build_checks(ctx, wanted)
    if args.files:
        here, top = Path.cwd().resolve(), root.resolve()
        paths = []
        for f in args.files:
            full = (here / f).resolve()
            if not full.is_relative_to(top):
                raise CheckError(f"{f} is outside the work tree {root}")
            paths.append(full.relative_to(top).as_posix())
        read = work_tree_reader(root)
    else:
        paths = staged_paths(root)
        staged = index_texts(root, [p for p in paths if p.endswith((".py", ".pyi"))])
        read = staged.get
    write = work_tree_writer(root) if args.fix else None
    if args.fix and not args.files:
        write = _staged_writer(root, read)
    report = run_checks(paths, checks, read, fix=args.fix, write=write)
    for note in ctx.log + [f"check: skipped {s}" for s in report.skipped]:
        print(note, file=sys.stderr)
    for f in report.findings:
        print(f.line_text())
    for path, n in report.fixed.items():
        print(f"fixed {path}: {n} site{'s' * (n != 1)} rewritten (review and stage it)")
    if not args.quiet:
        print(f"patchwright check: {report.checked} files, {len(report.findings)} findings, "
              f"{len(report.fixed)} files fixed", file=sys.stderr)  # fmt: skip
    return 1 if report.findings or report.fixed else 0


def _staged_writer(root: Path, staged: Callable[[str], str | None]) -> Callable[[str, str], None]:
    """``--fix`` on index content: a work-tree file is only written when it still equals
    what is staged (else the user's unstaged edits would be lost; it is reported instead)."""
    from patchwright.hooks.check import CheckError, work_tree_reader, work_tree_writer

    here, write = work_tree_reader(root), work_tree_writer(root)

    def guarded(path: str, text: str) -> None:
        if here(path) != staged(path):
            raise CheckError(f"{path} has unstaged changes; stage or stash them before --fix")
        write(path, text)

    return guarded
