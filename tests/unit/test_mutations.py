"""Tests of the template-based proposer on small textbook bugs (hand-written, generic)."""

from __future__ import annotations

import ast
import difflib
import time
from collections.abc import Mapping

import pytest

from patchwright.core.diff import apply_to_files, changed_lines
from patchwright.core.domain import Candidate, Location, Task
from patchwright.core.protocols import ProposalContext
from patchwright.propose.mutations import MutationProposer
from patchwright.propose.pyedit import Renderer, Source, apply_splices
from patchwright.propose.templates import registry

PATH = "pkg/mod.py"


def make_ctx(
    base: str,
    lines: list[int] | dict[int, float],
    files: Mapping[str, str] | None = None,
    limit: int = 0,
    path: str = PATH,
) -> ProposalContext:
    scores = (
        lines if isinstance(lines, dict) else {ln: 1.0 - 0.05 * i for i, ln in enumerate(lines)}
    )
    locations = [
        Location(path=path, line=ln, end_line=ln, symbol="f", score=s) for ln, s in scores.items()
    ]
    return ProposalContext(
        task=Task(id="t", repo="/tmp/repo"),
        base_files={path: base},
        files=dict(files) if files is not None else {path: base},
        locations=locations,
        limit=limit,
    )


def propose(ctx: ProposalContext, **kw: int) -> list[Candidate]:
    return list(MutationProposer(**kw).propose(ctx))


def materialize(ctx: ProposalContext, cand: Candidate, path: str = PATH) -> str:
    return apply_to_files(ctx.base_files, cand.patch.diff)[path]


def rank_of(ctx: ProposalContext, cands: list[Candidate], fixed: str) -> int:
    for i, c in enumerate(cands):
        if materialize(ctx, c) == fixed:
            return i
    raise AssertionError("fix not among the candidates:\n" + "\n".join(c.thought for c in cands))


def check_all(ctx: ProposalContext, cands: list[Candidate]) -> None:
    """Every candidate parses, is unique, is not a no-op, and priors are sorted."""
    seen: set[str] = set()
    current = ctx.files[PATH]
    for c in cands:
        text = materialize(ctx, c)
        compile(text, PATH, "exec")
        assert text not in seen, c.thought
        assert text != current, c.thought
        seen.add(text)
        assert c.template in registry()
        assert c.location is not None and c.location.path == PATH
    priors = [c.prior for c in cands]
    assert priors == sorted(priors, reverse=True)
    assert len(set(priors)) == len(priors), "ties must be broken deterministically"


# ------------------------------------------------------------------------------ textbook bugs

SUM_OFF_BY_ONE = """\
def total(xs):
    s = 0
    for i in range(len(xs) - 1):
        s += xs[i]
    return s
"""

BSEARCH = """\
def find(xs, target):
    lo, hi = 0, len(xs) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] == target:
            return mid
        if xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
"""

SWAPPED_ARGS = """\
def scale(value, factor):
    return value * factor


def rescale(items, factor, offset):
    out = []
    for item in items:
        out.append(scale(factor, item) + offset)
    return out
"""

MISSING_GUARD = """\
def average(xs):
    total = sum(xs)
    return total / len(xs)
"""

WRONG_ACCUMULATOR = """\
def product(xs):
    p = 1
    for x in xs:
        p += x
    return p
"""

WRONG_VARIABLE = """\
def max_gap(xs):
    best = 0
    prev = xs[0]
    for x in xs[1:]:
        gap = x - prev
        if gap > best:
            best = gap
        prev = gap
    return best
"""

KADANE = """\
def max_run(values):
    best = 0
    current = 0
    for v in values:
        current = current + v
        best = max(best, current)
    return best
"""

MISSING_INCREMENT = """\
def index_of(xs, v):
    i = 0
    while i < len(xs):
        if xs[i] == v:
            return i
    return -1
"""

WHILE_TRUE = """\
def drain(queue):
    out = []
    while True:
        out.append(queue.pop(0))
    return out
"""


