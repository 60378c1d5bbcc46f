"""Breaking ties between lines of equal spectrum score.

Spectra of small suites give many lines the same score (every line of a function the
failing tests run and no passing test does ties at 1.0). Among equal scores, in order:

- ``traceback``: lines the failing tests' tracebacks show, those nearer the raising frame
  first (stack-trace localization: faults sit mostly in the top frames; Schröter et al.,
  MSR 2010; Wong et al., ICSME 2014), each failing test adding ``1 / (1 + depth)``;
- ``test_name``: lines of functions the failing tests are named after (the naming
  convention ``test_<unit>``; Van Rompaey and Demeyer, CSMR 2009);
- ``lexical``: lines of functions whose source shares the most (BM25-weighted) words with
  the failing tests' ids, messages and printed output (:mod:`patchwright.localize.lexical`);
- ``later``: later lines first (what runs last before a failure is checked is nearer it).

The order is written into the scores: each tie group keeps its score plus less than
1e-7, so no line passes one of a higher spectrum score, and lines the keys cannot tell
apart still tie.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from patchwright.core.domain import Location

KEYS = ("traceback", "test_name", "lexical", "later")
EPSILON = 1e-7

_PARAMS = re.compile(r"\[.*\]$")


def unit_names(test_ids: Iterable[str]) -> set[str]:
    """Unit names the tests are named after: ``test_gcd.py::test_gcd[x]`` -> ``gcd``;
    ``TestParser::test_parse_empty`` -> ``parser``, ``parse_empty``."""
    names: set[str] = set()
    for tid in test_ids:
        parts = re.split(r"::|/|\.", _PARAMS.sub("", tid))
        for part in parts:
            low = part.lower()
            if low in ("py", "tests", "test"):
                continue
            for prefix in ("test_", "test"):
                if low.startswith(prefix) and len(low) > len(prefix):
                    names.add(low[len(prefix):].strip("_"))
                    break
            else:
                if low.endswith("_test"):
                    names.add(low[: -len("_test")])
    return {n for n in names if n}


def named_by(symbol: str, names: set[str]) -> bool:
    """Whether a function (``Class.method``) is one a test is named after: a name equal to
    one of its parts, or starting with it and an underscore (``gcd_zero`` -> ``gcd``)."""
    for part in symbol.lower().split("."):
        part = part.strip("_")
        if part and any(n == part or n.startswith(part + "_") for n in names):
            return True
    return False


def trace_weights(frames: Mapping[str, Sequence[tuple[str, int]]]) -> dict[tuple[str, int], float]:
    """Per line, the sum over failing tests of ``1 / (1 + depth)`` (0: the raising frame)."""
    weights: dict[tuple[str, int], float] = defaultdict(float)
    for stack in frames.values():
        for depth, frame in enumerate(reversed(stack)):
            weights[frame] += 1.0 / (1 + depth)
    return weights


def break_ties(
    locations: list[Location],
    keys: Sequence[str],
    frames: Mapping[str, Sequence[tuple[str, int]]],
    failing: Iterable[str],
    lexical: Mapping[tuple[str, int], float] | None = None,
) -> list[Location]:
    """``locations`` (any order) sorted best first, ties broken by ``keys`` in order
    (``lexical``: per line, its function's similarity to the failing tests)."""
    lexical = lexical or {}
    weights = trace_weights(frames) if "traceback" in keys else {}
    names = unit_names(failing) if "test_name" in keys else set()

    def key(loc: Location) -> tuple[float, ...]:
        out: list[float] = []
        for k in keys:
            if k == "traceback":
                out.append(round(weights.get((loc.path, loc.line), 0.0), 6))
            elif k == "test_name":
                out.append(1.0 if named_by(loc.symbol, names) else 0.0)
            elif k == "lexical":
                out.append(round(lexical.get((loc.path, loc.line), 0.0), 6))
            elif k == "later":
                out.append(float(loc.line))
            else:
                raise ValueError(f"unknown tie-break key {k!r} (choose from {', '.join(KEYS)})")
        return tuple(out)

    groups: dict[float, list[Location]] = defaultdict(list)
    for loc in locations:
        groups[loc.score].append(loc)
    out: list[Location] = []
    for score in sorted(groups, reverse=True):
        members = groups[score]
        keyed = sorted(((key(m), i, m) for i, m in enumerate(members)), key=lambda t: (
            tuple(-v for v in t[0]), t[1]))  # fmt: skip
        distinct = sorted({k for k, _, _ in keyed}, reverse=True)
        place = {k: i for i, k in enumerate(distinct)}
        n = len(distinct)
        for k, _, m in keyed:
            bonus = EPSILON * (n - place[k]) / n if n > 1 else 0.0
            out.append(m.model_copy(update={"score": round(score + bonus, 12)}))
    return out
