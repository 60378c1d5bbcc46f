"""LLM re-ranking of suspicious locations (Agentless style, in one call): the model sees the
problem, the SBFL (and BM25) candidates and the skeletons of their files, and answers with
locations, file -> function -> lines, best first.

The answer is parsed tolerantly: candidate numbers (``[3]``, ``#3``), ``path:12-14``,
``path:12``, ``path::name`` or ``path name``, bare function names, bare paths. Named places
come first (source "llm"), with the candidates that lie inside them kept in their own order
so line-level precision is not lost; the other candidates follow with lower scores. Any
error or an answer that names nothing returns the input unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from patchwright.core.domain import Location, Message
from patchwright.core.events import ErrorEvent, Note, Record
from patchwright.core.protocols import Model
from patchwright.prompts import render
from patchwright.repo.index import CodeIndex

__all__ = ["LlmRanker", "parse_ranking"]

MAX_CANDIDATES = 20
_REF = re.compile(r"(?:\[|#)\s*(\d{1,3})\s*\]?")
_PATH_LINES = re.compile(
    r"([\w./\\-]+\.\w+)\s*(?::|#L|,? lines?|\s)\s*L?(\d+)(?:\s*(?:-|to|\u2013)\s*L?(\d+))?"
)
_PATH_NAME = re.compile(r"([\w./\\-]+\.\w+)\s*(?:::|:|\s)\s*([A-Za-z_][\w.]*)")
_PATH = re.compile(r"[\w./\\-]+\.(?:py|java|js|ts|go|rb|c|h|cc|cpp|rs|kt|scala)\b")
_NAME = re.compile(r"[A-Za-z_][\w.]*")


def _resolve(path: str, files: Mapping[str, str]) -> str | None:
    p = path.replace("\\", "/").removeprefix("./")
    if p in files:
        return p
    for match in ([f for f in files if f.endswith("/" + p) or p.endswith("/" + f)],
                  [f for f in files if f.rsplit("/", 1)[-1] == p.rsplit("/", 1)[-1]]):  # fmt: skip
        if len(match) == 1:
            return match[0]
    return None


def _span(loc: Location) -> tuple[str, int, int]:
    return loc.path, loc.line, max(loc.line, loc.end_line)


def parse_ranking(
    text: str, candidates: Sequence[Location], files: Mapping[str, str]
) -> list[Location]:
    """The places an answer names, in order, as spans (``score`` unset, source "llm")."""
    index = CodeIndex(files)
    named: list[Location] = []

    def add(path: str, line: int, end: int, symbol: str = "") -> None:
        total = max(1, len(files[path].splitlines()))
        line, end = max(1, min(line, total)), max(1, min(max(line, end), total, line + 200))
        if not symbol:
            chunk = index.enclosing(path, line)
            symbol = chunk.name if chunk else ""
        loc = Location(path=path, line=line, end_line=end, symbol=symbol, source="llm")
        if all(_span(loc) != _span(old) for old in named):
            named.append(loc)

    for raw in (text or "").splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+", "", raw).strip()
        if not line:
            continue
        ref = _REF.search(line)
        if ref and 1 <= int(ref.group(1)) <= len(candidates):
            c = candidates[int(ref.group(1)) - 1]
            add(c.path, c.line, c.end_line, c.symbol)
            continue
        m = _PATH_LINES.search(line)
        path = _resolve(m.group(1), files) if m else None
        if m and path:
            add(path, int(m.group(2)), int(m.group(3) or m.group(2)))
            continue
        m2 = _PATH_NAME.search(line)
        path = _resolve(m2.group(1), files) if m2 else None
        if m2 and path and (found := index.find(path, m2.group(2))):
            add(path, found[0].line, found[0].end_line, found[0].name)
            continue
        bare = _PATH.search(line)
        path = _resolve(bare.group(0), files) if bare else None
        if path:
            for c in candidates:
                if c.path == path:
                    add(c.path, c.line, c.end_line, c.symbol)
            continue
        for word in (w.strip(".") for w in _NAME.findall(line)):
            hits = [c for c in index.chunks() if c.name == word or c.short_name == word]
            if len(hits) == 1:
                add(hits[0].path, hits[0].line, hits[0].end_line, hits[0].name)
                break
    return named


def rerank(named: Sequence[Location], locations: Sequence[Location]) -> list[Location]:
    """``named`` spans first (each followed by the input locations inside it), then the
    rest of ``locations``; scores above 0.5 for named places, scaled below for the rest."""
    ordered: list[Location] = []
    used: set[int] = set()
    for span in named:
        inside = [i for i, loc in enumerate(locations) if i not in used and loc.path == span.path
                  and span.line <= loc.line and max(loc.line, loc.end_line) <= span.end_line]  # fmt: skip
        used.update(inside)
        ordered += [locations[i].model_copy(update={"source": "llm"}) for i in inside] or [span]
    k = len(ordered)
    out = [loc.model_copy(update={"score": round(1.0 - 0.5 * i / k, 6)})
           for i, loc in enumerate(ordered)]  # fmt: skip
    out += [loc.model_copy(update={"score": min(loc.score, 1.0) * 0.5})
            for i, loc in enumerate(locations) if i not in used]  # fmt: skip
    return out


class LlmRanker:
    """Re-ranks Locations with a model; ``rank`` never raises."""

    name = "llm"

    def __init__(
        self,
        model: Model,
        top: int = 10,
        max_tokens: int = 400,
        max_skeleton_lines: int = 150,
        record: Record | None = None,
    ) -> None:
        self.model = model
        self.top = top
        self.max_tokens = max_tokens
        self.max_skeleton_lines = max_skeleton_lines
        self.record: Record = record or (lambda event: None)

    def rank(
        self,
        locations: Sequence[Location],
        files: Mapping[str, str],
        issue: str = "",
        hits: Sequence[Location] = (),
        tests: Sequence[str] = (),
    ) -> list[Location]:
        """``locations`` (SBFL) re-ranked; ``hits`` (BM25) are offered as candidates too."""
        seen: set[tuple[str, int, int]] = set()
        candidates: list[Location] = []
        for loc in [*locations, *hits]:
            if loc.path in files and _span(loc) not in seen and len(candidates) < MAX_CANDIDATES:
                seen.add(_span(loc))
                candidates.append(loc)
        if not candidates:
            return list(locations)
        try:
            resp = self.model.complete(self.messages(candidates, files, issue, tests),
                                       max_tokens=self.max_tokens, temperature=0.0)  # fmt: skip
            reply = resp.text if isinstance(resp.text, str) else ""
            named = parse_ranking(reply, candidates, files)
        except Exception as exc:  # fall back to the input order
            self.record(ErrorEvent(source="llm_rank", error=f"{type(exc).__name__}: {exc}"[:500]))
            return list(locations)
        if not named:
            self.record(Note(name="llm_rank unparsable", message=reply[:500]))
            return list(locations)
        return rerank(named[: self.top], locations)

    def messages(
        self,
        candidates: Sequence[Location],
        files: Mapping[str, str],
        issue: str,
        tests: Sequence[str],
    ) -> list[Message]:
        lines = [f"[{i}] {c.path}:{c.line}-{max(c.line, c.end_line)} {c.symbol}".rstrip()
                 + f" ({c.source} {c.score:.2f})" for i, c in enumerate(candidates, 1)]  # fmt: skip
        index = CodeIndex(files)
        skeletons: list[str] = []
        for path in dict.fromkeys(c.path for c in candidates):
            skel = index.skeleton(path).split("\n")
            room = self.max_skeleton_lines - sum(s.count("\n") + 1 for s in skeletons)
            if room <= 2:
                break
            skeletons.append(f"# {path}\n" + "\n".join(skel[: room - 1]))
        problem = issue.strip()[:4000]
        if tests:
            problem += (
                ("\n\n" if problem else "")
                + "Failing tests:\n"
                + "\n".join(f"- {t}" for t in list(tests)[:10])
            )
        return [
            Message(role="system", content=render("localize_system", top=self.top)),
            Message(role="user", content=render(
                "localize_user", issue=problem or "(no description; see the candidates)",
                candidates="\n".join(lines), skeletons="\n\n".join(skeletons) or "(none)")),
        ]  # fmt: skip
