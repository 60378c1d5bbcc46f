"""Spectrum-based fault localization from per-test line coverage.

A line's suspiciousness grows with the failing tests that execute it and shrinks with the
passing ones (Ochiai by default; Tarantula and DStar for comparison). Lines map to their
enclosing function, so callers get line- and function-level rankings.
"""

from __future__ import annotations

import ast
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from patchwright.core.domain import Location, Task, TestResult
from patchwright.core.protocols import BuildContext, CoverageMap
from patchwright.localize.lexical import failing_words, lexical_scores
from patchwright.localize.tiebreak import KEYS, break_ties
from patchwright.localize.traceback_frames import failing_frames

_TEST_FILE = re.compile(
    r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*(Test|Tests|_TEST|TestCase)\.java)$"
)
_TEST_DIR = re.compile(r"(^|/)(tests?|testing)/")


def is_test_file(path: str) -> bool:
    return bool(_TEST_FILE.search(path) or _TEST_DIR.search(path))


def ochiai(ef: int, ep: int, nf: int, np_: int) -> float:
    denom = math.sqrt((ef + nf) * (ef + ep))
    return ef / denom if denom else 0.0


def tarantula(ef: int, ep: int, nf: int, np_: int) -> float:
    fail = ef / (ef + nf) if ef + nf else 0.0
    pas = ep / (ep + np_) if ep + np_ else 0.0
    return fail / (fail + pas) if fail + pas else 0.0


def dstar(ef: int, ep: int, nf: int, np_: int) -> float:
    denom = ep + nf
    return float(ef * ef) / denom if denom else float(ef * ef) * 10.0


FORMULAS: dict[str, Callable[[int, int, int, int], float]] = {
    "ochiai": ochiai,
    "tarantula": tarantula,
    "dstar": dstar,
}


@dataclass(frozen=True)
class LineScore:
    path: str
    line: int
    score: float
    ef: int
    ep: int


def score_lines(
    coverage: CoverageMap,
    failing: Iterable[str],
    passing: Iterable[str],
    formula: str = "ochiai",
    include: Callable[[str], bool] = lambda p: not is_test_file(p),
) -> list[LineScore]:
    """Score every line executed by at least one failing test, best first."""
    fn = FORMULAS[formula]
    failing_set, passing_set = set(failing), set(passing)
    ef: dict[tuple[str, int], int] = defaultdict(int)
    ep: dict[tuple[str, int], int] = defaultdict(int)
    for test, files in coverage.items():
        bucket = ef if test in failing_set else ep if test in passing_set else None
        if bucket is None:
            continue
        for path, lines in files.items():
            if include(path):
                for line in lines:
                    bucket[(path, line)] += 1
    total_f, total_p = len(failing_set), len(passing_set)
    scores = [
        LineScore(
            path,
            line,
            fn(f, ep[(path, line)], total_f - f, total_p - ep[(path, line)]),
            f,
            ep[(path, line)],
        )
        for (path, line), f in ef.items()
    ]
    scores.sort(key=lambda s: (-s.score, -s.ef, s.path, s.line))
    return scores


def with_frames(coverage: CoverageMap, frames: Mapping[str, Iterable[tuple[str, int]]]) -> CoverageMap:
    """``coverage`` with each failing test's traceback frames added to its lines: a frame
    was executed by that test, whether or not the coverage tracer saw it."""
    out: CoverageMap = {t: {p: set(ls) for p, ls in files.items()} for t, files in coverage.items()}
    for test, stack in frames.items():
        files = out.setdefault(test, {})
        for path, line in stack:
            files.setdefault(path, set()).add(line)
    return out


def function_spans(source: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, innermost last."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def enclosing(spans: list[tuple[int, int, str]], line: int) -> tuple[int, int, str] | None:
    best = None
    for span in spans:
        if span[0] <= line <= span[1] and (best is None or span[0] >= best[0]):
            best = span
    return best


class SbflLocalizer:
    """Ranks executed lines of non-test files by a spectrum formula."""

    name = "sbfl"

    @classmethod
    def build(cls, ctx: BuildContext) -> SbflLocalizer:
        assert ctx.task is not None, "a localizer works on a prepared task"
        cfg = ctx.config.localize
        return cls(Path(ctx.task.repo), cfg.formula, cfg.top, cfg.traceback, cfg.tiebreak)

    def __init__(
        self,
        root: Path,
        formula: str = "ochiai",
        top: int = 40,
        traceback: bool = True,
        tiebreak: Sequence[str] = KEYS,
    ) -> None:
        if formula not in FORMULAS:
            raise ValueError(f"unknown SBFL formula {formula!r}")
        unknown = [k for k in tiebreak if k not in KEYS]
        if unknown:
            raise ValueError(f"unknown tie-break key {unknown[0]!r} (choose from {', '.join(KEYS)})")
        self.root = Path(root)
        self.formula = formula
        self.top = top
        self.traceback = traceback
        self.tiebreak = list(tiebreak)

    def localize(self, task: Task, coverage: CoverageMap, result: TestResult) -> list[Location]:
        """Lines by spectrum score (failing tracebacks' frames joining the failing tests'
        spectra), ties broken by the configured keys; the first ``top``."""
        frames = failing_frames(result, task.failing_tests, self.root, lambda p: not is_test_file(p))
        if self.traceback and frames:
            coverage = with_frames(coverage, frames)
        scores = score_lines(coverage, task.failing_tests, task.passing_tests, self.formula)
        spans_by_file: dict[str, list[tuple[int, int, str]]] = {}
        locations: list[Location] = []
        for s in scores:
            if s.score <= 0:
                continue
            if s.path not in spans_by_file:
                spans_by_file[s.path] = function_spans(self._read(s.path))
            span = enclosing(spans_by_file[s.path], s.line)
            locations.append(
                Location(
                    path=s.path,
                    line=s.line,
                    end_line=s.line,
                    symbol=span[2] if span else "",
                    score=round(s.score, 6),
                    source="sbfl",
                )
            )
            if not self.tiebreak and len(locations) >= self.top:
                break
        if self.tiebreak:
            lexical = None
            if "lexical" in self.tiebreak:
                lexical = lexical_scores(
                    locations, self._read,
                    lambda path, line: enclosing(spans_by_file.get(path, []), line),
                    failing_words(result, task.failing_tests),
                )  # fmt: skip
            locations = break_ties(locations, self.tiebreak, frames, task.failing_tests, lexical)
        return locations[: self.top]

    def _read(self, path: str) -> str:
        try:
            return (self.root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""


def rank_functions(locations: Iterable[Location]) -> list[tuple[str, str, float]]:
    """Function-level ranking: (path, symbol, best line score), best first."""
    best: Mapping[tuple[str, str], float] = {}
    acc: dict[tuple[str, str], float] = {}
    for loc in locations:
        key = (loc.path, loc.symbol)
        acc[key] = max(acc.get(key, 0.0), loc.score)
    best = acc
    return sorted(((p, s, v) for (p, s), v in best.items()), key=lambda t: -t[2])
