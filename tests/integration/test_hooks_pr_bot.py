"""The PR bot end to end: the real CLI (`patchwright hook pr`) against a real local HTTP
server implementing the GitHub endpoints it uses (tests/fakes/github_server.py), on a real
git repository whose pull request breaks a test; real pytest runs validate the patch."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import git
from fakes.github_server import FakeGitHub, right_lines

REPO = "acme/calc"
BASE = {
    "calc.py": "def inc(x):\n    return x + 1\n\n\ndef double(x):\n    return 2 * x\n",
    "test_calc.py": "from calc import double, inc\n\n\ndef test_inc():\n    assert inc(1) == 2\n\n\n"
    "def test_double():\n    assert double(3) == 6\n",
}
PR_CALC = "def inc(x):\n    # one more than x\n    return x + 2\n\n\ndef double(x):\n    return 2 * x\n"


def _project(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository with the base commit and the pull request's head (which breaks inc);
    returns (root, head sha, the PR's patch of calc.py as GitHub gives it)."""
    root = tmp_path / "calc"
    root.mkdir()
    for rel, text in BASE.items():
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "calc.py").write_text(PR_CALC)
    git(root, "commit", "-qam", "pr: comment inc")
    head = git(root, "rev-parse", "HEAD").strip()
    diff = git(root, "diff", "HEAD~1", "HEAD", "--", "calc.py")
    return root, head, diff[diff.index("@@"):]


def _event(tmp_path: Path, name: str, payload: dict) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"repository": {"full_name": REPO}, **payload}))
    return path


def _comment_event(tmp_path: Path, body: str = "/patchwright", who: str = "MEMBER") -> Path:
    return _event(tmp_path, "comment", {
        "action": "created",
        "issue": {"number": 7, "pull_request": {"url": "x"}},
        "comment": {"body": body, "author_association": who, "user": {"login": "maintainer"}},
    })


def _bot(tmp_path: Path, event: Path, api: str, root: Path, *extra: str,
         event_name: str = "issue_comment") -> subprocess.CompletedProcess:
    env = dict(os.environ, PATCHWRIGHT_HOME=str(tmp_path / "home"), GITHUB_TOKEN="t0ken",
               GITHUB_STEP_SUMMARY=str(tmp_path / "step-summary.md"))
    env.pop("GITHUB_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "hook", "pr", "--event", str(event),
         "--event-name", event_name, "--repo-dir", str(root), "--api-url", api,
         "--api-pacing", "0", "-q", *extra],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path,
    )


def _status(root: Path) -> tuple[str, str]:
    return git(root, "status", "--porcelain"), (root / "calc.py").read_text()


def test_bot_posts_one_review_then_nothing_new_on_a_rerun(tmp_path):
    root, head, patch = _project(tmp_path)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(root, "remote", "add", "origin", str(origin))
    before = _status(root), git(root, "rev-parse", "HEAD"), git(root, "branch", "--list")
    with FakeGitHub(REPO) as gh:
        gh.add_pull(7, head_sha=head, files={"calc.py": patch})
        first = _bot(tmp_path, _comment_event(tmp_path), gh.api_url, root, "--draft-pr")
        assert first.returncode == 0, first.stderr
        reviews = [r for r in gh.writes() if r.path.endswith("/pulls/7/reviews")]
        assert len(reviews) == 1
        payload = reviews[0].body
        assert payload["event"] == "COMMENT" and payload["commit_id"] == head
        assert 1 <= len(payload["comments"]) <= 30
        hunks = right_lines(patch)
        for c in payload["comments"]:
            assert c["path"] == "calc.py" and c["side"] == "RIGHT"
            lines = set(range(c.get("start_line", c["line"]), c["line"] + 1))
            assert any(lines <= h for h in hunks), (c, hunks)
            assert "```suggestion\n" in c["body"] and "<!-- patchwright:fp:" in c["body"]
        fixed = [c for c in payload["comments"] if "return x + 1" in c["body"]]
        assert fixed and fixed[0]["line"] == 3  # the line the PR broke, head-side numbering
        summaries = [r for r in gh.writes() if r.path.endswith("/issues/7/comments")]
        assert len(summaries) == 1 and "<!-- patchwright:summary -->" in summaries[0].body["body"]
        assert "```diff\n" in summaries[0].body["body"]
        # --draft-pr: the patch on a new branch of origin, a draft pull request into the head
        (opened,) = gh.opened
        assert opened["draft"] is True and opened["base"] == "feature"
        branch = opened["head"]
        assert branch.startswith("patchwright/pr-7-")
        assert git(origin, "rev-parse", f"{branch}~1").strip() == head
        assert "return x + 1" in git(origin, "show", f"{branch}:calc.py")
        assert (_status(root), git(root, "rev-parse", "HEAD"), git(root, "branch", "--list")) == before

        count = len(gh.writes())
        second = _bot(tmp_path, _comment_event(tmp_path), gh.api_url, root, "--draft-pr")
        assert second.returncode == 0, second.stderr
        assert gh.writes()[count:] == []  # same suggestions, same summary: nothing posted
        assert "already posted" in second.stderr


def test_fork_pull_request_gets_annotations_and_the_job_summary(tmp_path):
    root, head, patch = _project(tmp_path)
    with FakeGitHub(REPO) as gh:
        gh.add_pull(7, head_sha=head, files={"calc.py": patch}, head_repo="stranger/calc")
        res = _bot(tmp_path, _comment_event(tmp_path), gh.api_url, root)
        assert res.returncode == 0, res.stderr
        assert gh.writes() == []
    assert "::notice file=calc.py,line=3,endLine=3," in res.stdout
    summary = (tmp_path / "step-summary.md").read_text()
    assert "<!-- patchwright:summary -->" in summary and "+    return x + 1" in summary


def test_a_read_only_token_falls_back_to_annotations(tmp_path):
    root, head, patch = _project(tmp_path)
    with FakeGitHub(REPO, read_only=True) as gh:
        gh.add_pull(7, head_sha=head, files={"calc.py": patch})
        res = _bot(tmp_path, _comment_event(tmp_path), gh.api_url, root)
        assert res.returncode == 0, res.stderr
        assert [r.method for r in gh.writes()] == ["POST"]  # the refused review, then no more
    assert "HTTP 403" in res.stderr and "::notice file=calc.py" in res.stdout


def test_the_budget_stops_the_bot_before_anything_is_posted(tmp_path):
    root, head, patch = _project(tmp_path)
    with FakeGitHub(REPO) as gh:
        gh.add_pull(7, head_sha=head, files={"calc.py": patch})
        res = _bot(tmp_path, _comment_event(tmp_path), gh.api_url, root, "--max-seconds", "0.5")
        assert res.returncode == 1, res.stderr
        assert "budget_exhausted" in res.stderr and "nothing posted" in res.stderr
        assert gh.writes() == []


def test_no_trigger_no_request(tmp_path):
    root, _, _ = _project(tmp_path)
    with FakeGitHub(REPO) as gh:
        push = _event(tmp_path, "sync", {"action": "synchronize", "pull_request": {"number": 7}})
        res = _bot(tmp_path, push, gh.api_url, root, event_name="pull_request")
        assert res.returncode == 0 and "not triggered" in res.stderr
        stranger = _bot(tmp_path, _comment_event(tmp_path, who="NONE"), gh.api_url, root)
        assert stranger.returncode == 0 and "non-member" in stranger.stderr
        assert gh.requests == []
