"""The first candidate of a migration: every applicable rule at every call site of the
project's source files (test files excluded), as one LibCST codemod, validated with the
whole suite in the target environment.

Rounds: run the suite (the base first); mine replacements from the removal and
deprecation messages it raised (:mod:`patchwright.propose.migrate.messages`); apply the
rules file's rewrites and every mined one to the *base* files; run again. A failing test
stops at its first removed name, so each round can uncover the next; the rounds end when
the suite passes, nothing new is mined, or a round makes fewer tests pass (its new rules
are then dropped as rejected)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from patchwright.core.diff import make_patch
from patchwright.core.domain import Patch, TestResult, TestStatus
from patchwright.core.protocols import RunLimits, TestBed
from patchwright.propose.migrate.codemod import Site, is_test_path, library_names, rewrite, uses
from patchwright.propose.migrate.messages import Hint, Unresolved, mine_messages
from patchwright.propose.migrate.rules import Rule, RulesFile

MAX_ROUNDS = 8


@dataclass(frozen=True)
class Change:
    """One call site the sweep rewrote (base-commit line)."""

    path: str
    line: int
    old: str
    new: str
    rule: str
    """``numpy.NINF -> -numpy.inf (from: test messages)``."""


@dataclass(frozen=True)
class Left:
    """A use the sweep could not rewrite, for the model or the user."""

    path: str
    line: int
    text: str
    reason: str


@dataclass
class Round:
    passed: int
    failed: int
    compile_error: bool
    new_rules: list[str] = field(default_factory=list)
    accepted: bool = True


@dataclass
class SweepResult:
    patch: Patch
    changes: list[Change]
    left: list[Left]
    mined: list[Hint]
    rejected: list[Hint]
    unresolved: list[Unresolved]
    rounds: list[Round]
    result: TestResult
    seconds: float

    @property
    def evaluations(self) -> int:
        """Candidates tested (the base run not counted, as in the search)."""
        return len(self.rounds) - 1

    @property
    def test_runs(self) -> int:
        return len(self.rounds)

    @property
    def passed(self) -> bool:
        return _score(self.result)[2]

    def failing(self) -> list[str]:
        return sorted(t for t, o in self.result.tests.items() if o.status not in _OK)


_OK = (TestStatus.PASS, TestStatus.SKIP)


def _score(result: TestResult) -> tuple[int, int, bool]:
    good = sum(1 for o in result.tests.values() if o.status in _OK)
    bad = len(result.tests) - good
    ok = bool(result.tests) and not bad and not result.compile_error and result.applied
    return good, bad, ok


def messages(result: TestResult) -> list[str]:
    """Every text of a run that may state a removal or deprecation."""
    out = [result.compile_error, result.output_tail]
    for o in result.tests.values():
        out += [o.message, o.output]
    return [t for t in out if t]


def source_files(files: Mapping[str, str]) -> dict[str, str]:
    """The project's Python files the codemod rewrites (tests excluded)."""
    return {p: t for p, t in files.items() if p.endswith(".py") and not is_test_path(p)}


def apply_rules(
    files: Mapping[str, str], table: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, list[Site]]]:
    new: dict[str, str] = {}
    sites: dict[str, list[Site]] = {}
    for path, text in sorted(files.items()):
        out, done = rewrite(text, table)
        if done:
            new[path], sites[path] = out, done
    return new, sites


