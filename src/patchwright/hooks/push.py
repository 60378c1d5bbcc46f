"""``patchwright hook pre-push`` (pre-commit stages pre-push and manual): run the selected
tests; when some fail, search for a patch within a small budget and print the validated
diff (standard output, and ``--patch-file FILE``). Never commits; the tree and the index
are left as they were unless ``--apply``.

Exit codes: 0 the tests pass; 1 some fail (with a patch printed when one was found, so
that the push stops and the user can apply it); 2 bad input."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_PASS, EXIT_FAIL = 0, 1
HOOK_DEFAULTS = ("search.max_evals=40", "search.max_seconds=180")
"""A hook's budget unless ``--max-evals`` / ``--max-seconds`` / ``--set`` say otherwise."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_pre_push(args: argparse.Namespace, overrides: Callable[[argparse.Namespace], list[str]]) -> int:
    from patchwright.app.paths import resolve_paths
    from patchwright.app.session import RunRequest, apply_patch, run
    from patchwright.console.progress import ProgressReporter
    from patchwright.core.errors import RepairError
    from patchwright.repo.git import work_root
    from patchwright.store.config_files import load_config

    start = Path(args.path or ".")
    if not start.is_dir():
        raise RepairError(f"not a directory: {start}")
    root = work_root(start) or start
    extra = [f"budget.max_dollars={args.max_dollars}"] if args.max_dollars is not None else []
    for key in ("python", "venv"):
        if getattr(args, key, None):
            extra.append(f"sandbox.{key}={json.dumps(str(Path(getattr(args, key)).absolute()))}")
    config = load_config(args.config, [*HOOK_DEFAULTS, *extra, *overrides(args)])
    run_dir = args.out or resolve_paths().new_run_dir(root)
    _log(f"patchwright pre-push: run directory {run_dir}")
    request = RunRequest(source=root, run_dir=run_dir, config=config, tests=args.test)
    try:
        with ProgressReporter(quiet=args.quiet) as reporter:
            result, patch, snap = run(request, observer=reporter)
    except RepairError as exc:
        if "already pass" in str(exc):
            _log("patchwright pre-push: the selected tests pass")
            return EXIT_PASS
        raise
    if patch is None:
        _log(f"patchwright pre-push: tests fail; no validated patch ({result.status}): "
             f"{result.message}; {result.evaluations} evaluations in {result.seconds:.1f}s")
        return EXIT_FAIL
    sys.stdout.write(patch.diff)
    sys.stdout.flush()
    if args.patch_file:
        Path(args.patch_file).write_text(patch.diff, encoding="utf-8")
    where = f" (also in {args.patch_file})" if args.patch_file else ""
    how = "" if args.apply else "; apply it with `git apply` (nothing was changed or committed)"
    _log(f"patchwright pre-push: tests fail; validated patch after {result.evaluations} "
         f"evaluations in {result.seconds:.1f}s{where}{how}")
    if args.apply and snap is not None:
        written = apply_patch(snap, patch)
        _log(f"patchwright pre-push: applied to {', '.join(written)} (not staged)")
    return EXIT_FAIL
