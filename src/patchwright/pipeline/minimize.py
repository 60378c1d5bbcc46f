"""Minimize a plausible patch: drop every hunk the tests do not need."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from patchwright.core.diff import FileHunks, apply_to_text, make_patch, parse
from patchwright.core.domain import Patch


def split_hunks(diff: str) -> list[tuple[str, int]]:
    """(path, hunk index) of every hunk in ``diff``."""
    return [(fh.path, i) for fh in parse(diff) for i in range(len(fh.hunks))]


def without(base: Mapping[str, str], diff: str, drop: set[tuple[str, int]]) -> Patch:
    """The patch made of ``diff``'s hunks minus ``drop``, re-rendered against ``base``."""
    new: dict[str, str] = {}
    for fh in parse(diff):
        kept = FileHunks(
            path=fh.path, hunks=[h for i, h in enumerate(fh.hunks) if (fh.path, i) not in drop]
        )
        # Hunk start lines refer to the base file, so dropping one never moves the others.
        new[fh.path] = apply_to_text(base.get(fh.path, ""), kept.hunks)
    return make_patch(base, new)


def minimize(
    base: Mapping[str, str],
    patch: Patch,
    still_plausible: Callable[[Patch], bool],
) -> tuple[Patch, int]:
    """Greedy one-hunk-at-a-time reduction (ddmin with granularity 1); returns the smaller
    patch and the number of checks made. A single-hunk patch is already minimal."""
    hunks = split_hunks(patch.diff)
    if len(hunks) <= 1:
        return patch, 0
    dropped: set[tuple[str, int]] = set()
    checks = 0
    for hunk in hunks:
        if len(dropped) + 1 >= len(hunks):
            break
        trial = without(base, patch.diff, dropped | {hunk})
        if trial.empty:
            continue
        checks += 1
        if still_plausible(trial):
            dropped.add(hunk)
    return (without(base, patch.diff, dropped) if dropped else patch), checks
