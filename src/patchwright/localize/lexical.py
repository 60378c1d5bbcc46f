"""Lexical similarity between the failing tests and the functions their lines sit in: a
tie-break for lines of equal spectrum score.

Spectrum and text are complementary evidence (Le et al., "Information retrieval and
spectrum based bug localization: better together", FSE 2015; Zhou et al., BugLocator,
ICSE 2012): among the many lines a failing test alone runs, the ones in a function whose
words the test speaks (its name, the calls in its body that pytest prints, the failure
message: ``test_static_range_end`` -> a function reading ``request_range``) come first.
BM25 over each suspicious function's source, the query being the failing tests' ids,
messages and printed output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from patchwright.core.domain import Location, TestResult
from patchwright.localize.bm25 import Bm25Index

Span = tuple[int, int, str]


def failing_words(result: TestResult, failing: Iterable[str]) -> str:
    """The query: each failing test's id, its failure message and its printed output."""
    parts: list[str] = []
    for test in failing:
        parts.append(test.replace("::", " "))
        outcome = result.tests.get(test)
        if outcome is not None:
            parts += [outcome.message, outcome.output]
    return "\n".join(parts)


def lexical_scores(
    locations: Iterable[Location],
    read: Callable[[str], str],
    enclosing: Callable[[str, int], Span | None],
    query: str,
) -> Mapping[tuple[str, int], float]:
    """Per line, the BM25 score of its enclosing function's source against ``query``
    (0.0 for a line outside any function, or a function the query shares no word with)."""
    docs: dict[tuple[str, Span], int] = {}
    texts: list[str] = []
    line_doc: dict[tuple[str, int], int] = {}
    lines_of: dict[str, list[str]] = {}
    for loc in locations:
        span = enclosing(loc.path, loc.line)
        if span is None:
            continue
        key = (loc.path, span)
        if key not in docs:
            if loc.path not in lines_of:
                lines_of[loc.path] = read(loc.path).splitlines()
            body = "\n".join(lines_of[loc.path][span[0] - 1 : span[1]])
            docs[key] = len(texts)
            texts.append(f"{span[2].rsplit('.', 1)[-1]}\n{body}")
        line_doc[(loc.path, loc.line)] = docs[key]
    if not texts or not query.strip():
        return {}
    ranked = dict(Bm25Index(texts).top(query, len(texts)))
    return {k: ranked.get(i, 0.0) for k, i in line_doc.items()}
