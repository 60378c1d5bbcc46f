"""Reproduce: find the failing tests at base and record per-test coverage for them and a
bounded set of related passing tests, and learn the limits candidate runs get; validate:
the full suite on a chosen patch, failures outside the failing tests re-run at base to tell
regressions from failures that were there before.

Test ids come from collection (nothing run); coverage is recorded only for the failing
tests and at most ``reproduce.related_tests`` passing ones (their modules first, then a
fixed sample of the rest), never for the whole suite of a large repository."""

from __future__ import annotations

import dataclasses
import os
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from patchwright.core.config import RunConfig
from patchwright.core.domain import Patch, Task, TestResult, TestStatus
from patchwright.core.errors import BaseRunCrashed, NoTestsFound, RepairError
from patchwright.core.protocols import CoverageMap, RunLimits, TestBed
from patchwright.localize.sbfl import is_test_file
from patchwright.localize.traceback_frames import frames
from patchwright.pipeline.module_setup import runs_project_code, with_module_setup

_OK = (TestStatus.PASS, TestStatus.SKIP)


@dataclass
class Baseline:
    result: TestResult
    """The coverage run: the failing tests and the related passing ones."""
    coverage: CoverageMap
    failing: list[str]
    passing: list[str]
    settings: dict[str, object] = field(default_factory=dict)
    """The runner's settings chosen here (kept for the rest of the run)."""
    collected: int = 0
    """How many tests the project has (by collection)."""


def _matches(test_id: str, selectors: Sequence[str]) -> bool:
    for sel in selectors:
        if test_id == sel or test_id.startswith(sel + "[") or test_id.startswith(sel + "::"):
            return True
        if "::" not in sel and test_id.split("::", 1)[0] == sel:
            return True
    return False


def _module(test_id: str) -> str:
    return test_id.split("::", 1)[0]


def related_tests(collected: Sequence[str], failing: Sequence[str], limit: int) -> list[str]:
    """Up to ``limit`` tests beside ``failing``: those of the failing tests' modules in
    collection order, then a sample of the others fixed by the ids (the same every run)."""
    chosen = set(failing)
    modules = {_module(t) for t in failing}
    same = [t for t in collected if t not in chosen and _module(t) in modules]
    if len(same) >= limit:
        return same[:limit]
    rest = [t for t in collected if t not in chosen and _module(t) not in modules]
    rng = random.Random(len(collected))
    picked = set(rng.sample(rest, min(limit - len(same), len(rest))))
    return same + [t for t in rest if t in picked]


def base_limits(config: RunConfig) -> RunLimits:
    sb = config.sandbox
    return RunLimits(
        per_test_timeout=sb.per_test_timeout,
        wall_timeout=sb.wall_timeout,
        memory_mb=sb.memory_mb,
        max_processes=sb.max_processes,
    )


def _crashed(result: TestResult) -> None:
    if result.compile_error:
        first = result.compile_error.strip().splitlines()[0][:200]
        raise BaseRunCrashed(f"the test command crashed at the base commit: {first}")
    if result.timed_out:
        raise RepairError("the test suite timed out at the base commit")
    raise NoTestsFound("no tests found in the project")


_NO_TESTS = "no tests found"
"""How a runner's collection error begins when it found nothing (its own words follow)."""
_MODULE = re.compile(r"^(?P<path>[^\s:]+\.py)\b")
_DOTTED = re.compile(r"^(?P<name>[A-Za-z_][\w.]*): ")


def broken_modules(errors: Sequence[str], root: str = "") -> list[str]:
    """The modules collection errors name first (``tests/test_x.py: SyntaxError: ...``,
    or unittest's ``tests.test_x: ...`` when ``root`` has that file): test modules that do
    not import, by path."""
    found = []
    for error in errors:
        if m := _MODULE.match(error.strip()):
            found.append(m.group("path"))
        elif root and (d := _DOTTED.match(error.strip())):
            path = d.group("name").replace(".", "/") + ".py"
            if os.path.isfile(os.path.join(root, path)):
                found.append(path)
    return list(dict.fromkeys(found))


