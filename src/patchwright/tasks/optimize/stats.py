"""Rank statistics for timing samples (stdlib only): the Mann-Whitney U test, medians and
the geometric mean. Exact U distribution for small samples without ties, the normal
approximation with tie correction otherwise (as scipy.stats.mannwhitneyu's 'auto')."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

EXACT_MAX = 8
"""Exact p-values when both samples have at most this many values and no ties."""


def median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    if not s:
        raise ValueError("median of no values")
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2.0


def geomean(xs: Sequence[float]) -> float:
    if not xs:
        return 1.0
    return math.exp(sum(math.log(max(x, 1e-12)) for x in xs) / len(xs))


def _ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Mid-ranks (1-based) of ``values`` and the sizes of the tie groups."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


@cache
def _u_counts(n1: int, n2: int) -> tuple[int, ...]:
    """How many arrangements give each U (0..n1*n2) for samples of n1 and n2 values."""
    # f(n1, n2, u) = f(n1 - 1, n2, u - n2) + f(n1, n2 - 1, u)
    if n1 == 0 or n2 == 0:
        return (1,)
    a = _u_counts(n1 - 1, n2)
    b = _u_counts(n1, n2 - 1)
    out = [0] * (n1 * n2 + 1)
    for u, c in enumerate(b):
        out[u] += c
    for u, c in enumerate(a):
        out[u + n2] += c
    return tuple(out)


def mann_whitney_less(a: Sequence[float], b: Sequence[float]) -> float:
    """One-sided p-value of the Mann-Whitney U test that values of ``a`` tend to be smaller
    than values of ``b`` (H1: a < b)."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return 1.0
    ranks, ties = _ranks([*a, *b])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2.0  # a's U: large when a is large
    if max(n1, n2) <= EXACT_MAX and all(t == 1 for t in ties):
        counts = _u_counts(n1, n2)
        total = math.comb(n1 + n2, n1)
        return sum(counts[: int(u1) + 1]) / total
    n = n1 + n2
    mu = n1 * n2 / 2.0
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1))
    var = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if var <= 0:
        return 1.0
    z = (u1 - mu + 0.5) / math.sqrt(var)  # continuity correction towards the mean
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


__all__ = ["geomean", "mann_whitney_less", "median"]
