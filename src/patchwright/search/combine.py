"""Combining partial fixes: two evaluated candidates that each make a different part of
the failing tests pass (and break nothing) are proposed together, both diffs applied to
the base commit when their edits do not overlap (multi-hunk bugs whose hunks are found
separately, as in Hercules' "sibling" edits and ARJA's patch crossover)."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from patchwright.core.diff import PatchError, apply_to_files, make_patch
from patchwright.core.domain import Node, Patch, Task

MAX_UNIONS = 8
"""Unions proposed per search at most (each costs one evaluation)."""

Edit = tuple[int, int, tuple[str, ...]]
"""Base lines [start, end) replaced by new lines."""


def _edits(old: str, new: str) -> list[Edit]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:  # line by line: finer merges
            out += [(i1 + k, i1 + k + 1, (b[j1 + k],)) for k in range(i2 - i1)
                    if a[i1 + k] != b[j1 + k]]  # fmt: skip
        elif tag != "equal":
            out.append((i1, i2, tuple(b[j1:j2])))
    return out


def _overlap(x: Edit, y: Edit) -> bool:
    """Edits conflict when their base ranges intersect or they insert at the same place."""
    if x[0] == y[0]:
        return True
    return x[0] < y[1] and y[0] < x[1]


def merge_texts(base: str, left: str, right: str) -> str | None:
    """``base`` with both sides' line edits applied (None when two of them overlap)."""
    edits = sorted(set(_edits(base, left)) | set(_edits(base, right)))  # same edit: once
    for x, y in itertools.pairwise(edits):
        if _overlap(x, y):
            return None
    lines = base.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    for start, end, new in edits:
        out += lines[pos:start]
        out += new
        pos = end
    out += lines[pos:]
    return "".join(out)


def union(base: Mapping[str, str], left: Patch, right: Patch) -> Patch | None:
    """The patch applying both ``left`` and ``right`` (diffs against ``base``), or None when
    they conflict or one contains the other."""
    try:
        a, b = apply_to_files(base, left.diff), apply_to_files(base, right.diff)
    except PatchError:
        return None
    merged: dict[str, str] = {}
    for path in sorted(set(a) | set(b)):
        old = base.get(path, "")
        if path in a and path in b:
            text = merge_texts(old, a[path], b[path])
            if text is None:
                return None
            merged[path] = text
        else:
            merged[path] = a[path] if path in a else b[path]
    patch = make_patch(base, merged)
    if patch.empty or patch.hash in (left.hash, right.hash):
        return None
    return patch


@dataclass
class Partials:
    """Nodes that fix part of the failing tests and break nothing, by the tests they fix."""

    fixed: dict[int, frozenset[str]] = field(default_factory=dict)
    tried: set[frozenset[int]] = field(default_factory=set)
    unions: int = 0

    def note(self, task: Task, node: Node) -> list[int]:
        """Record ``node`` when it is a partial fix; the partial fixes it may be combined
        with (fixing tests it does not, and it fixing tests they do not), best first."""
        res = node.result
        if (
            res is None
            or node.plausible
            or node.patch is None
            or not res.applied
            or res.compile_error
            or res.broken(task.passing_tests)
        ):
            return []
        fixed = frozenset(res.fixed(task.failing_tests))
        if not fixed or node.id in self.fixed:
            return []
        self.fixed[node.id] = fixed
        others = [
            (len(fixed | theirs), other)
            for other, theirs in self.fixed.items()
            if other != node.id and not theirs <= fixed and not fixed <= theirs
        ]
        return [other for _, other in sorted(others, key=lambda o: (-o[0], o[1]))]

    def room(self) -> bool:
        return self.unions < MAX_UNIONS

    def claim(self, a: int, b: int) -> bool:
        """Claim the pair (a, b) once (True the first time)."""
        pair = frozenset((a, b))
        if pair in self.tried:
            return False
        self.tried.add(pair)
        return True
