"""Applying model replies: the whole-function second reading of a reply."""

from patchwright.propose.llm.edit_apply import apply_reply


def test_a_parroted_format_with_a_whole_function_in_a_fence_still_applies():
    """Small models echo the SEARCH/REPLACE placeholder, then give the fixed function."""
    files = {"gcd.py": "def gcd(a, b):\n    if b == 0:\n        return a\n    return gcd(a % b, b)\n"}
    reply = (
        "The recursion never ends.\n\ngcd.py\n<<<<<<< SEARCH\nlines copied exactly from the "
        "current file\n=======\nthe new lines that replace them\n>>>>>>> REPLACE\n\n"
        "```python\ndef gcd(a, b):\n    if b == 0:\n        return a\n    return gcd(b, a % b)\n```\n"
    )
    result = apply_reply(reply, files)
    assert result.files["gcd.py"].endswith("return gcd(b, a % b)\n")
    assert not result.failures


def test_blocks_that_do_not_match_and_no_function_keep_their_feedback():
    files = {"m.py": "x = 1\n"}
    result = apply_reply("m.py\n<<<<<<< SEARCH\ny = 2\n=======\ny = 3\n>>>>>>> REPLACE\n", files)
    assert not result.files and result.failures[0].kind == "no_match"
