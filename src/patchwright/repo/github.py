"""The GitHub adapter (the only importer of PyGithub): what the PR bot reads from and
posts to a pull request. Errors come back as :class:`GitHubError`, one line, with
``forbidden`` set for a token that may not write (a fork's read-only token)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from github import Auth, Github, GithubException

from patchwright.core.errors import PatchwrightError

DEFAULT_API = "https://api.github.com"


class GitHubError(PatchwrightError):
    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status

    @property
    def forbidden(self) -> bool:
        return self.status in (401, 403, 404)


@dataclass(frozen=True)
class PullInfo:
    number: int
    head_sha: str
    head_repo: str
    base_repo: str
    head_ref: str
    files: dict[str, str]
    """Path (the new name) -> the file's diff in the pull request (``patch``; empty for a
    binary or too large one)."""

    @property
    def is_fork(self) -> bool:
        return self.head_repo != self.base_repo


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str


def _fail(exc: GithubException, what: str) -> GitHubError:
    data: Any = exc.data
    said = data.get("message", "") if isinstance(data, dict) else str(data or "")
    return GitHubError(f"GitHub {what}: HTTP {exc.status} {said}".strip()[:300], exc.status)


class GitHubClient:
    """One repository of one GitHub (or GitHub Enterprise: ``https://HOST/api/v3``)."""

    def __init__(self, repo: str, token: str, base_url: str = DEFAULT_API, *,
                 pacing: float = 0.25, timeout: int = 30) -> None:  # fmt: skip
        self._gh = Github(auth=Auth.Token(token) if token else None, base_url=base_url.rstrip("/"),
                          timeout=timeout, retry=2, seconds_between_requests=pacing,
                          seconds_between_writes=pacing * 4, lazy=True)  # fmt: skip
        self._repo = self._gh.get_repo(repo)
        self._pulls: dict[int, Any] = {}
        self._comments: dict[int, Any] = {}

    def close(self) -> None:
        self._gh.close()

    def _pull(self, number: int) -> Any:
        if number not in self._pulls:
            try:
                self._pulls[number] = self._repo.get_pull(number)
            except GithubException as exc:
                raise _fail(exc, f"pull request #{number}") from None
        return self._pulls[number]

    def pull(self, number: int) -> PullInfo:
        pr = self._pull(number)
        try:
            files = {f.filename: f.patch or "" for f in pr.get_files()}
            head_repo = pr.head.repo.full_name if pr.head.repo is not None else ""
            return PullInfo(number, pr.head.sha, head_repo, pr.base.repo.full_name,
                            pr.head.ref, files)  # fmt: skip
        except GithubException as exc:
            raise _fail(exc, f"files of #{number}") from None

    def comments(self, number: int) -> list[Comment]:
        """The pull request's conversation comments, then its review comments."""
        pr = self._pull(number)
        try:
            issue = list(pr.get_issue_comments())
            self._comments.update((c.id, c) for c in issue)
            out = [Comment(c.id, c.body or "", c.user.login if c.user else "") for c in issue]
            out += [Comment(c.id, c.body or "", c.user.login if c.user else "")
                    for c in pr.get_review_comments()]  # fmt: skip
        except GithubException as exc:
            raise _fail(exc, f"comments of #{number}") from None
        return out

    def create_review(self, number: int, commit: str, body: str,
                      comments: Sequence[dict[str, Any]]) -> None:  # fmt: skip
        """One review (event ``COMMENT``) holding ``comments`` (path, line, side, and
        start_line/start_side for a range, body)."""
        pr = self._pull(number)
        try:
            pr.create_review(commit=self._repo.get_commit(commit), body=body, event="COMMENT",
                             comments=[dict(c) for c in comments])  # fmt: skip
        except GithubException as exc:
            raise _fail(exc, f"review on #{number}") from None

    def create_draft_pull(self, title: str, body: str, head: str, base: str) -> str:
        """Open a draft pull request of branch ``head`` into ``base``; its web address."""
        try:
            pr = self._repo.create_pull(base=base, head=head, title=title, body=body, draft=True)
        except GithubException as exc:
            raise _fail(exc, f"draft pull request from {head}") from None
        return str(pr.html_url or pr.url)

    def create_comment(self, number: int, body: str) -> None:
        try:
            self._pull(number).create_issue_comment(body)
        except GithubException as exc:
            raise _fail(exc, f"comment on #{number}") from None

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        try:
            found = self._comments.get(comment_id) or self._pull(number).get_issue_comment(
                comment_id)
            found.edit(body)
        except GithubException as exc:
            raise _fail(exc, f"comment {comment_id}") from None


__all__ = ["DEFAULT_API", "Comment", "GitHubClient", "GitHubError", "PullInfo"]
