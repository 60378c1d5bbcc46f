"""A real HTTP server implementing the GitHub REST endpoints the PR bot uses, for tests.

Runs on 127.0.0.1 (a free port, a background thread) under an Enterprise-style prefix
(``/api/v3``). It keeps pull requests, their files (with ``patch`` texts), conversation
comments, review comments and reviews, and records every request (method, path, JSON
body). Like GitHub, it refuses (422) a review comment whose lines are not on the right
side of one hunk of the file's diff, and with ``read_only`` every write gets 403.

    with FakeGitHub("acme/proj") as gh:
        gh.add_pull(7, head_sha=sha, files={"calc.py": patch_text})
        ... run the bot with --api-url gh.api_url ...
        gh.writes()  # the POST/PATCH requests made
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/api/v3"
BOT = "github-actions[bot]"


@dataclass
class Request:
    method: str
    path: str
    body: Any


@dataclass
class Pull:
    number: int
    head_sha: str
    files: dict[str, str]
    head_repo: str
    head_ref: str = "feature"


def right_lines(patch: str) -> list[set[int]]:
    """Per hunk, the right-side line numbers of a file patch (written apart from the bot's
    own parser on purpose)."""
    out: list[set[int]] = []
    new = 0
    for line in patch.splitlines():
        m = re.match(r"@@ -\S+ \+(\d+)", line)
        if m:
            new = int(m.group(1))
            out.append(set())
        elif out and line.startswith(("+", " ")):
            out[-1].add(new)
            new += 1
    return out


@dataclass
class FakeGitHub:
    repo: str
    read_only: bool = False
    pulls: dict[int, Pull] = field(default_factory=dict)
    issue_comments: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    opened: list[dict[str, Any]] = field(default_factory=list)
    """Pull requests the bot opened (POST /pulls bodies)."""
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._next_id = 1000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _do(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                body = json.loads(raw) if raw else None
                path = self.path.split("?")[0]
                with fake._lock:
                    fake.requests.append(Request(self.command, path, body))
                    status, data = fake._route(self.command, path, body, self.headers)
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _do

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- set-up and inspection
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    def add_pull(self, number: int, head_sha: str, files: dict[str, str],
                 head_repo: str | None = None) -> None:  # fmt: skip
        self.pulls[number] = Pull(number, head_sha, files, head_repo or self.repo)

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the API
    def _url(self, rest: str) -> str:
        return f"{self.api_url}/repos/{self.repo}{rest}"

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _repo_json(self, name: str) -> dict[str, Any]:
        owner = name.split("/")[0]
        return {"full_name": name, "name": name.split("/")[1], "owner": {"login": owner},
                "url": f"{self.api_url}/repos/{name}", "fork": name != self.repo}  # fmt: skip

    def _pull_json(self, p: Pull) -> dict[str, Any]:
        return {
            "number": p.number, "id": p.number, "state": "open",
            "url": self._url(f"/pulls/{p.number}"),
            "issue_url": self._url(f"/issues/{p.number}"),
            "head": {"sha": p.head_sha, "ref": p.head_ref, "repo": self._repo_json(p.head_repo)},
            "base": {"sha": "0" * 40, "ref": "main", "repo": self._repo_json(self.repo)},
        }  # fmt: skip

    def _comment(self, body: str, kind: str, **extra: Any) -> dict[str, Any]:
        cid = self._id()
        where = "/issues/comments/" if kind == "issue" else "/pulls/comments/"
        return {"id": cid, "body": body, "user": {"login": BOT}, "url": self._url(f"{where}{cid}"),
                **extra}  # fmt: skip

    def _route(self, method: str, path: str, body: Any, headers: Any) -> tuple[int, Any]:
        base = f"{PREFIX}/repos/{self.repo}"
        if not path.startswith(base):
            return 404, {"message": "Not Found"}
        rest = path[len(base):]
        if method != "GET" and self.read_only:
            return 403, {"message": "Resource not accessible by integration"}
        if m := re.fullmatch(r"/pulls/(\d+)", rest):
            pull = self.pulls.get(int(m.group(1)))
            return (200, self._pull_json(pull)) if pull else (404, {"message": "Not Found"})
        if m := re.fullmatch(r"/pulls/(\d+)/files", rest):
            pull = self.pulls[int(m.group(1))]
            return 200, [{"filename": f, "status": "modified", "patch": p, "sha": "1" * 40}
                         for f, p in pull.files.items()]  # fmt: skip
        if m := re.fullmatch(r"/pulls/(\d+)/comments", rest):
            return 200, [c for c in self.review_comments if c["pull"] == int(m.group(1))]
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            if method == "POST":
                c = self._comment(body["body"], "issue", pull=int(m.group(1)))
                self.issue_comments.append(c)
                return 201, c
            return 200, [c for c in self.issue_comments if c["pull"] == int(m.group(1))]
        if m := re.fullmatch(r"/issues/comments/(\d+)", rest):
            found = next((c for c in self.issue_comments if c["id"] == int(m.group(1))), None)
            if found is None:
                return 404, {"message": "Not Found"}
            if method == "PATCH":
                found["body"] = body["body"]
            return 200, found
        if m := re.fullmatch(r"/commits/([0-9a-f]+)", rest):
            return 200, {"sha": m.group(1), "url": self._url(f"/commits/{m.group(1)}")}
        if rest == "/pulls" and method == "POST":
            if any(o["head"] == body["head"] for o in self.opened):
                return 422, {"message": f"A pull request already exists for {body['head']}."}
            number = 100 + len(self.opened)
            self.opened.append(body)
            return 201, {**self._pull_json(Pull(number, "2" * 40, {}, self.repo, body["head"])),
                         "draft": body.get("draft", False),
                         "html_url": f"https://github.example/{self.repo}/pull/{number}"}
        if (m := re.fullmatch(r"/pulls/(\d+)/reviews", rest)) and method == "POST":
            return self._review(self.pulls[int(m.group(1))], body)
        return 404, {"message": f"Not Found: {method} {rest}"}

    def _review(self, pull: Pull, body: dict[str, Any]) -> tuple[int, Any]:
        if body.get("commit_id") != pull.head_sha:
            return 422, {"message": "commit_id is not the pull request's head"}
        for c in body.get("comments", []):
            start, end = c.get("start_line", c["line"]), c["line"]
            hunks = right_lines(pull.files.get(c["path"], ""))
            if not any(set(range(start, end + 1)) <= h for h in hunks):
                return 422, {"message": "pull_request_review_thread.line must be part of the diff"}
        review = {"id": self._id(), "body": body.get("body", ""), "state": "COMMENTED",
                  "commit_id": body["commit_id"], "user": {"login": BOT}}  # fmt: skip
        self.reviews.append(review)
        for c in body.get("comments", []):
            self.review_comments.append(self._comment(c["body"], "review", pull=pull.number,
                                                      path=c["path"], line=c["line"]))  # fmt: skip
        return 200, review
