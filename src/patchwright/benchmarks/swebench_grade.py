"""Grading a patch on a SWE-bench instance the way the official harness's eval script does:
a fresh workspace at the base commit, the specs' install run, the patch applied, the files
the ``test_patch`` touches reset to base, the ``test_patch`` applied, the specs' test
command with the directives from the ``test_patch``, the log parsed with the repository's
official parser, and resolved only when every FAIL_TO_PASS and PASS_TO_PASS test passes.

Writes ``patch.diff``, ``test_output.txt`` and ``report.json`` (the harness's shape) into
the instance folder."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchwright.envs import swebench_env as senv
from patchwright.envs import swebench_specs as official
from patchwright.envs.spec import Env, EnvError
from patchwright.repo.git import SnapshotError, apply_diff, export_tree, init_repo
from patchwright.sandbox.isolation import Isolation

TEST_TIMEOUT = 900.0


class PrepareError(EnvError):
    """The instance cannot be laid out (clone or base commit missing)."""


@dataclass
class Graded:
    resolved: bool
    applied: bool
    status: dict[str, str] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    seconds: float = 0.0


def prepare_workspace(clone: Path, row: dict[str, Any], dest: Path) -> str:
    """``dest``: the clone's files at the base commit, committed as one git commit."""
    if dest.exists():
        shutil.rmtree(dest)
    try:
        export_tree(clone, row["base_commit"], dest)
    except SnapshotError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise PrepareError(f"base commit {row['base_commit'][:12]} not in {clone}: {exc}") from None
    return init_repo(dest, f"{row['id']} base", force=True)


def _reset_tests(workspace: Path, base_texts: dict[str, bytes | None]) -> None:
    for rel, data in base_texts.items():
        path = workspace / rel
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


@dataclass
class Setting:
    """Where and how an instance is graded: its environment, the folder of the environment
    locks, the test command's time limit and the extra specs table."""

    env: Env
    lock_dir: Path
    timeout: float = TEST_TIMEOUT
    extra: dict[str, Any] = field(default_factory=dict)
    isolation: str = "auto"
    """``sandbox.isolation``: auto (namespaces where bubblewrap works, else a warning in
    the log), bwrap (required: EnvError without), none."""
    hide: tuple[Path, ...] = ()
    """Folders the test command must not see (the clones)."""


def _confine(setting: Setting, env: Env, workspace: Path) -> Isolation | str:
    """The namespaces for the test command, or why it runs without them."""
    if setting.isolation == "none":
        return "sandbox.isolation=none"
    got = senv.confinement(env, workspace, workspace.parent / ".confined", setting.hide)
    if isinstance(got, str) and setting.isolation == "bwrap":
        raise EnvError(f"isolation required but unavailable: {got}")
    return got


def run_eval(
    row: dict[str, Any], spec: dict[str, Any], setting: Setting, workspace: Path, patch: str
) -> tuple[Graded, str]:
    """Grade ``patch`` in ``workspace`` (at base, nothing applied yet): (verdict, log).

    As in the harness's images, the specs' install runs at the base commit, before the
    patch is applied, so no code of the patch runs outside the namespaces; the test command
    then runs confined (:func:`senv.confinement`) unless ``setting.isolation`` is none."""
    started = time.monotonic()
    files = official.test_files(row["test_patch"])
    base_texts = {f: (workspace / f).read_bytes() if (workspace / f).is_file() else None
                  for f in files}  # fmt: skip
    env, timeout, extra = setting.env, setting.timeout, setting.extra
    with senv.using(env, setting.lock_dir):
        senv.install_instance(env, spec, workspace, row["version"])
        if patch.strip():
            try:
                apply_diff(workspace, patch)
            except SnapshotError as exc:
                return Graded(False, False, reason=f"patch does not apply: {exc}"[:300],
                              seconds=time.monotonic() - started), ""  # fmt: skip
        _reset_tests(workspace, base_texts)
        try:
            apply_diff(workspace, row["test_patch"])
        except SnapshotError as exc:
            raise EnvError(f"test_patch does not apply: {exc}") from None
        command = official.test_command(row, spec)
        senv.tox_current_env(command, workspace, env)
        steps = [*(spec.get("eval_commands") or ()), command]
        start, end = official.markers()
        confine = _confine(setting, env, workspace)
        code, out = senv.shell("; ".join(steps), workspace,
                               senv.activated(env, senv.scm_version(row["version"])), timeout,
                               confine=None if isinstance(confine, str) else confine)  # fmt: skip
    _reset_tests(workspace, base_texts)
    note = f"# not confined: {confine}\n" if isinstance(confine, str) else ""
    log = f"{note}+ {command}\n{start}\n{out}\n{end}\n"
    if code is None:
        return Graded(False, True, reason=f"tests timed out after {timeout:g}s",
                      seconds=time.monotonic() - started), log + ">>>>> Tests Timed Out\n"  # fmt: skip
    status = official.parse_log(row["repo"], out, extra)
    verdict = official.grade(status, row["FAIL_TO_PASS"], row["PASS_TO_PASS"])
    return Graded(verdict["resolved"], True, status, verdict["tests_status"],
                  "" if status else "the parser found no test results",
                  time.monotonic() - started), log  # fmt: skip


def harness_report(row: dict[str, Any], patch: str, graded: Graded) -> dict[str, Any]:
    return {row["id"]: {
        "patch_is_None": False,
        "patch_exists": bool(patch.strip()),
        "patch_successfully_applied": graded.applied,
        "resolved": graded.resolved,
        "tests_status": graded.report,
        "reason": graded.reason,
    }}  # fmt: skip


def grade_patch(
    clone: Path, row: dict[str, Any], spec: dict[str, Any], setting: Setting, patch: str,
    folder: Path, name: str = "",
) -> Graded:  # fmt: skip
    """Lay the instance out in ``folder/eval``, grade ``patch``, write the three files
    (``name`` prefixes them, e.g. ``gold.``), remove the workspace."""
    workspace = folder / "eval"
    prepare_workspace(clone, row, workspace)
    try:
        graded, log = run_eval(row, spec, setting, workspace, patch)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
        shutil.rmtree(folder / ".confined", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}patch.diff").write_text(patch, encoding="utf-8")
    (folder / f"{name}test_output.txt").write_text(log, encoding="utf-8")
    (folder / f"{name}report.json").write_text(
        json.dumps(harness_report(row, patch, graded), indent=2), encoding="utf-8"
    )
    return graded