@pytest.mark.parametrize(
    ("source", "line", "old", "new", "within"),
    [
        (SUM_OFF_BY_ONE, 3, "range(len(xs) - 1)", "range(len(xs))", 5),
        (BSEARCH, 3, "while lo < hi:", "while lo <= hi:", 1),
        (SWAPPED_ARGS, 8, "scale(factor, item)", "scale(item, factor)", 10),
        (WRONG_ACCUMULATOR, 4, "p += x", "p *= x", 8),
        (WRONG_VARIABLE, 8, "prev = gap", "prev = x", 10),
        (KADANE, 5, "current = current + v", "current = max(0, current + v)", 20),
        (WHILE_TRUE, 3, "while True:", "while queue:", 5),
    ],
)
def test_single_line_fix_is_ranked_high(
    source: str, line: int, old: str, new: str, within: int
) -> None:
    fixed = source.replace(old, new)
    assert fixed != source
    ctx = make_ctx(source, [line])
    cands = propose(ctx)
    check_all(ctx, cands)
    assert rank_of(ctx, cands, fixed) < within
    for c in cands:
        assert len(c.thought) < 200 and f"{PATH}:{line}" in c.thought


def test_fix_ranked_high_among_several_suspicious_lines() -> None:
    ctx = make_ctx(BSEARCH, {3: 0.9, 4: 0.9, 5: 0.8, 7: 0.8, 8: 0.7, 10: 0.7, 11: 0.5})
    cands = propose(ctx)
    check_all(ctx, cands)
    assert rank_of(ctx, cands, BSEARCH.replace("lo < hi", "lo <= hi")) < 10
    assert len(cands) <= 400


def test_missing_guard_inserted_with_plausible_return() -> None:
    ctx = make_ctx(MISSING_GUARD, [2, 3])
    cands = propose(ctx)
    check_all(ctx, cands)
    fixed = MISSING_GUARD.replace(
        "    total = sum(xs)\n", "    if not xs:\n        return 0\n    total = sum(xs)\n"
    )
    assert rank_of(ctx, cands, fixed) < 25


def test_missing_increment_inserted_at_end_of_loop_body() -> None:
    ctx = make_ctx(MISSING_INCREMENT, [3, 4, 5])
    cands = propose(ctx)
    check_all(ctx, cands)
    fixed = MISSING_INCREMENT.replace(
        "            return i\n", "            return i\n        i += 1\n"
    )
    assert rank_of(ctx, cands, fixed) < 120


def test_extend_base_case_condition_with_parameter() -> None:
    source = """\
def ways(total, coins):
    if total == 0:
        return 1
    if total < 0:
        return 0
    return ways(total - coins[0], coins) + ways(total, coins[1:])
"""
    ctx = make_ctx(source, [4])
    cands = propose(ctx)
    check_all(ctx, cands)
    assert rank_of(ctx, cands, source.replace("total < 0:", "total < 0 or not coins:")) < 15


# ------------------------------------------------------------------------------ minimal rendering


SINGLE_LINE_TEMPLATES = (
    "op.",
    "lit.int",
    "lit.bool",
    "off1.",
    "var.",
    "swap.args",
    "swap.operands",
)


def test_single_line_templates_change_exactly_one_line() -> None:
    for source, line in ((BSEARCH, 4), (BSEARCH, 7), (SUM_OFF_BY_ONE, 3), (SWAPPED_ARGS, 8)):
        ctx = make_ctx(source, [line])
        cands = propose(ctx)
        assert cands
        base_lines = source.splitlines()
        for c in cands:
            if not c.template.startswith(SINGLE_LINE_TEMPLATES) or c.template == "op.assign":
                continue
            assert changed_lines(c.patch.diff) == 2, c.thought
            new_lines = materialize(ctx, c).splitlines()
            assert len(new_lines) == len(base_lines)
            diffs = [i for i, (a, b) in enumerate(zip(base_lines, new_lines)) if a != b]
            assert diffs == [line - 1], c.thought


def test_untouched_characters_are_preserved() -> None:
    source = """\
def odd(a,b):   # keep   this comment
    x = (a+b)*2  if  a<b  else  a  # spacing kept
    return x
"""
    ctx = make_ctx(source, [2])
    cands = propose(ctx)
    check_all(ctx, cands)
    texts = {materialize(ctx, c) for c in cands}
    assert source.replace("a<b", "a<=b") in texts
    assert source.replace("(a+b)*2", "(a-b)*2") in texts
    for text in texts:
        assert text.splitlines()[0] == "def odd(a,b):   # keep   this comment"
        for line in text.splitlines():
            if line.startswith("    x ="):
                assert line.endswith("  # spacing kept"), line