def _uncollected_files(selectors: Sequence[str], ids: Sequence[str], root: str | os.PathLike[str]) -> list[str]:
    """The selectors whose test file exists but lies outside what collection reaches (the
    project's ``testpaths``, its file name patterns): run by name, as pytest would run
    them. A selector of a collected file that names no collected test is not one."""
    collected = {t.split("::", 1)[0] for t in ids}
    top = os.path.realpath(root)
    out = []
    for sel in selectors:
        path = sel.split("::", 1)[0]
        full = os.path.realpath(os.path.join(top, path))
        if path and path not in collected and full.startswith(top + os.sep) and os.path.isfile(full):
            out.append(sel)
    return out


def _selects(module: str, selectors: Sequence[str]) -> bool:
    """A selector names the module, a test in it, or a folder above it."""
    for sel in selectors:
        path = sel.split("::", 1)[0].rstrip("/")
        if path == module or (path and module.startswith(path + "/")):
            return True
    return False


def _modules(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(_module(t) for t in ids))


def _wholes(statuses: Sequence[str]) -> set[str]:
    """Ids that stand for a group of others present too (a module run as one id)."""
    keys = set(statuses)
    return {k for k in keys if any(o != k and o.startswith((k + "::", k + "[")) for o in keys)}


def _in_project_code(result: TestResult, module: str, root: str) -> bool:
    """The import error of ``module`` names a line of the project's code (not of a test
    file, not of a missing package): something to repair."""
    outcome = result.tests.get(module)
    if outcome is None:
        return False
    return bool(frames(f"{outcome.output}\n{outcome.message}", root, lambda p: not is_test_file(p)))


def _said(result: TestResult, module: str) -> str:
    """pytest's summary of why ``module`` did not import (its exception line)."""
    outcome = result.tests.get(module)
    first = outcome.message.strip().splitlines()[0] if outcome and outcome.message.strip() else ""
    return (first if first.startswith(module) else f"{module}: {first}".rstrip(": "))[:200]


def _collected_said(errors: Sequence[str], module: str) -> str:
    """The line of a collection error about ``module`` that says what went wrong."""
    for error in errors:
        lines = [ln.strip() for ln in error.strip().splitlines() if ln.strip()]
        if lines and lines[0].startswith(module):
            named = [ln for ln in lines if re.match(r"^E?\s*\w+(Error|Exception)\b", ln)]
            why = (named[-1].removeprefix("E").strip() if named else lines[0])
            return (why if why.startswith(module) else f"{module}: {why}")[:200]
    return module


def _apart(result: TestResult, run: Sequence[str], chosen: Sequence[str], root: str) -> list[str]:
    """Modules of ``run`` whose collection failed in this run though the whole suite's
    collection loaded them (one imports what another test folder put on ``sys.path``):
    a related module's failure to load must not stop the chosen tests' run. The chosen
    tests' own modules are kept: their error is the outcome."""
    if not result.compile_error:
        return []
    mine = {_module(t) for t in chosen}
    ran = {_module(t) for t in run}
    named = broken_modules(result.compile_error.splitlines(), root)
    return [m for m in named if m in ran and m not in mine]


def _merge(result: TestResult, extra: TestResult) -> TestResult:
    return result.model_copy(update={"tests": {**result.tests, **extra.tests},
                                     "duration": result.duration + extra.duration})  # fmt: skip


def _all_threads_if_blind(
    bed: TestBed, coverage: CoverageMap, failing: Sequence[str], limits: RunLimits
) -> CoverageMap:
    """Failing tests whose own thread ran no project code (a test client serving the app
    from a thread of its own, as starlette's websocket session does) are measured again
    with every thread; their spectra come from that run."""
    blind = [t for t in failing if not runs_project_code(coverage.get(t, {}))]
    settings = getattr(getattr(bed, "runner", None), "config", None)
    if not blind or getattr(settings, "other_threads", True):
        return coverage
    settings.other_threads = True  # type: ignore[union-attr]
    try:
        _, again = bed.collect_coverage(blind, limits)
    finally:
        settings.other_threads = False  # type: ignore[union-attr]
    return {**coverage, **{t: again[t] for t in blind if t in again}}


