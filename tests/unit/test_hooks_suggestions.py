"""Suggestions from a validated patch: zero-context changes, their lines on the pull
request's diff, the review comment payload and the fingerprints."""

from patchwright.core.diff import make_patch
from patchwright.hooks.suggestions import FP_RE, Change, changes, diff_lines, posted, split

OLD = "".join(f"line{i}\n" for i in range(1, 21))


def _patch(new: str, old: str = OLD, path: str = "m.py") -> str:
    return make_patch({path: old}, {path: new}).diff


def test_a_replaced_line_is_one_change_on_its_own_line():
    found, whole = changes(_patch(OLD.replace("line5\n", "five\n")))
    assert whole == [] and found == [Change("m.py", 5, 5, ("five",))]


def test_a_replaced_range_and_a_deletion():
    new = OLD.replace("line3\nline4\n", "three\n").replace("line10\n", "")
    found, _ = changes(_patch(new))
    assert found == [Change("m.py", 3, 4, ("three",)), Change("m.py", 10, 10, ())]
    c = found[0].comment()
    assert c["start_line"] == 3 and c["line"] == 4 and c["side"] == "RIGHT"
    assert "```suggestion\nthree\n```" in c["body"]
    assert "start_line" not in found[1].comment() and "```suggestion\n```" in found[1].comment()["body"]


def test_an_insertion_takes_the_line_before_it():
    found, _ = changes(_patch(OLD.replace("line7\n", "line7\nnew\n")))
    assert found == [Change("m.py", 7, 7, ("line7", "new"))]
    top, _ = changes(_patch("first\n" + OLD))
    assert top == [Change("m.py", 1, 1, ("first", "line1"))]


def test_created_files_are_left_to_the_summary():
    diff = make_patch({}, {"new.py": "x = 1\n"}).diff
    assert changes(diff) == ([], ["new.py"])


PR_PATCH = "@@ -1,4 +1,5 @@\n line1\n+added\n line2\n-gone\n line3\n@@ -10,2 +11,3 @@\n a\n+b\n c\n"


def test_diff_lines_are_the_right_side_of_each_hunk():
    assert diff_lines(PR_PATCH) == [{1, 2, 3, 4}, {11, 12, 13}]


def test_split_keeps_a_change_on_the_diff_only_inside_one_hunk():
    on = Change("m.py", 2, 3, ("x",))
    across = Change("m.py", 4, 11, ("x",))
    elsewhere = Change("other.py", 1, 1, ("x",))
    got_on, got_off = split([on, across, elsewhere], {"m.py": PR_PATCH})
    assert got_on == [on] and got_off == [across, elsewhere]


def test_fingerprints_are_stable_and_found_again_in_bodies():
    c = Change("m.py", 2, 3, ("x",))
    assert c.fingerprint == Change("m.py", 2, 3, ("x",)).fingerprint
    assert c.fingerprint != Change("m.py", 2, 3, ("y",)).fingerprint
    body = c.comment()["body"]
    assert FP_RE.findall(body) == [c.fingerprint]
    assert posted([body, "unrelated"]) == {c.fingerprint}


def test_a_suggestion_holding_a_fence_gets_a_longer_one():
    body = Change("m.py", 1, 1, ('s = "```"',)).comment()["body"]
    assert "````suggestion\n" in body