def test_statement_templates_reuse_indentation() -> None:
    source = "class A:\n  def f(self, xs):\n    n = len(xs)\n    return xs[n - 1]\n"
    ctx = make_ctx(source, [4])
    cands = propose(ctx)
    check_all(ctx, cands)
    guards = [c for c in cands if c.template.startswith("guard.")]
    assert guards
    for c in guards:
        lines = materialize(ctx, c).splitlines()
        assert lines[3].startswith("    if ") and lines[4].startswith("      ")


def test_precedence_is_respected() -> None:
    source = "def f(a, b, c):\n    return a - b - c\n"
    ctx = make_ctx(source, [2])
    texts = {materialize(ctx, c) for c in propose(ctx)}
    # turning the outer '-' into '*' must keep (a - b) grouped
    assert "def f(a, b, c):\n    return (a - b) * c\n" in texts
    for text in texts:
        ast.parse(text)


def test_utf8_columns() -> None:
    source = (
        'def f(name, n):\n    if name == "héllo wörld" and n > 1:\n        return 1\n    return 0\n'
    )
    ctx = make_ctx(source, [2])
    texts = {materialize(ctx, c) for c in propose(ctx)}
    assert source.replace("n > 1", "n >= 1") in texts
    assert source.replace("n > 1", "n > 2") in texts


def test_renderer_minimal_splice_for_operator() -> None:
    text = "y = (a  +  b) * c\n"
    tree = ast.parse(text)
    src = Source(text)
    binop = tree.body[0].value.left  # type: ignore[attr-defined]
    new = ast.BinOp(left=binop.left, op=ast.Sub(), right=binop.right)
    splices = Renderer(src, tree).splices(binop, new, tree.body[0].value, "left")  # type: ignore[attr-defined]
    assert apply_splices(text, splices) == "y = (a  -  b) * c\n"


# ------------------------------------------------------------------------------ stacking, dedupe


def test_stacking_on_parent_patch() -> None:
    base = """\
def stats(xs):
    lo = min(xs)
    hi = min(xs)
    span = hi - lo
    return span + 1
"""
    partial = base.replace("hi = min(xs)", "hi = max(xs)")
    ctx = make_ctx(base, [5], files={PATH: partial})
    cands = propose(ctx)
    assert cands
    for c in cands:
        text = materialize(ctx, c)
        assert "hi = max(xs)" in text, c.thought
    fixed = partial.replace("return span + 1", "return span")
    assert rank_of(ctx, cands, fixed) < 5


def test_location_lines_follow_parent_patch_line_shifts() -> None:
    base = "def f(xs):\n    n = len(xs)\n    return xs[n]\n"
    partial = "def f(xs):\n    if not xs:\n        return None\n    n = len(xs)\n    return xs[n]\n"
    ctx = make_ctx(base, [3], files={PATH: partial})
    cands = propose(ctx)
    fixed = partial.replace("xs[n]", "xs[n - 1]")
    assert rank_of(ctx, cands, fixed) < 5
    # locations and thoughts keep the base-commit numbering
    assert all(c.location is not None and c.location.line == 3 for c in cands)
    assert all(c.thought.startswith(f"{PATH}:3 ") for c in cands)


def test_patch_keeps_parent_changes_in_other_files() -> None:
    other = "pkg/other.py"
    ctx = make_ctx(BSEARCH, [3])
    ctx.base_files = {PATH: BSEARCH, other: "X = 1\n"}
    ctx.files = {PATH: BSEARCH, other: "X = 2\n"}
    cands = propose(ctx)
    assert cands
    for c in cands[:10]:
        files = apply_to_files(ctx.base_files, c.patch.diff)
        assert files[other] == "X = 2\n"
        assert set(c.patch.files) == {PATH, other}