def reproduce(
    bed: TestBed, config: RunConfig, selectors: Sequence[str], notes: list[str] | None = None
) -> Baseline:
    """Collect the test ids; with ``selectors``, run those tests and the related ones with
    coverage; without, run the whole suite without coverage to find the failing tests
    first (a suite no bigger than the related set is simply run once with coverage).

    Test modules that do not import (collection errors) are set aside, said in ``notes``
    in pytest's words, unless a selector names them or, without selectors, their error
    names a line of the project's code (a SyntaxError, a NameError at import): such a
    module is a failing test under its path, localized by its error's traceback."""
    limits = base_limits(config)
    cap = max(config.reproduce.related_tests, 0)
    by_name: list[str] = []
    bed.reset()
    found = bed.collect(limits)
    ids = list(dict.fromkeys(found.tests))
    said = [e for e in found.errors if e.startswith(_NO_TESTS)]
    errors = [e for e in found.errors if not e.startswith(_NO_TESTS)]
    broken = [m for m in broken_modules(errors, bed.root) if m not in set(_modules(ids))]
    if not ids and errors and not broken and not selectors:
        first = errors[0].strip().splitlines()[0][:400] if errors[0].strip() else ""
        raise BaseRunCrashed(f"the test command crashed at the base commit: {first}")
    if not ids and not broken and not selectors and said:
        raise NoTestsFound(f"{said[0]}"[:300])
    # with selectors, only the broken modules they name are run (for their outcome); the
    # others are set aside on collection's own words, without a run of their own
    needed = [m for m in broken if _selects(m, selectors)] if selectors else broken
    unloaded = bed.run_tests(needed, limits) if needed else TestResult()
    if selectors:
        chosen = [t for t in ids if _matches(t, selectors)]
        chosen += [m for m in broken if _selects(m, selectors)]
        by_name = _uncollected_files(selectors, ids, bed.root) if ids and not chosen else []
        chosen = chosen or by_name
        if ids and not chosen:
            raise RepairError(f"test not found: {', '.join(selectors)}")
        chosen = chosen or list(selectors)  # nothing collected: let the run say why
        run = chosen + related_tests(ids, chosen, cap)
    else:
        mine = [m for m in broken if _in_project_code(unloaded, m, bed.root)]
        if len(ids) <= cap:
            chosen = mine  # small suite: one coverage run of all of it
            run = ids + mine if broken else []
        else:
            full = bed.run_tests(_modules(ids) if broken else [], limits)
            if not full.tests:
                _crashed(full)
            chosen = [t for t, o in full.tests.items() if o.status not in _OK] + mine
            run = chosen + related_tests(ids or list(full.tests), chosen, cap)
    aside = [m for m in broken if m not in run]
    if notes is not None and aside:
        said = [_said(unloaded, m) if m in unloaded.tests else _collected_said(errors, m)
                for m in aside]  # fmt: skip
        notes.append(f"set aside {len(aside)} test module(s) that do not collect: "
                     + "; ".join(said[:5]))  # fmt: skip
    if broken and not run:
        raise BaseRunCrashed(f"no test module imports at the base commit: {_said(unloaded, broken[0])}")
    sound = [t for t in run if t not in set(broken)]
    if sound or not run:
        result, coverage = bed.calibrate(sound, limits)
        apart = _apart(result, sound, chosen, bed.root)
        if apart:  # collected with the whole suite, not alone: set aside, run once more
            sound = [t for t in sound if _module(t) not in apart]
            run = [t for t in run if _module(t) not in apart]
            if notes is not None:
                notes.append(f"set aside {len(apart)} test module(s) that do not import when run "
                             "apart from the rest of the suite: "
                             + "; ".join(_collected_said(result.compile_error.splitlines(), m)
                                         for m in apart[:5]))  # fmt: skip
            result, coverage = bed.calibrate(sound, limits)
    else:
        result, coverage = TestResult(), {}
    kept = {t: o for t, o in unloaded.tests.items() if t in set(run)}
    if kept:  # each fails to import: its error (and traceback) is the outcome
        result = _merge(result, unloaded.model_copy(update={"tests": kept}))
    if not result.tests:
        _crashed(result)
    if selectors and by_name:  # pytest stops the whole run at a name it cannot find
        lost = [sel for sel in by_name if any("not found: " in (o.message or "") and sel in (o.message or "")
                                              for o in result.tests.values())]  # fmt: skip
        if lost:
            raise RepairError(f"test not found: {', '.join(lost)}")
    wholes = _wholes(list(result.tests))
    statuses = {t: o.status for t, o in result.tests.items() if t not in wholes}
    if selectors:
        picked = [t for t in statuses if _matches(t, selectors) or t in set(chosen)]
        if not picked:
            raise RepairError(f"test not found: {', '.join(selectors)}")
        failing = [t for t in picked if statuses[t] not in _OK]
    elif run and len(ids) > cap:
        failing = [t for t in chosen if statuses.get(t) not in _OK and t in statuses]
    else:
        failing = [t for t, s in statuses.items() if s not in _OK]
    passing = [t for t, s in statuses.items() if s == TestStatus.PASS and t not in failing]
    coverage = _all_threads_if_blind(bed, coverage, failing, limits)
    coverage = with_module_setup(bed.root, coverage, failing)
    return Baseline(result=result, coverage=coverage, failing=failing, passing=passing,
                    settings=dict(bed.settings), collected=len(ids))  # fmt: skip


