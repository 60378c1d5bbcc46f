"""200 malformed model replies through the LLM proposer: none raises; each becomes feedback
for the next attempt or a candidate whose patch is a normal patch (applies, compiles)."""

from __future__ import annotations

import random
import time

from patchwright.core.diff import apply_to_files
from patchwright.core.domain import Location, Task
from patchwright.core.protocols import ProposalContext
from patchwright.model.scripted import ScriptedModel
from patchwright.propose.llm.edit_apply import syntax_error
from patchwright.propose.llm.llm_patch import LlmPatchProposer

PATH = "pkg/stats.py"
BASE = (
    "def mean(xs):\n"
    "    total = 0\n"
    "    for x in xs:\n"
    "        total += x\n"
    "    return total / (len(xs) - 1)\n"
    "\n"
    "\n"
    "def spread(xs):\n"
    "    return max(xs) - min(xs)\n"
)
GOOD = (
    "Divide by the count.\n\npkg/stats.py\n<<<<<<< SEARCH\n"
    "    return total / (len(xs) - 1)\n=======\n    return total / len(xs)\n>>>>>>> REPLACE\n"
)
PROSE = ["I think", "the bug", "is", "probably", "in the loop", "def", "return", "```", "=======",
         "<<<<<<< SEARCH", ">>>>>>> REPLACE", "@@ -1 +1 @@", "pkg/stats.py", "\n", "    "]  # fmt: skip


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


def malformed(rng: random.Random, i: int) -> str:
    kind = i % 10
    if kind == 0:  # truncated at a random point
        return GOOD[: rng.randrange(0, len(GOOD))]
    if kind == 1:  # wrong paths
        path = rng.choice(["src/nothere.py", "/etc/passwd", "../../x.py", "pkg/.git/config",
                           "C:\\pkg\\stats.py", "", "pkg/stats.pyc"])  # fmt: skip
        return block(path, rng.choice(["    total = 0", "    count = 0"]), "    total = 1")
    if kind == 2:  # non-matching search blocks
        search = rng.choice(["    totl = 0", "return total / len(xs) - 1", "x" * 500,
                             "    for x in ys:\n        total += x", "\t\ttotal = 0\n    for"])  # fmt: skip
        return block(PATH, search, "    pass")
    if kind == 3:  # invalid UTF-8, decoded with replacement characters
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        return raw.decode("utf-8", errors="replace")
    if kind == 4:  # invalid UTF-8 inside an otherwise good edit
        raw = GOOD.encode() + bytes([0xFF, 0xFE, 0xC3])
        return raw.decode("utf-8", errors=rng.choice(["replace", "surrogateescape"]))
    if kind == 5:  # empty / whitespace
        return rng.choice(["", " ", "\n\n", "\t \r\n"])
    if kind == 6:  # random prose and marker soup
        return " ".join(rng.choice(PROSE) for _ in range(rng.randrange(1, 80)))
    if kind == 7:  # huge
        return GOOD * rng.randrange(200, 3000) + "x" * rng.randrange(0, 300_000)
    if kind == 8:  # edits that break the syntax or do nothing
        return rng.choice([
            block(PATH, "    total = 0", "    total = (0"),
            block(PATH, "    total = 0", "    total = 0"),
            "```python\ndef mean(xs):\n    return sum(xs) /\n```",
            "```python\ndef nothere():\n    pass\n```",
        ])  # fmt: skip
    # plausible-looking but sloppy replies: still valid patches (possibly wrong)
    return rng.choice([
        GOOD.replace("    return total", "return total"),
        GOOD.replace("pkg/stats.py\n", ""),
        GOOD.replace("\n", "\r\n"),
        "```diff\n--- a/pkg/stats.py\n+++ b/pkg/stats.py\n@@ -9 +9 @@\n-    return max(xs) - min(xs)\n"
        "+    return min(xs) - max(xs)\n```",
        "```python\ndef spread(xs):\n    return abs(max(xs) - min(xs))\n```",
    ])  # fmt: skip


def test_two_hundred_malformed_replies_never_crash():
    rng = random.Random(1234)
    ctx = ProposalContext(
        task=Task(id="fuzz", repo="/nonexistent", failing_tests=["tests/test_stats.py::test_mean"]),
        base_files={PATH: BASE},
        files={PATH: BASE},
        locations=[Location(path=PATH, line=5, end_line=5, symbol="mean", score=1.0)],
    )
    candidates = feedback = 0
    kinds: set[str] = set()
    started = time.monotonic()
    for i in range(200):
        reply = malformed(rng, i)
        prop = LlmPatchProposer(ScriptedModel([reply]), retries=0)
        out = list(prop.propose(ctx))
        if out:
            candidates += 1
            for cand in out:
                new = apply_to_files({PATH: BASE}, cand.patch.diff)[PATH]
                assert new != BASE and syntax_error(PATH, new) == ""
                assert cand.patch.files == [PATH]
        else:
            feedback += 1
            assert prop.last_failure.strip(), repr(reply[:200])
            kinds.update(w for w in ("unknown file", "does not match", "cut off", "binary",
                                     "empty", "no edit found", "does not compile",
                                     "does not change") if w in prop.last_failure)  # fmt: skip
    assert candidates + feedback == 200
    assert candidates >= 20 and feedback >= 100
    assert len(kinds) == 8, kinds
    assert time.monotonic() - started < 60
