"""Posting a validated patch through the real GitHub adapter (PyGithub) to the fake
GitHub server: batches of at most 30 comments a review, changes off the diff in the one
sticky summary, a re-post sends nothing, a new patch edits the summary in place."""

from fakes.github_server import FakeGitHub
from patchwright.core.diff import make_patch
from patchwright.core.domain import RunResult
from patchwright.hooks.pr_bot import MAX_COMMENTS, SUMMARY_MARK, post
from patchwright.repo.github import GitHubClient

HEAD = "a" * 40
OLD = "".join(f"v{i} = {i}\n" for i in range(1, 201))
NEW = "".join(f"v{i} = {i + 1 if i % 3 == 0 else i}\n" for i in range(1, 201))
ADDED = "@@ -0,0 +1,200 @@\n" + "".join(f"+v{i} = {i}\n" for i in range(1, 201))
OTHER_OLD = "x = 1\ny = 2\n"


def _result() -> RunResult:
    return RunResult(task_id="t", status="plausible", evaluations=3, seconds=12.0)


def test_batches_summary_and_a_quiet_rerun():
    patch = make_patch({"big.py": OLD, "other.py": OTHER_OLD},
                       {"big.py": NEW, "other.py": "x = 1\ny = 3\n"})  # fmt: skip
    logs: list[str] = []
    with FakeGitHub("acme/big") as gh:
        gh.add_pull(5, head_sha=HEAD, files={"big.py": ADDED})
        client = GitHubClient("acme/big", "t", gh.api_url, pacing=0)
        out = post(client, 5, HEAD, _result(), patch, gh.pulls[5].files, logs.append)
        reviews = [r.body for r in gh.writes() if r.path.endswith("/reviews")]
        assert [len(r["comments"]) for r in reviews] == [MAX_COMMENTS, MAX_COMMENTS, 6]
        assert out.reviews == 3 and out.comments == 66 and out.summary == "created"
        (summary,) = [r.body["body"] for r in gh.writes() if r.path.endswith("/issues/5/comments")]
        assert summary.startswith(SUMMARY_MARK) and "other.py" in summary
        assert "+y = 3" in summary  # the full patch, off-diff change included

        count = len(gh.writes())
        again = post(client, 5, HEAD, _result(), patch, gh.pulls[5].files, logs.append)
        assert gh.writes()[count:] == [] and again.skipped == 66 and again.summary == "unchanged"

        newer = make_patch({"other.py": OTHER_OLD}, {"other.py": "x = 0\ny = 2\n"})
        third = post(client, 5, HEAD, _result(), newer, gh.pulls[5].files, logs.append)
        assert third.summary == "updated" and third.reviews == 0
        (edit,) = [r for r in gh.writes()[count:] if r.method == "PATCH"]
        assert "+x = 0" in edit.body["body"] and len(gh.issue_comments) == 1
        client.close()
