"""The SWE-bench instance function (one per instance, the same on the local pool and on
Ray): lay the instance out at its base commit, get its (repo, version) environment from the
one builder, then validate the harness (gold or empty patch) or repair (``oracle``: the
FAIL_TO_PASS tests are given; ``issue``: only the problem statement) and grade the patch
the way the official harness does. Never raises: a result dict for InstanceResult."""

from __future__ import annotations

import hashlib
import re
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

from patchwright.benchmarks.runner import fresh_folder
from patchwright.benchmarks.swebench_data import clone_dir, missing_clone
from patchwright.benchmarks.swebench_grade import (
    PrepareError,
    Setting,
    grade_patch,
    prepare_workspace,
)
from patchwright.envs import Env, EnvBuilder, EnvError
from patchwright.envs import swebench_env as senv
from patchwright.envs import swebench_specs as official

_NETWORK = re.compile(r"ConnectionError|NewConnectionError|Name or service not known|"
                      r"Temporary failure in name resolution|urlopen error|Network is unreachable|"
                      r"Max retries exceeded|getaddrinfo failed")  # fmt: skip
_NO_MODULE = re.compile(r"(?:ModuleNotFoundError|ImportError): No module named '([\w.]+)'")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SYSTEM = re.compile(r"gcc|g\+\+|compiler|\.h: No such file|pkg-config|cannot find -l|"
                     r"command not found|No such file or directory: '(dot|latex|convert)'")  # fmt: skip


def _log(text: str) -> None:
    import sys

    print(text, file=sys.stderr, flush=True)


def result(row: dict[str, Any], status: str, started: float, **fields: Any) -> dict[str, Any]:
    extra = {"repo": row["repo"], "version": row["version"], **fields.pop("extra", {})}
    return {"id": row["id"], "status": status, "seconds": time.monotonic() - started,
            "extra": extra, **fields}  # fmt: skip


def env_reason(message: str) -> str:
    """A short class of an environment failure (for the validation file)."""
    if _SYSTEM.search(message):
        return f"missing system library or tool: {message}"
    return f"environment: {message}"


def failing_reason(graded: Any, log_path: Path) -> str:
    """Why the gold patch does not resolve: network-bound tests or test drift."""
    failing = [t for kind in ("FAIL_TO_PASS", "PASS_TO_PASS")
               for t in graded.report.get(kind, {}).get("failure", [])]  # fmt: skip
    text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    if graded.reason and not failing:
        return graded.reason
    if _NETWORK.search(text):
        return f"network-bound tests: {len(failing)} failing (first {failing[:1]})"
    missing = _NO_MODULE.search(_ANSI.sub("", text))
    if missing:
        return (f"dependency drift: no module {missing.group(1)} ({len(failing)} listed tests "
                f"fail; today's PyPI resolves a newer release than the harness's image)")  # fmt: skip
    return f"test drift: {len(failing)} FAIL_TO_PASS/PASS_TO_PASS tests fail (first {failing[:1]})"


def solve_instance(row: dict[str, Any], folder: str, data: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    bench = data["bench"]
    base = fresh_folder(folder)
    why = missing_clone(Path(bench["repos"]), row["repo"])
    if why:
        return result(row, "env_error", started, message=why)
    clone = clone_dir(Path(bench["repos"]), row["repo"])
    extra = bench.get("specs") or {}
    try:
        spec = official.specs(row["repo"], row["version"], extra)
        env = _env(row, clone, spec, base, bench)
        box = (data.get("run") or {}).get("sandbox", {})
        isolation = "bwrap" if box.get("require_isolation") else str(box.get("isolation", "auto"))
        setting = Setting(env, Path(bench["env_cache"]), bench["test_timeout"], extra,
                          isolation=isolation, hide=(Path(bench["repos"]),))  # fmt: skip
        env_info = {"env": env.key, "env_build_seconds": round(env.build_seconds, 1),
                    "env_wait_seconds": round(env.wait_seconds, 1)}  # fmt: skip
        mode = bench["mode"]
        if mode in ("gold", "empty", "both"):
            return _validate(row, clone, spec, setting, base, mode, started, env_info)
        from patchwright.benchmarks.swebench_repair import repair

        return repair(row, clone, spec, setting, base, data, started, env_info)
    except PrepareError as exc:
        return result(row, "env_error", started, message=str(exc)[:300])
    except EnvError as exc:
        return result(row, "env_error", started, message=env_reason(str(exc))[:300])
    except Exception as exc:  # one instance's crash must not end the batch
        (base / "crash.txt").write_text(traceback.format_exc(), encoding="utf-8")
        return result(row, "error", started, message=f"{type(exc).__name__}: {exc}"[:300])


def _env(row: dict[str, Any], clone: Path, spec: dict[str, Any], base: Path,
         bench: dict[str, Any]) -> Env:  # fmt: skip
    """The given venv (``--venv``), else the (repo, version) one from the builder (the
    requirements file read from the instance's tree at its base commit)."""
    if bench.get("venv"):
        python = Path(bench["venv"])
        digest = hashlib.sha256(str(python).encode()).hexdigest()[:12]
        return Env(python, f"given-{digest}", python.parent.parent)
    setup = base / "setup"
    prepare_workspace(clone, row, setup)
    try:
        builder = EnvBuilder(Path(bench["env_cache"]), run_id=bench["run_id"], log=_log)
        return senv.build(builder, row["repo"], spec, setup)
    finally:
        shutil.rmtree(setup, ignore_errors=True)


def _validate(
    row: dict[str, Any], clone: Path, spec: dict[str, Any], setting: Setting, base: Path,
    mode: str, started: float, env_info: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """gold: the gold patch must resolve; empty: the empty patch must not; both: gold
    first (its files unprefixed), then empty (``empty.patch.diff``, ...)."""
    reason, extra = "", dict(env_info)
    if mode in ("gold", "both"):
        graded = grade_patch(clone, row, spec, setting, row["patch"], base)
        extra.update(gold_resolved=graded.resolved, test_seconds=round(graded.seconds, 1),
                     tests_parsed=len(graded.status))  # fmt: skip
        if not graded.resolved:
            reason = failing_reason(graded, base / "test_output.txt")
    if mode in ("empty", "both") and not reason:
        graded = grade_patch(clone, row, spec, setting, "", base,
                             name="empty." if mode == "both" else "")  # fmt: skip
        extra.update(empty_resolved=graded.resolved, empty_test_seconds=round(graded.seconds, 1))
        if graded.resolved:
            reason = "the empty patch resolves: FAIL_TO_PASS tests pass at base"
    return result(row, "invalid" if reason else "valid", started, message=reason, extra=extra)
