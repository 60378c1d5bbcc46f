"""The PR bot runs on demand only: which events trigger it."""

import pytest

from patchwright.hooks.pr_event import EventError, trigger

REPO = {"repository": {"full_name": "acme/calc"}}


def _t(event: dict, name: str):
    return trigger({**REPO, **event}, name, label="patchwright", command="/patchwright")


def _comment(body: str, who: str = "MEMBER", action: str = "created", pr: bool = True) -> dict:
    issue = {"number": 7, **({"pull_request": {"url": "u"}} if pr else {})}
    return {"action": action, "issue": issue,
            "comment": {"body": body, "author_association": who, "user": {"login": "m"}}}


@pytest.mark.parametrize("who", ["OWNER", "MEMBER", "COLLABORATOR"])
def test_a_member_comment_triggers(who):
    assert _t(_comment("/patchwright please", who), "issue_comment").number == 7


@pytest.mark.parametrize("event", [
    _comment("/patchwright", "CONTRIBUTOR"), _comment("/patchwright", "NONE"),
    _comment("looks good /patchwright"), _comment("/patchwrightx"),
    _comment("/patchwright", action="edited"), _comment("/patchwright", pr=False),
])
def test_other_comments_do_not(event):
    assert _t(event, "issue_comment").number is None


def test_the_label_triggers_and_pushes_do_not():
    pr = {"pull_request": {"number": 9}}
    assert _t({**pr, "action": "labeled", "label": {"name": "patchwright"}}, "pull_request").number == 9
    assert _t({**pr, "action": "labeled", "label": {"name": "bug"}}, "pull_request").number is None
    for action in ("opened", "synchronize", "reopened"):
        assert _t({**pr, "action": action}, "pull_request").number is None


def test_a_failing_check_run_of_a_pull_request_triggers():
    run = {"conclusion": "failure", "name": "tests", "pull_requests": [{"number": 4}]}
    assert _t({"action": "completed", "check_run": run}, "check_run").number == 4
    assert _t({"action": "completed", "check_run": {**run, "conclusion": "success"}},
              "check_run").number is None
    assert _t({"action": "completed", "check_run": {**run, "pull_requests": []}},
              "check_run").number is None
    assert _t({"action": "completed", "check_run": run}, "").number == 4  # name from the shape


def test_an_event_without_a_repository_is_bad_input():
    with pytest.raises(EventError):
        trigger({"action": "created"}, "issue_comment", label="p", command="/p")
