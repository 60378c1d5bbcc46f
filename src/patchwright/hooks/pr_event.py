"""When the PR bot runs: on demand only, never on every push.

- ``issue_comment`` (created) on a pull request whose body starts with the command
  (``/patchwright``), from an OWNER, MEMBER or COLLABORATOR;
- ``pull_request`` / ``pull_request_target`` ``labeled`` with the bot's label;
- ``check_run`` / ``check_suite`` / ``workflow_run`` completed with a failure, for the pull
  requests they belong to.
Anything else (``synchronize``, ``opened``, a comment from a stranger) is no trigger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patchwright.core.errors import PatchwrightError

MEMBERS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
FAILED = frozenset({"failure", "timed_out"})


class EventError(PatchwrightError):
    pass


@dataclass(frozen=True)
class Trigger:
    repo: str
    """``owner/name`` of the base repository."""
    number: int | None
    """The pull request (None: no trigger)."""
    why: str


def load_event(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EventError(f"cannot read event file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise EventError(f"event file {path} holds no JSON object")
    return data


def guess_name(event: dict[str, Any]) -> str:
    """The event's name from its payload's shape (when $GITHUB_EVENT_NAME is not given)."""
    for key in ("check_run", "check_suite", "workflow_run"):
        if key in event:
            return key
    if "comment" in event and "issue" in event:
        return "issue_comment"
    return "pull_request" if "pull_request" in event else ""


def trigger(event: dict[str, Any], name: str, *, label: str, command: str) -> Trigger:
    repo = str((event.get("repository") or {}).get("full_name") or "")
    if not repo:
        raise EventError("the event names no repository (repository.full_name)")
    name = name or guess_name(event)
    action = event.get("action", "")
    if name == "issue_comment":
        comment, issue = event.get("comment") or {}, event.get("issue") or {}
        body = str(comment.get("body") or "").strip()
        if action != "created" or not issue.get("pull_request"):
            return Trigger(repo, None, "not a new comment on a pull request")
        if not (body == command or body.startswith(command + " ") or body.startswith(command + "\n")):
            return Trigger(repo, None, f"the comment does not start with {command}")
        if comment.get("author_association") not in MEMBERS:
            return Trigger(repo, None, f"{command} from a non-member is ignored")
        return Trigger(repo, int(issue["number"]), f"{command} from {comment.get('user', {}).get('login', '?')}")
    if name in ("pull_request", "pull_request_target"):
        pr = event.get("pull_request") or {}
        got = (event.get("label") or {}).get("name")
        if action == "labeled" and got == label:
            return Trigger(repo, int(pr["number"]), f"label {label}")
        return Trigger(repo, None, f"pull_request {action or '?'} is no trigger (label {label} "
                       f"or {command} runs the bot)")  # fmt: skip
    if name in ("check_run", "check_suite", "workflow_run"):
        run = event.get(name) or {}
        prs = run.get("pull_requests") or []
        if action != "completed" or run.get("conclusion") not in FAILED:
            return Trigger(repo, None, f"{name} did not fail")
        if not prs:
            return Trigger(repo, None, f"the failing {name} belongs to no pull request")
        return Trigger(repo, int(prs[0]["number"]), f"failing {name} {run.get('name', '')}".strip())
    return Trigger(repo, None, f"event {name or '?'} is no trigger")
