"""The edit formats a model answers in, and their tolerant parser (applying the parsed
edits to files: :mod:`patchwright.propose.llm.edit_apply`).

Formats: SEARCH/REPLACE blocks (Aider style: a path line, ``<<<<<<< SEARCH``, ``=======``,
``>>>>>>> REPLACE``), unified-diff hunks (read as search/replace, line numbers ignored), and
whole-function replacement (a fenced block with one Python ``def`` or Java method, matched
to the function by name). Tolerated: code fences, stray prose, a missing path line when one
file is in play (or the text matches in one file only), ``a/`` / ``./`` / partial paths, CRLF,
trailing whitespace, copied line-number prefixes, blank-line and indentation drift (matched
ignoring leading whitespace when it differs consistently; the replacement is re-indented).

Nothing raises: every problem is an :class:`EditFailure` whose text is feedback for the
model's next attempt.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from patchwright.repo.index import Chunk, java_parses, parse_chunks

FailureKind = Literal["empty", "binary", "truncated", "wrong_path", "ambiguous", "no_match",
                      "no_edits", "syntax", "no_change", "unsupported"]  # fmt: skip
Focus = Mapping[str, Sequence[tuple[int, int]]]
"""path -> line spans (1-based, inclusive) the model was shown: breaks ties on ambiguity."""

MAX_REPLY_CHARS = 200_000
MAX_EDITS = 40
_HEAD = re.compile(r"^\s*<{5,9}\s*SEARCH\b", re.I)
_DIV = re.compile(r"^\s*={5,9}\s*$")
_TAIL = re.compile(r"^\s*>{5,9}\s*(REPLACE\b.*)?$", re.I)
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+#.-]*)\s*$")
LINENO = re.compile(r"^ *\d+ ?[|:] ?")
_PATHLIKE = re.compile(r"[\w.\-/]+\.\w+")
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+\w+\s*\(|^\s*class\s+\w+")
_BULLET = re.compile(r"^[-*] \S")
_JAVA_HEAD = re.compile(r"\)\s*(?:throws\s[\w.,\s]+)?\{")
JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd\ud800-\udfff]")


@dataclass(frozen=True)
class EditFailure:
    kind: FailureKind
    message: str
    path: str = ""


@dataclass(frozen=True)
class SearchReplace:
    path: str | None
    search: str
    replace: str


@dataclass(frozen=True)
class FunctionReplace:
    path: str | None
    code: str
    truncated: bool = False


Edit = SearchReplace | FunctionReplace


@dataclass
class ParsedReply:
    edits: list[Edit] = field(default_factory=list)
    failures: list[EditFailure] = field(default_factory=list)
    thought: str = ""


@dataclass
class EditResult:
    files: dict[str, str] = field(default_factory=dict)
    """New contents of every changed file."""
    applied: int = 0
    failures: list[EditFailure] = field(default_factory=list)
    thought: str = ""

    def feedback(self) -> str:
        return describe(self.failures)


def describe(failures: Sequence[EditFailure]) -> str:
    return "\n".join(f"- {f.message}" for f in failures[:6])


# ------------------------------------------------------------------------------ parsing


def parse_reply(text: str) -> ParsedReply:
    """Edits found in a model's reply, in order, and the reply's stated plan."""
    if not isinstance(text, str) or not text.strip():
        return ParsedReply(failures=[EditFailure("empty", "the reply was empty")])
    text = text[:MAX_REPLY_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    junk = len(JUNK.findall(text))
    if "\x00" in text or junk > max(3, len(text) // 50):
        return ParsedReply(failures=[EditFailure(
            "binary", "the reply contained binary junk or invalid UTF-8; answer in plain text")])  # fmt: skip
    lines = text.split("\n")
    out = ParsedReply(thought=_thought(lines))
    _parse_blocks(lines, out)
    if not out.edits and not out.failures:
        _parse_udiff(lines, out)
    if not out.edits and not out.failures:
        _parse_functions(lines, out)
    if not out.edits and not out.failures:
        out.failures.append(EditFailure("no_edits", "no edit found in the reply"))
    del out.edits[MAX_EDITS:]
    return out


def _thought(lines: list[str]) -> str:
    """The first line of prose outside edit blocks and code (the model's stated plan)."""
    in_fence = in_block = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if _HEAD.match(line):
            in_block = True
        if in_block or in_fence:
            in_block = in_block and not _TAIL.match(line)
            continue
        s = line.strip().strip("#*>` ").strip()
        diffish = line.startswith(("@@", "--- ", "+++ ", "diff ")) or (
            line[:1] in "+- " and not _BULLET.match(line)
        )
        if not s or diffish or _PATHLIKE.fullmatch(s) or _DEF.match(line) or _TAIL.match(line):
            continue
        s = re.sub(r"^(plan|thought|fix|reasoning)\s*:\s*(\*\*)?\s*", "", s, flags=re.I)
        if s:
            return s[:200]
    return ""


def _find_path(lines: list[str], i: int) -> str | None:
    """The path named on the closest non-blank, non-fence line above line ``i``."""
    for j in range(i - 1, max(i - 4, -1), -1):
        s = lines[j].strip()
        if not s or _FENCE.match(s):
            continue
        if _TAIL.match(s) or _DIV.match(s) or _HEAD.match(s):
            return None
        s = re.sub(r"^(file(name)?|path)\s*:\s*", "", s.strip("#*`'\" :"), flags=re.I)
        found = _PATHLIKE.findall(s)
        return found[-1].strip(".") if found else None
    return None


def _clean_section(sec: list[str]) -> list[str]:
    while sec and _FENCE.match(sec[0]):
        sec = sec[1:]
    while sec and _FENCE.match(sec[-1]):
        sec = sec[:-1]
    return sec


def _strip_linenos(search: list[str], replace: list[str]) -> tuple[list[str], list[str]]:
    body = [s for s in search if s.strip()]
    if body and all(LINENO.match(s) for s in body):
        return [LINENO.sub("", s) for s in search], [LINENO.sub("", s) for s in replace]
    return search, replace


def _parse_blocks(lines: list[str], out: ParsedReply) -> None:
    i, n = 0, len(lines)
    while i < n:
        if not _HEAD.match(lines[i]):
            i += 1
            continue
        path = _find_path(lines, i)
        j = i + 1
        while j < n and not (_DIV.match(lines[j]) or _HEAD.match(lines[j])):
            j += 1
        if j >= n or _HEAD.match(lines[j]):
            out.failures.append(EditFailure(
                "truncated", "an edit block ends before its '=======' line (reply cut off?)"))  # fmt: skip
            i = j
            continue
        k = j + 1
        while k < n and not (_TAIL.match(lines[k]) or _HEAD.match(lines[k])):
            k += 1
        if k >= n:
            out.failures.append(EditFailure(
                "truncated", "an edit block ends before its '>>>>>>> REPLACE' line (reply cut off?)"))  # fmt: skip
            return
        search, replace = _strip_linenos(_clean_section(lines[i + 1 : j]),
                                         _clean_section(lines[j + 1 : k]))  # fmt: skip
        out.edits.append(SearchReplace(path, "\n".join(search), "\n".join(replace)))
        i = k + (0 if _HEAD.match(lines[k]) else 1)


def _parse_udiff(lines: list[str], out: ParsedReply) -> None:
    path: str | None = None
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if line.startswith("+++ "):
            p = line[4:].split("\t")[0].strip()
            path = p[2:] if p[:2] in ("a/", "b/") else p
        if not line.startswith("@@"):
            i += 1
            continue
        search: list[str] = []
        replace: list[str] = []
        i += 1
        while i < n and not lines[i].startswith(("@@", "--- ", "+++ ", "diff ")):
            body = lines[i]
            if _FENCE.match(body) or (body == "" and (i + 1 >= n or lines[i + 1] == "")):
                break
            tag, rest = (body[:1] or " "), body[1:]
            if tag not in " +-":
                break
            if tag in " -":
                search.append(rest)
            if tag in " +":
                replace.append(rest)
            i += 1
        if search != replace:
            out.edits.append(SearchReplace(path, "\n".join(search), "\n".join(replace)))


def parse_functions(text: str) -> ParsedReply:
    """Only the whole functions in a reply (fenced or not), ignoring any edit blocks: the
    second reading of a reply whose blocks could not be applied."""
    out = ParsedReply()
    if isinstance(text, str) and text.strip():
        lines = text[:MAX_REPLY_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n")
        out.thought = _thought(lines)
        _parse_functions(lines, out)
        del out.edits[MAX_EDITS:]
    return out


def _parse_functions(lines: list[str], out: ParsedReply) -> None:
    blocks: list[tuple[int, list[str], bool]] = []
    i, n = 0, len(lines)
    while i < n:
        if _FENCE.match(lines[i]):
            j = i + 1
            while j < n and not _FENCE.match(lines[j]):
                j += 1
            blocks.append((i, lines[i + 1 : j], j >= n))
            i = j + 1
        else:
            i += 1
    if not blocks:  # unfenced: from the first def (with its decorators) to the end
        first = next((k for k, line in enumerate(lines) if _DEF.match(line)), None)
        if first is None:
            return
        while first > 0 and lines[first - 1].lstrip().startswith("@"):
            first -= 1
        blocks.append((first, _parseable_prefix(lines[first:]), False))
    for start, body, cut in blocks:
        if any(_DEF.match(line) for line in body) or java_methods("\n".join(body)):
            out.edits.append(FunctionReplace(_find_path(lines, start), "\n".join(body), cut))


def java_methods(code: str) -> list[Chunk]:
    """The outermost methods and constructors of a Java snippet (a bare method, or methods
    in a class), or [] when it is not Java with at least one complete method."""
    if not _JAVA_HEAD.search(code):
        return []
    chunks = [c for c in parse_chunks("reply.java", code) if c.kind != "class" and not c.local]
    tops = [c for c in chunks if not any(o is not c and o.line <= c.line and c.end_line <= o.end_line
                                         for o in chunks)]  # fmt: skip
    return tops if tops and java_parses("\n".join(c.text for c in tops)) else []


def _parseable_prefix(body: list[str]) -> list[str]:
    """Drop trailing prose after unfenced code, as long as the rest then parses."""
    for end in range(len(body), max(len(body) - 30, 0), -1):
        try:
            ast.parse(textwrap.dedent("\n".join(body[:end])))
            return body[:end]
        except (SyntaxError, ValueError):
            continue
    return body