def test_no_duplicates_and_no_noop() -> None:
    source = "def f(a, b):\n    return a + b + a + b\n"
    ctx = make_ctx(source, [2, 2, 2])
    cands = propose(ctx)
    check_all(ctx, cands)
    hashes = [c.patch.hash for c in cands]
    assert len(hashes) == len(set(hashes))


def test_limit_and_max_lines() -> None:
    ctx = make_ctx(BSEARCH, list(range(1, 12)), limit=7)
    assert len(propose(ctx)) == 7
    ctx = make_ctx(BSEARCH, list(range(1, 12)))
    cands = propose(ctx, max_lines=2)
    assert {c.location.line for c in cands if c.location} <= {1, 2, 3}
    assert len(propose(ctx, max_candidates=30)) == 30


def test_deterministic() -> None:
    ctx = make_ctx(BSEARCH, [3, 4, 7, 8])
    a = [(c.thought, c.patch.hash, c.prior) for c in propose(ctx)]
    b = [(c.thought, c.patch.hash, c.prior) for c in propose(ctx)]
    assert a == b


# ------------------------------------------------------------------------------ robustness


def test_robust_to_odd_locations() -> None:
    source = "# comment\n\ndef f(x):\n    '''doc'''\n\n    return x\n"
    ctx = make_ctx(source, [1, 2, 4, 5, 0, -3, 99])
    assert propose(ctx) == []
    ctx = make_ctx(source, [1, 6])
    assert propose(ctx)
    ctx.locations = [Location(path="missing.py", line=1, end_line=1, score=1.0)]
    assert propose(ctx) == []


def test_unparsable_file_gets_only_syntax_fixes_that_compile() -> None:
    source = "def f(:\n    return 1\n"
    ctx = make_ctx(source, [2])
    candidates = propose(ctx)
    assert candidates, "a syntax slip on a located file is offered a fix"
    for cand in candidates:
        assert cand.template.startswith("syntax."), cand.template
        fixed = apply_to_files({"pkg/mod.py": source}, cand.patch.diff)["pkg/mod.py"]
        ast.parse(fixed)  # every candidate compiles; no expression template ran on it
    ctx = make_ctx("def f(:\n    return (1\n", [2])
    for cand in propose(ctx):
        assert cand.template.startswith("syntax.")


def test_no_trailing_newline_and_module_level_code() -> None:
    source = "import sys\nLIMIT = 10\nfor i in range(LIMIT):\n    print(i)\nx = LIMIT - 1"
    ctx = make_ctx(source, [3, 4, 5])
    cands = propose(ctx)
    check_all(ctx, cands)
    assert any(materialize(ctx, c).endswith("x = LIMIT") for c in cands)


def test_generation_is_fast_on_a_larger_file() -> None:
    chunks = [BSEARCH.replace("def find", f"def find{i}") for i in range(60)]
    source = "\n\n".join(chunks)
    n = len(source.splitlines())
    ctx = make_ctx(source, {ln: 1.0 - ln / (2 * n) for ln in range(1, n + 1)})
    start = time.perf_counter()
    cands = propose(ctx)
    elapsed = time.perf_counter() - start
    assert 100 <= len(cands) <= 400
    assert elapsed < 12 * 0.5


def test_diff_of_guard_adds_two_lines_only() -> None:
    ctx = make_ctx(MISSING_GUARD, [3])
    for c in propose(ctx):
        if c.template.startswith("guard."):
            assert changed_lines(c.patch.diff) == 2
            before, after = MISSING_GUARD.splitlines(), materialize(ctx, c).splitlines()
            ops = [op for op in difflib.ndiff(before, after) if op[:1] in "+-"]
            assert all(op.startswith("+") for op in ops)


# ------------------------------------------------------------------------------ more templates


