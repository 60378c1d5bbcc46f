"""A BugsInPy bug as a project: its tree at the fixed commit with the developer's source
patch reversed (the buggy state, committed as the base) or kept (the fixed state), its venv
(the bug's requirements and Python version, through the one environment builder), the
check that the failing tests fail on buggy and pass on fixed, and the re-check of a patch."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.benchmarks.bugsinpy_data import Bug
from patchwright.core.domain import TestResult, TestStatus
from patchwright.core.errors import PatchwrightError
from patchwright.core.protocols import RunLimits
from patchwright.envs import Env, EnvBuilder, EnvError, EnvSpec, clean_env
from patchwright.repo.git import apply_diff, export_tree, init_repo

TOOLS = ("pytest", "pytest-timeout", "pytest-cov")
"""What the pytest runner needs in the bug's venv (left to the bug's pins when it has them)."""
_TEST_MODULE = re.compile(r"(^|/)(tests?_[^/]*|[^/]*_tests?)\.py$")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_BARE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
VERIFY_LIMITS = RunLimits(per_test_timeout=120.0, wall_timeout=900.0, memory_mb=4096)


class PrepareError(PatchwrightError):
    """The bug's tree cannot be built (commit missing, patch does not reverse)."""


def _name(req: str) -> str:
    m = _NAME.match(req)
    return m.group(1).lower().replace("_", "-") if m else ""


def env_spec(bug: Bug) -> EnvSpec:
    named = {_name(r) for r in bug.requirements}
    pins = tuple(t for t in TOOLS if t not in named)
    return EnvSpec(bug.python_version, bug.requirements, pins)


def build_env(bug: Bug, builder: EnvBuilder, retries: int = 12) -> Env:
    """The bug's venv; EnvError (one line) when it cannot be built. BugsInPy's requirements
    are a freeze of the authors' environment: a pin pip cannot meet any more (the version
    is gone from the index, or its source no longer builds) is loosened to the bare name,
    a bare name pip cannot meet either (a Windows-only or Python-2-only package) is
    dropped, and the build tried again, up to ``retries`` times."""
    spec = env_spec(bug)
    for _ in range(retries):
        try:
            return builder.ensure(spec)
        except EnvError as exc:
            loosened = loosen(spec.requirements, str(exc))
            if loosened == spec.requirements:
                raise
            spec = EnvSpec(spec.python, loosened, spec.pins, spec.pip_args)
    return builder.ensure(spec)


_UNMET = (
    re.compile(r"satisfies the requirement ([A-Za-z0-9][A-Za-z0-9._-]*)"),
    re.compile(
        r"(?:Failed to build|wheels? for|building wheel for) ([A-Za-z0-9][A-Za-z0-9._-]*)", re.I
    ),
    re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)"),
)


def loosen(requirements: tuple[str, ...], error: str) -> tuple[str, ...]:
    """The requirements with the pin ``error`` names (pip's message) reduced to its name,
    or left out when it already is a bare name."""
    names = {_name(m.group(1)) for rx in _UNMET for m in rx.finditer(error)}
    return tuple(
        _name(r) if _name(r) in names and _name(r) != r.lower() else r
        for r in requirements
        if not (_name(r) in names and _BARE.fullmatch(r.strip()))
    )


def fixed_files(clone: Path, bug: Bug) -> set[str]:
    """The file list at the fixed commit (to turn unittest names into node ids)."""
    from patchwright.repo.git import SnapshotError, tree_paths

    try:
        return set(tree_paths(clone, bug.fixed_commit))
    except SnapshotError as exc:
        raise PrepareError(f"{bug.id}: {exc}") from None


def prepare(
    clone: Path, bug: Bug, dest: Path, *, buggy: bool = True, patch: str = "",
    python: Path | None = None,
) -> str:  # fmt: skip
    """Lay the bug out in ``dest`` as a git repo of one commit: the fixed commit's tree,
    with the developer's patch reversed when ``buggy``, then ``patch`` applied (a
    candidate, for the re-check). With ``python``, a project the bug's set-up installs
    gets its metadata made in the tree (``setup.py egg_info``: version modules, entry
    points), as an editable install would. Returns the commit."""
    from patchwright.repo.git import SnapshotError

    if dest.exists():
        shutil.rmtree(dest)
    try:
        export_tree(clone, bug.fixed_commit, dest)
        if buggy:
            apply_diff(dest, bug.patch, reverse=True)
        if patch:
            apply_diff(dest, patch)
    except SnapshotError as exc:
        raise PrepareError(f"{bug.id}: {exc}") from None
    for rel in bug.touch:
        path = dest / rel
        if path.resolve().is_relative_to(dest.resolve()) and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    shutil.rmtree(dest / ".git", ignore_errors=True)
    if python is not None and bug.installs_project and (dest / "setup.py").is_file():
        egg_info(dest, python)
    return init_repo(dest, f"{bug.id} {'buggy' if buggy else 'fixed'}", force=True)