def sweep(
    bed: TestBed,
    base_files: Mapping[str, str],
    rules: RulesFile,
    module: str,
    *,
    mine: bool = True,
    probe: Callable[[set[str]], dict[str, list[str]]] | None = None,
    limits: RunLimits | None = None,
    max_rounds: int = MAX_ROUNDS,
    log: Callable[[str], None] = lambda _m: None,
) -> SweepResult:
    """Run the rounds on ``bed`` (a workspace at the base commit); ``base_files`` are the
    repository's Python files at that commit. ``probe`` looks the library names the
    sources use up in the target environment (name -> its error and warning texts): those
    messages are mined with the base run's."""
    start = time.monotonic()
    limits = limits or RunLimits(wall_timeout=600.0)
    files = source_files(base_files)
    origin = {r.old: "rules file" for r in rules.rewrites() if r.new}
    table = {r.old: r.new for r in rules.rewrites() if r.new}
    mined: dict[str, Hint] = {}
    rejected: dict[str, Hint] = {}
    unresolved: dict[str, Unresolved] = {}
    rounds: list[Round] = []
    patch = make_patch(files, {})
    sites: dict[str, list[Site]] = {}
    seed: list[str] = []
    if mine and probe is not None:
        used: set[str] = set()
        for text in files.values():
            used |= library_names(text, module.split(".")[0])
        said = probe(used)
        seed = [t for texts in said.values() for t in texts]
        log(f"sweep: {len(used)} {module} names used, {len(said)} flagged by the target version")
    result = _run(bed, patch, limits)
    rounds.append(_round(result, []))
    log(f"sweep: base in the target environment: {_say(result)}")
    for _ in range(max_rounds):
        if _score(result)[2]:
            break
        fresh: list[Hint] = []
        if mine:
            hints, stated_none = mine_messages([*seed, *messages(result)], module)
            for u in stated_none:
                unresolved.setdefault(u.old, u)
            fresh = [h for h in hints if h.old not in table and h.old not in rejected]
        trial = dict(table)
        trial.update({h.old: h.new for h in fresh})
        new_files, new_sites = apply_rules(files, trial)
        new_patch = make_patch(files, new_files)
        if new_patch.hash == patch.hash:
            break
        trial_result = _run(bed, new_patch, limits)
        names = [f"{h.old} -> {h.new}" for h in fresh]
        ok = _score(trial_result)[0] >= _score(result)[0] and trial_result.applied
        rounds.append(_round(trial_result, names, ok))
        log(f"sweep: round {len(rounds) - 1}: {sum(map(len, new_sites.values()))} sites"
            f"{', new rules: ' + '; '.join(names) if names else ''}: {_say(trial_result)}"
            f"{'' if ok else ' (worse: rejected)'}")  # fmt: skip
        if not ok:
            rejected.update({h.old: h for h in fresh})
            if not fresh:
                break
            continue
        for h in fresh:
            mined[h.old] = h
            origin[h.old] = "the target's messages"
            unresolved.pop(h.old, None)
        table, patch, sites, result = trial, new_patch, new_sites, trial_result
    changes = [
        Change(path, s.line, s.text, s.replacement,
               f"{s.old} -> {s.new} (from: {origin.get(s.old, 'rules file')})")
        for path, ss in sorted(sites.items()) for s in ss
    ]  # fmt: skip
    after = dict(files)
    after.update({p: t for p, t in _applied(files, table).items()})
    still = _left(after, rules.rules, unresolved.values(), rejected.values())
    return SweepResult(patch, changes, still, list(mined.values()), list(rejected.values()),
                       list(unresolved.values()), rounds, result, time.monotonic() - start)  # fmt: skip


def _applied(files: Mapping[str, str], table: Mapping[str, str]) -> dict[str, str]:
    return apply_rules(files, table)[0]


def _left(
    files: Mapping[str, str],
    rules: Iterable[Rule],
    unresolved: Iterable[Unresolved],
    rejected: Iterable[Hint],
) -> list[Left]:
    """Uses still in the code of a name that a rule, a message or a rejected rewrite says
    is gone or deprecated."""
    why: dict[str, str] = {}
    for r in rules:
        if r.kind == "removed" or (r.rewritable and r.new):  # a rewritable one left: no site form
            why[r.old] = f"{r.kind}: {r.message or 'no replacement known'}"[:200]
    for u in unresolved:
        why[u.old] = f"no usable replacement in: {u.message}"[:200]
    for h in rejected:
        why[h.old] = f"the rewrite to {h.new} made more tests fail"
    out = []
    for path, text in sorted(files.items()):
        for s in uses(text, why):
            out.append(Left(path, s.line, s.text, s.replacement))
    return out


def _run_apply(bed: TestBed, patch: Patch) -> bool:
    bed.reset()
    return patch.empty or bed.apply(patch)


def _run(bed: TestBed, patch: Patch, limits: RunLimits) -> TestResult:
    if not _run_apply(bed, patch):
        return TestResult(applied=False)
    return bed.run_tests([], limits)


def _round(result: TestResult, names: list[str], accepted: bool = True) -> Round:
    good, bad, _ = _score(result)
    return Round(good, bad, bool(result.compile_error), names, accepted)


def _say(result: TestResult) -> str:
    good, bad, ok = _score(result)
    if result.compile_error and not result.tests:
        return "collection error"
    return "all tests pass" if ok else f"{good} pass, {bad} fail"


__all__ = ["Change", "Left", "Round", "SweepResult", "apply_rules", "source_files", "sweep"]
