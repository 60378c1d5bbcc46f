"""BM25 over code chunks (bm25s) for issue text: which functions does the issue talk about?

The tokenizer is code-aware: identifiers split at snake_case and camelCase boundaries
(``parseHTTPResponse_v2`` -> ``parse``, ``http``, ``response``, ``v2``) and are also kept
whole, so an exact identifier in the issue weighs more than its parts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import bm25s  # type: ignore[import-untyped]

from patchwright.core.domain import Location
from patchwright.repo.index import Chunk

__all__ = ["Bm25Index", "Bm25Localizer", "tokenize"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_STOP = """a an and are as at be but by def do does for from has have if in is it its not of on
or self return that the this to was when where which while with none true false
public private protected static void new class import final"""
STOPWORDS = frozenset(_STOP.split())


def tokenize(text: str) -> list[str]:
    """Lower-case code-aware tokens of ``text`` (stop words and 1-letter parts dropped)."""
    out: list[str] = []
    for word in _WORD.findall(text):
        parts = [p.lower() for chunk in word.split("_") for p in _PART.findall(chunk)]
        whole = word.lower().strip("_")
        if len(parts) > 1 and whole not in STOPWORDS:
            out.append(whole)
        out.extend(p for p in parts if len(p) > 1 and p not in STOPWORDS)
    return out


class Bm25Index:
    """BM25 over any texts (tokenized with :func:`tokenize`), built once, queried often."""

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.size = len(texts)
        # bm25s sets its own logger to DEBUG: "Building index from tokens" on every index
        # wherever a root handler exists (a batch's workers). Its warnings still show.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.retriever = bm25s.BM25(k1=k1, b=b)
        if texts:
            self.retriever.index([tokenize(t) or ["_"] for t in texts], show_progress=False)

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """Indices of the ``k`` best-matching texts with their scores (score > 0), best first."""
        terms = tokenize(query)
        if not terms or not self.size:
            return []
        scores = self.retriever.get_scores(terms)
        order = sorted(range(self.size), key=lambda i: (-float(scores[i]), i))[:k]
        return [(i, float(scores[i])) for i in order if float(scores[i]) > 0.0]


class Bm25Localizer:
    """Ranks chunks for a query; ``rank`` returns Locations (source "bm25"), best first,
    scores scaled so that the best hit is 1.0."""

    name = "bm25"

    def __init__(
        self,
        k1: float = 1.5,
        b: float = 0.75,
        top: int = 20,
        kinds: tuple[str, ...] = ("function", "method"),
    ) -> None:
        self.k1 = k1
        self.b = b
        self.top = top
        self.kinds = kinds

    def rank(self, query: str, chunks: Sequence[Chunk]) -> list[Location]:
        pool = [c for c in chunks if c.kind in self.kinds and not c.local]
        terms = tokenize(query)
        if not pool or not terms:
            return []
        corpus = [tokenize(f"{c.path} {c.name} {c.text}") or ["_"] for c in pool]
        retriever = bm25s.BM25(k1=self.k1, b=self.b)
        retriever.index(corpus, show_progress=False)
        scores = retriever.get_scores(terms)
        order = sorted(range(len(pool)), key=lambda i: (-float(scores[i]), i))
        best = float(scores[order[0]]) if order else 0.0
        out: list[Location] = []
        for i in order[: self.top]:
            score = float(scores[i])
            if score <= 0.0:
                break
            c = pool[i]
            out.append(
                Location(
                    path=c.path,
                    line=c.line,
                    end_line=c.end_line,
                    symbol=c.name,
                    score=round(score / best, 6),
                    source="bm25",
                )
            )
        return out
