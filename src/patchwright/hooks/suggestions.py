"""A validated patch as GitHub review suggestions: each change (a run of removed and added
lines) becomes a ``suggestion`` block on the lines it replaces, when those lines are on
the pull request's diff (the right side of one of its hunks); the rest goes to the summary.

Every suggestion carries a fingerprint (path, lines, text) hidden in its comment, so a
re-run sees what it posted before and never posts the same suggestion twice."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from patchwright.core.diff import parse

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
FP_MARK = "<!-- patchwright:fp:{} -->"
FP_RE = re.compile(r"<!-- patchwright:fp:([0-9a-f]{16}) -->")


@dataclass(frozen=True)
class Change:
    path: str
    start: int
    """First line replaced (head side, 1-based)."""
    end: int
    new: tuple[str, ...]
    """The lines that replace ``start..end`` (no newlines)."""

    @property
    def fingerprint(self) -> str:
        key = "\0".join([self.path, str(self.start), str(self.end), *self.new])
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def comment(self) -> dict[str, Any]:
        """The review comment GitHub's "create a review" takes for this change."""
        text = "\n".join(self.new)
        fence = "````" if "```" in text else "```"
        body = (f"Patchwright: validated by the tests (apply with *Commit suggestion*).\n\n"
                f"{fence}suggestion\n{text}{chr(10) if self.new else ''}{fence}\n"
                f"{FP_MARK.format(self.fingerprint)}")  # fmt: skip
        out: dict[str, Any] = {"path": self.path, "line": self.end, "side": "RIGHT", "body": body}
        if self.start < self.end:
            out.update(start_line=self.start, start_side="RIGHT")
        return out


def changes(diff: str) -> tuple[list[Change], list[str]]:
    """The patch's changes at zero context (an insertion takes its neighbour line so that
    it has lines to replace); and the paths no suggestion can express (created, deleted)."""
    out: list[Change] = []
    whole: list[str] = []
    for fh in parse(diff):
        if fh.created or fh.deleted:
            whole.append(fh.path)
            continue
        for start, body in fh.hunks:
            out += _hunk_changes(fh.path, start, [b for b in body if not b.startswith("\\")])
    return out, whole


def _hunk_changes(path: str, start: int, body: list[str]) -> list[Change]:
    out: list[Change] = []
    line = start  # head-side line number of body[i] when it is ' ' or '-'
    prev: str | None = None  # the context line just before the current run
    i = 0
    while i < len(body):
        if body[i][:1] == " ":
            prev = body[i][1:]
            line += 1
            i += 1
            continue
        removed, added = 0, []
        while i < len(body) and body[i][:1] in ("-", "+"):
            if body[i][:1] == "-":
                removed += 1
            else:
                added.append(body[i][1:])
            i += 1
        if removed:
            out.append(Change(path, line, line + removed - 1, tuple(added)))
        elif prev is not None:  # insertion after the line before
            out.append(Change(path, line - 1, line - 1, (prev, *added)))
        elif i < len(body) and body[i][:1] == " ":  # insertion at the top: before the next
            out.append(Change(path, line, line, (*added, body[i][1:])))
        line += removed
    return out


def diff_lines(file_patch: str) -> list[set[int]]:
    """The right-side lines of each hunk of a pull request file's ``patch`` (context and
    added lines: where a review comment may go)."""
    hunks: list[set[int]] = []
    line = 0
    for text in file_patch.split("\n"):
        m = _HUNK.match(text)
        if m:
            line = int(m.group(1))
            hunks.append(set())
        elif hunks and text[:1] in (" ", "+", ""):
            if text == "" :
                continue
            hunks[-1].add(line)
            line += 1
    return hunks


def split(found: list[Change], pr_files: dict[str, str]) -> tuple[list[Change], list[Change]]:
    """(changes on the pull request's diff, changes off it)."""
    on: list[Change] = []
    off: list[Change] = []
    hunks = {path: diff_lines(p) for path, p in pr_files.items()}
    for c in found:
        wanted = set(range(c.start, c.end + 1))
        if any(wanted <= h for h in hunks.get(c.path, [])):
            on.append(c)
        else:
            off.append(c)
    return on, off


def posted(bodies: list[str]) -> set[str]:
    """Fingerprints found in comment bodies."""
    return {fp for body in bodies for fp in FP_RE.findall(body)}
