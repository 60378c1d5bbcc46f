"""Fixes for common syntax slips in a file that does not compile, where the AST-based fix
templates cannot work (they need a tree). A linter's catalogue of typing slips, each a
text edit at or just before the line the SyntaxError names, kept only when the whole file
then compiles:

- ``syntax.colon``: a compound statement header without its ``:`` (``if x < lo``);
- ``syntax.equals``: ``=`` where a condition means ``==`` (``if x = 1:``, ``while a = b``);
- ``syntax.close``: a closing bracket too many (removed) or one missing (added where the
  line or the header ends).

Candidates near the error line come first; their prior is the location's score times the
slip's weight, as for the templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from patchwright.core.diff import make_patch
from patchwright.core.domain import Candidate, Location
from patchwright.core.protocols import ProposalContext

WEIGHTS = {"syntax.colon": 0.9, "syntax.equals": 0.8, "syntax.close": 0.7}
WINDOW = 3
"""Lines before the error line that are tried too (the slip is often above it)."""
_HEADER = re.compile(
    r"^\s*(if|elif|else|for|while|def|class|try|except|finally|with|async\s+def|async\s+for"
    r"|async\s+with|match|case)\b"
)
_CONDITION = re.compile(r"^\s*(if|elif|while|assert)\b")
_SINGLE_EQ = re.compile(r"(?<![=!<>:+\-*/%&|^@])=(?!=)")
_PAIRS = {")": "(", "]": "[", "}": "{"}


def syntax_error(text: str, path: str = "<file>") -> SyntaxError | None:
    """The error compiling ``text`` gives (None: it compiles)."""
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _code_end(line: str) -> int:
    """Where the code of ``line`` ends (before a trailing comment and blanks)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return len(line[:i].rstrip())
    return len(line.rstrip())


def _edits(line: str) -> Iterator[tuple[str, str]]:
    """(slip, new line) for one source line, most likely first."""
    end = _code_end(line)
    code, rest = line[:end], line[end:]
    if _HEADER.match(code) and not code.endswith(":"):
        yield "syntax.colon", code + ":" + rest
    if _CONDITION.match(code):
        for m in _SINGLE_EQ.finditer(code):
            yield "syntax.equals", code[: m.start()] + "==" + code[m.end() :] + rest
    for i, ch in enumerate(code):
        if ch in _PAIRS:
            yield "syntax.close", code[:i] + code[i + 1 :] + rest
    depth: list[str] = []
    for ch in code:
        if ch in "([{":
            depth.append(ch)
        elif ch in _PAIRS and depth and depth[-1] == _PAIRS[ch]:
            depth.pop()
    closers = "".join({"(": ")", "[": "]", "{": "}"}[c] for c in reversed(depth))
    if closers:
        if code.endswith(":") and _HEADER.match(code):
            yield "syntax.close", code[:-1] + closers + ":" + rest
        yield "syntax.close", code + closers + rest


def repairs(text: str, path: str = "<file>") -> list[tuple[str, int, str]]:
    """(slip, line, new text) that make ``text`` compile, nearest the error line first."""
    error = syntax_error(text, path)
    if error is None or not error.lineno:
        return []
    lines = text.splitlines(keepends=True)
    last = min(error.end_lineno or error.lineno, len(lines))
    out: dict[str, tuple[str, int]] = {}
    for number in range(last, max(error.lineno - WINDOW, 1) - 1, -1):
        old = lines[number - 1]
        newline = old[len(old.rstrip("\r\n")) :]
        for slip, new in _edits(old.rstrip("\r\n")):
            fixed = "".join([*lines[: number - 1], new + newline, *lines[number:]])
            if fixed not in out and syntax_error(fixed, path) is None:
                out[fixed] = (slip, number)
    return [(slip, line, fixed) for fixed, (slip, line) in out.items()]


def candidates(ctx: ProposalContext) -> Iterator[Candidate]:
    """Slip fixes of the located files that do not compile (the parent's edits kept)."""
    changed = {p: t for p, t in ctx.files.items() if ctx.base_files.get(p) != t}
    best: dict[str, Location] = {}
    for loc in ctx.locations:
        if loc.path in ctx.files and (loc.path not in best or loc.score > best[loc.path].score):
            best[loc.path] = loc
    for path, loc in best.items():
        for slip, line, fixed in repairs(ctx.files[path], path):
            patch = make_patch(ctx.base_files, {**changed, path: fixed})
            if patch.empty:
                continue
            where = loc.model_copy(update={"line": line, "end_line": line})
            yield Candidate(
                thought=f"{path}:{line}: {slip.split('.')[1]} slip fixed so that the module compiles",
                patch=patch,
                template=slip,
                prior=max(loc.score, 0.0) * WEIGHTS[slip],
                location=where,
            )
