"""The PR bot's run: reproduce the failure on the pull request's head (the checkout),
search and validate through the repair pipeline (app.session), then post the validated
patch: one batched review of ``suggestion`` blocks on diff lines (at most 30 comments a
request), everything in one sticky summary comment (the full patch; updated in place),
hidden fingerprints so that a re-run posts nothing it posted before. A fork's pull request
(read-only token) gets workflow annotations and the job summary instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from patchwright.core.domain import Patch, RunResult
from patchwright.hooks.suggestions import FP_MARK, Change, changes, posted, split

SUMMARY_MARK = "<!-- patchwright:summary -->"
PATCH_MARK = "<!-- patchwright:patch:{} -->"
MAX_COMMENTS = 30
"""Review comments in one "create a review" request."""


class PullApi(Protocol):
    """What the bot needs of GitHub (repo/github.py's GitHubClient)."""

    def comments(self, number: int) -> Sequence[object]: ...
    def create_review(self, number: int, commit: str, body: str,
                      comments: Sequence[dict[str, object]]) -> None: ...  # fmt: skip
    def create_comment(self, number: int, body: str) -> None: ...
    def edit_comment(self, number: int, comment_id: int, body: str) -> None: ...


@dataclass
class Posting:
    reviews: int = 0
    comments: int = 0
    """Suggestion comments posted (in the reviews)."""
    skipped: int = 0
    """Suggestions posted by an earlier run (same fingerprint)."""
    summary: str = "unchanged"
    """created, updated, unchanged, or annotations (the fallback)."""
    annotations: list[str] = field(default_factory=list)


def summary_body(result: RunResult, patch: Patch, on: list[Change], off: list[Change],
                 whole: list[str]) -> str:  # fmt: skip
    lines = [SUMMARY_MARK, PATCH_MARK.format(patch.hash), "### Patchwright: a validated patch", "",
             f"The failing tests pass with this patch and the suite still passes "
             f"({result.evaluations} evaluations, {result.seconds:.0f} s)."]  # fmt: skip
    if on:
        lines.append(f"{len(on)} suggestion{'s' * (len(on) != 1)} on the diff are in the review.")
    if off or whole:
        where = sorted({c.path for c in off} | set(whole))
        lines.append(f"Changes outside the pull request's diff: {', '.join(where)} "
                     "(apply the patch below with `git apply`).")  # fmt: skip
    fence = "````" if "```" in patch.diff else "```"
    lines += ["", "<details><summary>Full patch</summary>", "", f"{fence}diff",
              patch.diff.rstrip("\n"), fence, "", "</details>"]  # fmt: skip
    lines += [FP_MARK.format(c.fingerprint) for c in off]
    return "\n".join(lines) + "\n"


def post(api: PullApi, number: int, head: str, result: RunResult, patch: Patch,
         pr_files: dict[str, str], log: Callable[[str], None]) -> Posting:  # fmt: skip
    found, whole = changes(patch.diff)
    on, off = split(found, pr_files)
    existing = list(api.comments(number))
    done = posted([getattr(c, "body", "") for c in existing])
    out = Posting()
    fresh = [c for c in on if c.fingerprint not in done]
    out.skipped = len(on) - len(fresh)
    for i in range(0, len(fresh), MAX_COMMENTS):
        batch = fresh[i : i + MAX_COMMENTS]
        api.create_review(number, head, "Patchwright: test-validated suggestions "
                          f"({i + 1}-{i + len(batch)} of {len(fresh)}).", [c.comment() for c in batch])  # fmt: skip
        out.reviews += 1
        out.comments += len(batch)
    body = summary_body(result, patch, on, off, whole)
    sticky = next((c for c in existing if SUMMARY_MARK in getattr(c, "body", "")), None)
    if sticky is None:
        api.create_comment(number, body)
        out.summary = "created"
    elif PATCH_MARK.format(patch.hash) not in getattr(sticky, "body", ""):  # a new patch
        api.edit_comment(number, int(getattr(sticky, "id", 0)), body)
        out.summary = "updated"
    log(f"pr bot: {out.comments} suggestions in {out.reviews} reviews, {out.skipped} already "
        f"posted, summary {out.summary}")
    return out


def workflow_annotations(patch: Patch) -> list[str]:
    """GitHub workflow commands that show each change on the files view of the run."""
    found, whole = changes(patch.diff)
    out = []
    for c in found:
        text = "\n".join(c.new) or "(delete these lines)"
        msg = f"Patchwright suggests:\n{text}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        out.append(f"::notice file={c.path},line={c.start},endLine={c.end},"
                   f"title=Patchwright (validated)::{msg}")  # fmt: skip
    out += [f"::notice file={p},title=Patchwright (validated)::the patch creates or deletes "
            f"{p}; see the job summary" for p in whole]  # fmt: skip
    return out


def fallback(result: RunResult, patch: Patch, summary_file: Path | None,
             emit: Callable[[str], None]) -> Posting:  # fmt: skip
    """No write access (a fork's read-only token): annotations on standard output and the
    summary in the job summary file."""
    out = Posting(summary="annotations")
    out.annotations = workflow_annotations(patch)
    for line in out.annotations:
        emit(line)
    if summary_file is not None:
        found, whole = changes(patch.diff)
        with open(summary_file, "a", encoding="utf-8") as fh:
            fh.write(summary_body(result, patch, [], found, whole))
    return out
