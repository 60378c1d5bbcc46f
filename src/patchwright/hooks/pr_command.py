"""``patchwright hook pr --event EVENT.json``: the PR bot's entry point (the composite
action in action.yml runs it). The token comes from ``$PATCHWRIGHT_GITHUB_TOKEN`` or
``$GITHUB_TOKEN``, the API from ``--api-url`` or ``$GITHUB_API_URL`` (GitHub Enterprise).

Exit codes: 0 not triggered, nothing to repair, or the patch was posted (or annotated);
1 no validated patch within the budget; 2 bad input (one line)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from patchwright.core.errors import PatchwrightError


class BotError(PatchwrightError):
    pass


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_pr(args: argparse.Namespace, overrides: Callable[[argparse.Namespace], list[str]]) -> int:
    from patchwright.hooks.pr_event import load_event, trigger

    event = load_event(args.event)
    name = args.event_name or os.environ.get("GITHUB_EVENT_NAME", "")
    trig = trigger(event, name, label=args.label, command=args.trigger_command)
    if trig.number is None:
        _log(f"pr bot: not triggered: {trig.why}")
        return 0
    _log(f"pr bot: #{trig.number} of {trig.repo} ({trig.why})")
    token = os.environ.get("PATCHWRIGHT_GITHUB_TOKEN") or os.environ.get("GITHUB_TOKEN") or ""
    if not token:
        raise BotError("no GitHub token: set GITHUB_TOKEN (the action passes github.token)")
    from patchwright.repo.github import DEFAULT_API, GitHubClient

    api = args.api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API
    client = GitHubClient(trig.repo, token, api, pacing=args.api_pacing)
    try:
        return _run(args, overrides, client, trig.number)
    finally:
        client.close()


def _run(args: argparse.Namespace, overrides: Callable[[argparse.Namespace], list[str]],
         client: object, number: int) -> int:  # fmt: skip
    from patchwright.app.paths import resolve_paths
    from patchwright.app.session import RunRequest, run
    from patchwright.console.progress import ProgressReporter
    from patchwright.core.errors import RepairError
    from patchwright.hooks.pr_bot import fallback, post
    from patchwright.hooks.push import HOOK_DEFAULTS
    from patchwright.repo.git import head_commit, work_root
    from patchwright.repo.github import GitHubClient, GitHubError
    from patchwright.store.config_files import load_config

    assert isinstance(client, GitHubClient)
    info = client.pull(number)
    root = work_root(args.repo_dir) if args.repo_dir.is_dir() else None
    if root is None:
        raise BotError(f"not a git checkout: {args.repo_dir}")
    head = head_commit(root)
    if head != info.head_sha:
        raise BotError(f"the checkout is at {head[:12]}, the pull request's head is "
                       f"{info.head_sha[:12]} (check out the head first)")  # fmt: skip
    extra = [f"budget.max_dollars={args.max_dollars}"] if args.max_dollars is not None else []
    config = load_config(args.config, [*HOOK_DEFAULTS, *extra, *overrides(args)])
    run_dir = args.out or resolve_paths().new_run_dir(root)
    _log(f"pr bot: run directory {run_dir}")
    try:
        with ProgressReporter(quiet=args.quiet) as reporter:
            result, patch, _ = run(RunRequest(source=root, run_dir=run_dir, config=config),
                                   observer=reporter)  # fmt: skip
    except RepairError as exc:
        if "already pass" in str(exc):
            _log("pr bot: the tests pass on the pull request's head; nothing to repair")
            return 0
        raise
    if patch is None:
        _log(f"pr bot: no validated patch ({result.status}): {result.message}; "
             f"{result.evaluations} evaluations in {result.seconds:.1f}s; nothing posted")
        return 1
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    summary_file = Path(summary) if summary else None
    emit = lambda line: print(line, flush=True)  # noqa: E731  (workflow commands: stdout)
    if info.is_fork:
        _log(f"pr bot: #{number} comes from the fork {info.head_repo} (read-only token): "
             "annotations and the job summary instead of a review")
        fallback(result, patch, summary_file, emit)
        return 0
    try:
        posting = post(client, number, info.head_sha, result, patch, info.files, _log)
    except GitHubError as exc:
        if not exc.forbidden:
            raise
        _log(f"pr bot: {exc}; annotations and the job summary instead")
        fallback(result, patch, summary_file, emit)
        return 0
    if args.draft_pr and posting.summary != "unchanged":  # a patch not offered before
        _draft(client, root, number, info.head_ref, patch)
    return 0


def _draft(client: object, root: Path, number: int, base: str, patch: object) -> None:
    from patchwright.core.domain import Patch
    from patchwright.repo.git import commit_patch, push_commit
    from patchwright.repo.github import GitHubClient

    assert isinstance(client, GitHubClient) and isinstance(patch, Patch)
    branch = f"patchwright/pr-{number}-{patch.hash[:8]}"
    commit = commit_patch(root, patch.diff, f"Patchwright: validated fix for #{number}")
    push_commit(root, commit, branch)
    url = client.create_draft_pull(f"Patchwright: validated fix for #{number}",
                                   f"The patch from #{number}'s summary comment, validated by "
                                   "its tests. Merge into the pull request's branch if it "
                                   "suits.", branch, base)  # fmt: skip
    _log(f"pr bot: pushed {branch} and opened the draft {url}")
