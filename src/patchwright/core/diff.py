"""Unified diffs against the base commit: build, normalize, hash, validate, apply in memory.

Pure functions. Paths in diffs are POSIX, relative to the repository root, with ``a/`` and
``b/`` prefixes as git writes them.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from patchwright.core.domain import Patch


class PatchError(ValueError):
    """A diff that is malformed, unsafe or does not apply."""


_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def check_path(path: str) -> str:
    """Return ``path`` normalized, or raise if it leaves the repository or enters ``.git``."""
    if not path or "\x00" in path or "\\" in path:
        raise PatchError(f"invalid path in patch: {path!r}")
    p = PurePosixPath(path)
    if p.is_absolute() or any(part == ".." for part in p.parts):
        raise PatchError(f"patch touches a path outside the repository: {path}")
    if any(part == ".git" for part in p.parts):
        raise PatchError(f"patch touches the .git directory: {path}")
    normalized = str(p)
    if normalized in ("", "."):
        raise PatchError(f"invalid path in patch: {path!r}")
    return normalized


def _split_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def file_diff(path: str, old: str | None, new: str, context: int = 3) -> str:
    """A git-style unified diff of one file (``old`` None creates the file)."""
    path = check_path(path)
    created = old is None
    old = old or ""
    old_lines, new_lines = _split_lines(old), _split_lines(new)
    for lines in (old_lines, new_lines):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    fromfile = "/dev/null" if created else f"a/{path}"
    body = list(
        difflib.unified_diff(old_lines, new_lines, fromfile, f"b/{path}", n=context, lineterm="\n")
    )
    if not body:
        return ""
    header = f"diff --git a/{path} b/{path}\n" + ("new file mode 100644\n" if created else "")
    return header + "".join(body)


def make_patch(base: Mapping[str, str], new: Mapping[str, str]) -> Patch:
    """The patch turning ``base`` file contents into ``new`` (only paths in ``new`` change)."""
    parts = []
    files = []
    for path in sorted(new):
        text = file_diff(path, base.get(path), new[path])
        if text:
            parts.append(text)
            files.append(check_path(path))
    diff = "".join(parts)
    return Patch(diff=diff, files=files, hash=patch_hash(diff))


def normalize(diff: str) -> str:
    """Canonical form for hashing: drop index/mode lines and trailing blanks, unify endings.

    Only for hashing: CR characters inside hunk lines are content and are kept by parse()."""
    out = []
    for line in diff.replace("\r\n", "\n").split("\n"):
        if line.startswith(("index ", "similarity index", "old mode", "new mode")):
            continue
        out.append(line.rstrip() if not line.startswith((" ", "+", "-")) else line)
    return "\n".join(out).strip() + "\n"


def patch_hash(diff: str) -> str:
    if not diff.strip():
        return "empty"
    return hashlib.sha256(normalize(diff).encode()).hexdigest()[:16]


@dataclass
class FileHunks:
    path: str
    hunks: list[tuple[int, list[str]]] = field(default_factory=list)
    deleted: bool = False
    created: bool = False
    """(old start line, hunk body lines with their ' ', '-', '+' prefixes)."""


def parse(diff: str) -> list[FileHunks]:
    """Parse a unified diff into per-file hunks; validates every path."""
    files: list[FileHunks] = []
    current: FileHunks | None = None
    # Split on LF only: a CRLF file's hunk lines keep their CR and match the file's lines.
    lines = diff.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r") if lines[i][:1] not in (" ", "+", "-") else lines[i]
        if line.startswith("--- "):
            if i + 1 >= len(lines) or not lines[i + 1].startswith("+++ "):
                raise PatchError("malformed diff: '---' without '+++'")
            old = line[4:].split("\t")[0].strip()
            new = lines[i + 1][4:].split("\t")[0].strip()
            if old == "/dev/null" and new == "/dev/null":
                raise PatchError("malformed diff: both sides are /dev/null")
            target = new if new != "/dev/null" else old
            for prefix in ("a/", "b/"):
                if target.startswith(prefix):
                    target = target[2:]
                    break
            for name in (old, new):
                if name != "/dev/null":
                    check_path(name[2:] if name[:2] in ("a/", "b/") else name)
            current = FileHunks(
                path=check_path(target), deleted=new == "/dev/null", created=old == "/dev/null"
            )
            files.append(current)
            i += 2
            continue
        m = _HUNK_RE.match(line.rstrip("\r"))
        if m:
            if current is None:
                raise PatchError("malformed diff: hunk before file header")
            # The header's line counts say where the hunk ends, so a removed line whose text
            # starts with "-- " is never mistaken for the next file's header.
            old_left = int(m.group(2)) if m.group(2) is not None else 1
            new_left = int(m.group(4)) if m.group(4) is not None else 1
            body: list[str] = []
            i += 1
            while i < len(lines) and (old_left > 0 or new_left > 0 or lines[i].startswith("\\")):
                line = lines[i]
                tag = line[:1] if line else " "
                if tag == "\\":
                    body.append(line)
                elif tag == " ":
                    old_left, new_left = old_left - 1, new_left - 1
                    body.append(line or " ")
                elif tag == "-":
                    old_left -= 1
                    body.append(line)
                elif tag == "+":
                    new_left -= 1
                    body.append(line)
                else:
                    raise PatchError(f"malformed hunk line: {line[:40]!r}")
                i += 1
            if old_left > 0 or new_left > 0:
                raise PatchError("malformed diff: hunk is shorter than its header says")
            current.hunks.append((int(m.group(1)), body))
            continue
        i += 1
    return files


def touched_paths(diff: str) -> list[str]:
    return [f.path for f in parse(diff)]


_HEADER_PATH_RE = re.compile(r"^(?:rename|copy) (?:from|to) (.+)$")


def validate_patch(diff: str) -> None:
    """Raise :class:`PatchError` for paths outside the repo or in ``.git`` (in any header
    git reads, renames and copies included), or for a patch that creates a symlink."""
    touched_paths(diff)
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            for part in line[len("diff --git ") :].split(" "):
                part = part.strip('"')
                if part[:2] in ("a/", "b/"):
                    check_path(part[2:])
        elif m := _HEADER_PATH_RE.match(line):
            check_path(m.group(1).strip('"'))
        elif line.startswith(("new file mode 120000", "new mode 120000")):
            raise PatchError("patch creates a symbolic link")


def deleted_paths(diff: str) -> list[str]:
    return [f.path for f in parse(diff) if f.deleted]


def apply_to_text(old: str, hunks: list[tuple[int, list[str]]]) -> str:
    """Apply parsed hunks to ``old``; raises :class:`PatchError` on mismatch."""
    src = old.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    for start, body in hunks:
        start_idx = max(start - 1, 0)
        if start_idx < pos:
            raise PatchError("overlapping hunks")
        out.extend(src[pos:start_idx])
        pos = start_idx
        for k, line in enumerate(body):
            tag = line[:1] or " "
            if tag == "\\":
                continue
            no_eol = k + 1 < len(body) and body[k + 1].startswith("\\")
            text = line[1:] + ("" if no_eol else "\n")
            if tag in (" ", "-"):
                if pos >= len(src) or src[pos] != text:
                    raise PatchError(f"hunk does not match at line {pos + 1}")
                pos += 1
                if tag == " ":
                    out.append(text)
            elif tag == "+":
                out.append(text)
    out.extend(src[pos:])
    return "".join(out)


def apply_to_files(base: Mapping[str, str], diff: str) -> dict[str, str]:
    """New contents of every file the diff touches (deleted files map to '')."""
    result: dict[str, str] = {}
    for fh in parse(diff):
        result[fh.path] = apply_to_text(base.get(fh.path, ""), fh.hunks)
    return result


def changed_lines(diff: str) -> int:
    """Number of added plus removed lines: the size measure used to prefer small patches."""
    n = 0
    for line in diff.split("\n"):
        if line.startswith(("+++", "---")):
            continue
        if line.startswith(("+", "-")):
            n += 1
    return n