@pytest.mark.parametrize(
    ("source", "line", "old", "new", "within"),
    [
        (  # missing return of a recursive call
            "def depth(node):\n    if node is None:\n        return 0\n    depth(node.left)\n",
            4,
            "    depth(node.left)",
            "    return depth(node.left)",
            10,
        ),
        (  # break where continue was meant
            "def evens(xs):\n    out = []\n    for x in xs:\n        if x % 2:\n"
            "            break\n        out.append(x)\n    return out\n",
            5,
            "break",
            "continue",
            5,
        ),
        (  # independent ifs that should be exclusive
            "def sign(x):\n    s = 0\n    if x > 0:\n        s = 1\n    if x >= 0:\n"
            "        s = -1\n    return s\n",
            5,
            "    if x >= 0:",
            "    elif x >= 0:",
            15,
        ),
        (  # missing self.
            "class Counter:\n    def __init__(self):\n        self.count = 0\n\n"
            "    def bump(self, by):\n        count = self.count\n        self.count = count + by\n"
            "        return count\n",
            8,
            "return count",
            "return self.count",
            10,
        ),
        (  # wrong default value
            "def window(xs, size=0):\n    return xs[:size]\n",
            1,
            "size=0",
            "size=1",
            3,
        ),
        (  # wrong builtin dual
            "def smallest(xs):\n    return max(xs)\n",
            2,
            "max(xs)",
            "min(xs)",
            3,
        ),
        (  # wrong attribute
            "class Node:\n    def __init__(self, left, right):\n        self.left = left\n"
            "        self.right = right\n\n    def last(self):\n        return self.left\n",
            7,
            "return self.left",
            "return self.right",
            5,
        ),
        (  # negated condition
            "def first_missing(xs, seen):\n    for x in xs:\n        if x in seen and x > 0:\n"
            "            return x\n    return None\n",
            3,
            "x in seen and",
            "x not in seen and",
            5,
        ),
    ],
)
def test_other_templates(source: str, line: int, old: str, new: str, within: int) -> None:
    ast.parse(source)
    fixed = source.replace(old, new, 1)
    assert fixed != source
    ctx = make_ctx(source, [line])
    cands = propose(ctx)
    check_all(ctx, cands)
    assert rank_of(ctx, cands, fixed) < within


VARIETY = '''\
"""Docstring."""
from __future__ import annotations

import functools

COUNT = 0


def deco(fn):
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        global COUNT
        COUNT += 1
        return fn(*args, **kwargs)
    return inner


@deco
def walrus(xs: list[int], limit: int = 3) -> int:
    if (n := len(xs)) > limit: total = n; return total
    s = 0; t = 1
    for i, x in enumerate(xs):
        s += x * i \\
            + t
    label = f"{s!r:>10} and {xs[0] + 1}"
    return s if label else -1


class Box:
    width: int = 1

    async def grow(self, k):
        async with self.lock() as lk:
            await lk.wait(k - 1)
        try:
            self.width += k
        except (ValueError, TypeError) as exc:
            raise RuntimeError("bad") from exc
        finally:
            self.width = max(self.width, k)

    def counter(self):
        n = 0
        def bump():
            nonlocal n
            n += 1
            return n
        return bump


def matcher(cmd):
    match cmd.split():
        case ["go", direction]:
            return direction
        case [x, *rest] if len(rest) > 1:
            return x
        case _:
            return None


def comp(rows):
    squares = {k: v ** 2 for k, v in rows.items() if v > 0}
    pairs = [(a, b) for a in range(3) for b in range(a) if a != b]
    return squares, sorted(pairs, key=lambda p: (p[1], -p[0])), lambda y=1: y + 1


def slices(seq, i, j):
    head, *tail = seq[i:j:2]
    del tail[0]
    assert i <= j, "bad range"
    while True:
        if not seq:
            break
        seq = seq[1:]
    return head, tail[-1], seq[::-1], (i, j)[0]


if __name__ == "__main__":
    print(walrus([1, 2, 3]))'''


@pytest.mark.parametrize("variant", ["lf", "crlf", "tabs"])
def test_syntax_variety_every_line(variant: str) -> None:
    source = VARIETY
    if variant == "crlf":
        source = source.replace("\n", "\r\n")
    elif variant == "tabs":
        source = source.replace("    ", "\t")
    n = len(source.splitlines())
    total = 0
    for line in range(1, n + 2):
        ctx = make_ctx(source, [line])
        cands = propose(ctx)
        check_all(ctx, cands)
        total += len(cands)
        for c in cands:
            text = materialize(ctx, c)
            if variant == "crlf":
                assert text.count("\n") == text.count("\r\n"), c.thought
    assert total > 200
