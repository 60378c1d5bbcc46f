"""Syntax slips: a file that does not compile gets the text edits that make it compile."""

from __future__ import annotations

import pytest

from patchwright.core.diff import make_patch
from patchwright.core.domain import Location, Task
from patchwright.core.protocols import ProposalContext
from patchwright.propose.syntax_slips import candidates, repairs, syntax_error


@pytest.mark.parametrize(
    ("before", "after", "slip"),
    [
        ("def f(x):\n    if x < 0\n        return 0\n    return x\n",
         "def f(x):\n    if x < 0:\n        return 0\n    return x\n", "syntax.colon"),
        ("for i in range(3)  # loop\n    print(i)\n",
         "for i in range(3):  # loop\n    print(i)\n", "syntax.colon"),
        ("def f(x):\n    if x = 1:\n        return 0\n",
         "def f(x):\n    if x == 1:\n        return 0\n", "syntax.equals"),
        ("y = max(1, 2))\n", "y = max(1, 2)\n", "syntax.close"),
        ("y = max(1, min(2, 3)\nz = 1\n", "y = max(1, min(2, 3))\nz = 1\n", "syntax.close"),
        ("if f(x:\n    pass\n", "if f(x):\n    pass\n", "syntax.close"),
    ],
)  # fmt: skip
def test_each_slip_is_repaired(before: str, after: str, slip: str) -> None:
    assert syntax_error(before) is not None and syntax_error(after) is None
    found = {text: name for name, _, text in repairs(before)}
    assert found.get(after) == slip
    assert all(syntax_error(text) is None for text in found)


def test_a_file_that_compiles_gets_nothing() -> None:
    assert repairs("x = 1\n") == []


def test_candidates_keep_the_parents_edits_and_carry_the_location() -> None:
    base = {"a.py": "def f(x):\n    if x < 0\n        return 0\n", "b.py": "y = 1\n"}
    parent = {**base, "b.py": "y = 2\n"}
    loc = Location(path="a.py", line=2, end_line=2, score=0.5)
    ctx = ProposalContext(task=Task(id="t", repo="."), base_files=base, files=parent,
                          locations=[loc])  # fmt: skip
    (cand,) = [c for c in candidates(ctx) if c.template == "syntax.colon"]
    assert cand.location is not None and cand.location.line == 2
    assert cand.prior == pytest.approx(0.5 * 0.9)
    want = make_patch(
        base, {"a.py": "def f(x):\n    if x < 0:\n        return 0\n", "b.py": "y = 2\n"}
    )
    assert cand.patch.diff == want.diff
