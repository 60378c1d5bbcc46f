"""Repair of one SWE-bench instance through the app layer, then the official grading of
the patch found.

``oracle`` (the APR setting): the ``test_patch`` is applied and the FAIL_TO_PASS tests are
the failing tests the repair starts from (SBFL, the issue text, LLM-free proposers).
``issue`` (the standard setting): the model sees the problem statement only; see
:mod:`patchwright.benchmarks.swebench_issue` for the reproduction test it writes."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

from patchwright.benchmarks.swebench_grade import Setting, grade_patch, prepare_workspace
from patchwright.benchmarks.swebench_solve import result
from patchwright.core.config import RunConfig
from patchwright.envs import Env, EnvBuilder, EnvSpec
from patchwright.envs import swebench_env as senv
from patchwright.envs import swebench_specs as official
from patchwright.repo.git import apply_diff, init_repo

RUNNER_TOOLS = ("pytest", "pytest-timeout")
"""What Patchwright's pytest runner needs where the specs' environment has no pytest (sympy's
bin/test, django's runtests.py): a sibling environment for the repair only; grading uses
the specs' environment as it is."""
COVERAGE = "coverage"
_DJANGO = re.compile(r"^(\w+) \(([\w.]+)\)$")


def node_ids(row: dict[str, Any], tests: list[str], workspace: Path) -> list[str]:
    """The instance's test names as pytest node ids: pytest ids as they are; a bare
    function name (sympy) found in the test_patch's files as ``file::name``; django's
    ``name (module.Class)`` as ``tests/module.py::Class::name``."""
    files = official.test_files(row["test_patch"])
    out = []
    for test in tests:
        m = _DJANGO.match(test)
        if "::" in test or "/" in test.split("[")[0]:
            out.append(test)
        elif m:
            module, _, cls = m.group(2).rpartition(".")
            out.append(f"tests/{module.replace('.', '/')}.py::{cls}::{m.group(1)}")
        else:
            name = test.split("[")[0]
            hit = [f for f in files if f.endswith(".py") and (workspace / f).is_file()
                   and re.search(rf"^\s*def {re.escape(name)}\(", (workspace / f).read_text(
                       encoding="utf-8", errors="replace"), re.M)]  # fmt: skip
            out.extend(f"{f}::{name}" for f in hit[:1])
    return out


def repair_env(builder: EnvBuilder, env: Env, repo: str, spec: dict[str, Any], tree: Path) -> Env:
    """The specs' environment when it has pytest and coverage, else its sibling with what
    the runner lacks: pytest and pytest-timeout where there is no pytest; coverage alone
    where there is one (pytest's own repository: a pytest-timeout from PyPI would pull a
    pytest the instance's old one then replaces), as SBFL needs per-test coverage."""
    lacks_pytest = not env.installed_version("pytest")
    if not lacks_pytest and env.installed_version("coverage"):
        return env
    tools = (*RUNNER_TOOLS, COVERAGE) if lacks_pytest else (COVERAGE,)
    base = senv.env_spec(repo, spec, tree)
    renv = builder.ensure(EnvSpec(base.python, base.requirements, (*base.pins, *tools)))
    senv.relink_scripts(renv)
    return renv


def repair(
    row: dict[str, Any], clone: Path, spec: dict[str, Any], setting: Setting, base: Path,
    data: dict[str, Any], started: float, env_info: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    from patchwright.app.session import RunRequest, run
    from patchwright.core.errors import RepairError

    bench, env = data["bench"], setting.env
    data.pop("issue_usage", None)  # the previous instance's, in this worker
    work = base / "repo"
    prepare_workspace(clone, row, work)
    builder = EnvBuilder(Path(bench["env_cache"]), run_id=bench["run_id"])
    renv = repair_env(builder, env, row["repo"], spec, work)
    issue = row.get("problem_statement", "")
    config = RunConfig.model_validate(data["run"])
    config.sandbox.python = str(renv.python)
    config.runner = "pytest"
    with senv.using(renv, setting.lock_dir):
        senv.install_instance(renv, spec, work, row["version"])
        if bench["mode"] == "oracle":
            apply_diff(work, row["test_patch"])
            init_repo(work, f"{row['id']} base + test_patch", force=True)
            tests = node_ids(row, row["FAIL_TO_PASS"], work)
        else:
            from patchwright.benchmarks.swebench_issue import reproduction_tests

            budget, begun = config.search.max_seconds, time.monotonic()
            tests = reproduction_tests(row, work, renv, data, seconds=budget)
            # --max-seconds holds over the whole task: the repair gets what reproduction left
            config.search.max_seconds = max(budget - (time.monotonic() - begun), 1.0)
        usage = dict(data.get("issue_usage") or {})
        if not tests:
            shutil.rmtree(work, ignore_errors=True)
            return result(row, "not_found", started, message="no failing test to start from",
                          model_calls=usage.get("calls", 0), tokens=usage.get("tokens", 0),
                          extra={**env_info, **({"reproduction": usage} if usage else {})})  # fmt: skip
        try:
            res, patch, _ = run(RunRequest(source=work, run_dir=base / "run", config=config,
                                           tests=tests, issue=issue, task_id=row["id"]))  # fmt: skip
        except RepairError as exc:
            return result(row, "invalid", started, message=str(exc)[:300], extra=env_info)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(base / "run" / "workspace", ignore_errors=True)
    out = result(row, res.status, started, evaluations=res.evaluations,
                 evaluations_to_plausible=res.evaluations_to_plausible,
                 changed_lines=res.changed_lines, edits=res.edits, message=res.message,
                 model_calls=res.model_calls + usage.get("calls", 0),
                 tokens=res.tokens + usage.get("tokens", 0), cost=res.cost,
                 extra={**env_info, "tests": tests, **({"reproduction": usage} if usage else {})})  # fmt: skip
    diff = patch.diff if patch is not None else ""
    if diff:
        graded = grade_patch(clone, row, spec, setting, diff, base)
        out["extra"]["resolved"] = graded.resolved
        out["extra"]["grade_reason"] = graded.reason
        out["status"] = "resolved" if graded.resolved else "unresolved"
    else:
        (base / "patch.diff").write_text("", encoding="utf-8")
        out["extra"]["resolved"] = False
    out["seconds"] = time.monotonic() - started
    return out