def egg_info(tree: Path, python: Path) -> None:
    """``python setup.py egg_info`` in ``tree`` (a failure leaves the tree as it was)."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        # No git history here: setuptools_scm would fail to find a version.
        env = clean_env({"SETUPTOOLS_SCM_PRETEND_VERSION": "0.0.0"})
        subprocess.run([str(python), "setup.py", "-q", "egg_info"], cwd=tree, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=300, check=False)  # fmt: skip


def outcome(result: TestResult, test: str) -> str:
    """A requested id's status: its own, or the worst of the ids it is a prefix of
    (parametrized cases, a class's methods); "missing" when none ran."""
    found = [o.status for t, o in result.tests.items()
             if t == test or t.startswith(test + "[") or t.startswith(test + "::")]  # fmt: skip
    if not found:
        return "missing"
    bad = [s for s in found if s not in (TestStatus.PASS, TestStatus.SKIP)]
    return str(bad[0]) if bad else str(found[0])


def run_tests(
    repo: Path, python: Path, tests: Sequence[str], limits: RunLimits = VERIFY_LIMITS
) -> TestResult:
    from patchwright.testing.testbed import local_bed

    bed = local_bed(repo, python=str(python), plugins="all", fork_server=False)
    try:
        return bed.run_tests(list(tests), limits)
    finally:
        bed.close()


@dataclass
class Verdict:
    verified: bool
    reason: str = ""
    buggy: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)


def verify(clone: Path, bug: Bug, python: Path, work: Path) -> Verdict:
    """Do the failing tests fail on buggy and pass on fixed?"""
    if not bug.tests:
        return Verdict(False, "run_test.sh names no test this harness can run")
    prepare(clone, bug, work / "fixed", buggy=False, python=python)
    fixed = run_tests(work / "fixed", python, bug.tests)
    fixed_status = {t: outcome(fixed, t) for t in bug.tests}
    shutil.rmtree(work / "fixed", ignore_errors=True)
    prepare(clone, bug, work / "buggy", buggy=True, python=python)
    buggy = run_tests(work / "buggy", python, bug.tests)
    shutil.rmtree(work / "buggy", ignore_errors=True)
    buggy_status = {t: outcome(buggy, t) for t in bug.tests}
    v = Verdict(True, "", buggy_status, fixed_status)
    not_passing = [t for t, s in fixed_status.items() if s != "pass"]
    not_failing = [t for t, s in buggy_status.items() if s in ("pass", "skip", "missing")]
    if not_passing:
        tail = (fixed.compile_error or fixed.output_tail).strip().splitlines()[-1:] or [""]
        v.verified = False
        v.reason = f"fixed: {not_passing[0]} {fixed_status[not_passing[0]]} {tail[0][:160]}".strip()
    elif not_failing:
        v.verified = False
        v.reason = f"buggy: {not_failing[0]} {buggy_status[not_failing[0]]}"
    return v


def test_modules(bug: Bug, tree: Path) -> list[str]:
    return [t for t in bug.test_files if _TEST_MODULE.search(t) and (tree / t).is_file()]


def recheck(clone: Path, bug: Bug, python: Path, patch: str, work: Path) -> tuple[bool, str]:
    """The patch on a fresh buggy tree: the failing tests pass, and every test of the
    bug's test files that passes on the fixed tree passes too."""
    fixed, repo = work / "recheck-fixed", work / "recheck"
    try:
        prepare(clone, bug, repo, buggy=True, patch=patch, python=python)
    except PrepareError as exc:
        return False, f"patch does not apply: {exc}"
    try:
        modules = test_modules(bug, repo)
        passing: list[str] = []
        if modules:
            prepare(clone, bug, fixed, buggy=False, python=python)
            whole = run_tests(fixed, python, modules)
            passing = sorted(t for t, o in whole.tests.items() if o.status == TestStatus.PASS)
        result = run_tests(repo, python, [*bug.tests, *sorted(set(passing) - set(bug.tests))])
    finally:
        shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(fixed, ignore_errors=True)
    bad = [t for t in bug.tests if outcome(result, t) != "pass"]
    bad += [t for t in passing if result.status(t) not in (TestStatus.PASS, None) and t not in bad]
    return (not bad), (f"{len(bad)} failing: {bad[0]}" if bad else f"{len(passing)} passing kept")


__all__ = ["EnvError", "PrepareError", "Verdict", "build_env", "prepare", "recheck", "verify"]