def candidate_limits(config: RunConfig, baseline: Baseline) -> RunLimits:
    """Tighter per-test timeout for candidates, learned from the base run's durations: ten
    times the slowest test that passed, or three times the slowest failing one where that
    is more. A failing test's time is often a wait that never ends well (a client's own
    timeout), not work: at ten times it, each candidate that hung cost 50 s on tornado."""
    sb = config.sandbox
    failing = set(baseline.failing)
    timed = [(t, o.duration) for t, o in baseline.result.tests.items()
             if o.status != TestStatus.TIMEOUT]  # fmt: skip
    passed = [d for t, d in timed if t not in failing]
    failed = [d for t, d in timed if t in failing]
    learned = max(10.0 * max(passed, default=0.0) + 0.5, 3.0 * max(failed, default=0.0) + 1.0)
    per_test = min(sb.per_test_timeout, max(sb.min_test_timeout, learned))
    n = len(baseline.failing) + len(baseline.passing)
    wall = min(sb.wall_timeout, 30.0 + per_test * n)
    return RunLimits(
        per_test_timeout=per_test,
        wall_timeout=wall,
        memory_mb=sb.memory_mb,
        max_processes=sb.max_processes,
        fail_fast=True,
    )


def validate(
    bed: TestBed, task: Task, patch: Patch, limits: RunLimits, wall_timeout: float = 0.0
) -> tuple[TestResult, Task]:
    """The whole suite (no fail-fast) on ``patch``, the failing tests included. Tests that
    fail here outside the task's failing tests are run again at base: those failing there
    too were broken before and are left out of the judgement; the others are regressions.
    A suite that does not even load at base (a broken module the task's tests do not need)
    is judged on the task's own tests, as before. Returns the result and the task to judge
    it by (its passing tests: every test that must pass)."""
    if not bed.apply(patch):
        return TestResult(applied=False, compile_error="patch does not apply"), task
    full = dataclasses.replace(limits, fail_fast=False, max_failures=0,
                               wall_timeout=max(limits.wall_timeout, wall_timeout))  # fmt: skip
    result = bed.run_tests([], full)
    if result.compile_error:  # broken before the patch too? then judge the known tests
        bed.reset()
        broken_before = bool(bed.run_tests([], full).compile_error)
        bed.apply(patch)
        if broken_before:
            known = task.failing_tests + task.passing_tests
            return bed.run_tests(known, full), task
    missing = [t for t in task.failing_tests + task.passing_tests if t not in result.tests]
    if missing and not result.compile_error:
        extra = bed.run_tests(missing, full)
        result = result.model_copy(update={
            "tests": {**result.tests, **extra.tests},
            "compile_error": extra.compile_error, "duration": result.duration + extra.duration,
        })  # fmt: skip
    failing = set(task.failing_tests)
    suspects = [t for t, o in result.tests.items() if o.status not in _OK and t not in failing]
    before: set[str] = set()
    if suspects and not result.compile_error:
        bed.reset()
        at_base = bed.run_tests(suspects, full)
        before = {t for t in suspects if at_base.tests.get(t) and not at_base.passed(t)}
        bed.apply(patch)
    keep = [t for t, o in result.tests.items() if t not in failing and t not in before
            and o.status != TestStatus.SKIP]  # fmt: skip
    passing = list(dict.fromkeys([*task.passing_tests, *keep]))
    return result, task.model_copy(update={"passing_tests": passing})
