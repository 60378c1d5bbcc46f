"""The timed workload of an optimize task, as a sandbox command: a small timer script (in
the run's scratch folder) starts the workload as a fresh process and writes its CPU time
(user + sys, children included, from ``wait4``) and wall time to ``timing.json``."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence

from patchwright.core.domain import OptimizeSpec
from patchwright.core.protocols import PYTHON, SCRATCH, Command, RunLimits, Sandbox
from patchwright.tasks.optimize.measure import Sample

TIMER = """\
import json, os, subprocess, sys, time
argv = json.loads(sys.argv[1])
t0 = time.perf_counter()
proc = subprocess.Popen(argv)
_, status, ru = os.wait4(proc.pid, 0)
wall = time.perf_counter() - t0
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[2], "w") as fh:
    json.dump({"cpu": ru.ru_utime + ru.ru_stime, "wall": wall, "code": code}, fh)
sys.exit(code)
"""

_TARGET = (
    "import importlib, sys\n"
    "sys.path[:0] = ['src', '.']\n"
    "mod = importlib.import_module({module!r})\n"
    "getattr(mod, {func!r})()\n"
)


class WorkloadError(ValueError):
    """The workload is not given or cannot be read."""


def workload_argv(spec: OptimizeSpec) -> list[str]:
    """The workload's command line (``python`` as its first word is the sandbox's
    interpreter; a ``--target module:function`` is called with no arguments)."""
    if spec.target:
        module, sep, func = spec.target.partition(":")
        if not sep or not module.strip() or not func.strip():
            raise WorkloadError(f"--target wants module:function, got {spec.target!r}")
        return [PYTHON, "-c", _TARGET.format(module=module.strip(), func=func.strip())]
    try:
        argv = shlex.split(spec.workload)
    except ValueError as exc:
        raise WorkloadError(f"cannot read the workload command: {exc}") from None
    if not argv:
        raise WorkloadError("no workload: give --target, --workload or --workload-file")
    if argv[0] in ("python", "python3"):
        argv[0] = PYTHON
    return argv


def timed_command(argv: Sequence[str]) -> Command:
    return Command(
        argv=(PYTHON, "-S", f"{SCRATCH}/pw_timer.py", json.dumps(list(argv)), f"{SCRATCH}/timing.json"),
        env={"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"},
        files={"pw_timer.py": TIMER},
        fetch=("timing.json",),
    )


def run_timed(sandbox: Sandbox, argv: Sequence[str], limits: RunLimits) -> Sample:
    """One fresh timed run of the workload in the sandbox's current workspace state."""
    done = sandbox.execute(timed_command(argv), limits)
    raw = done.files.get("timing.json")
    if raw is None or done.timed_out:
        return Sample(cpu=limits.wall_timeout, wall=done.duration, ok=False)
    data = json.loads(raw.decode("utf-8"))
    return Sample(cpu=float(data["cpu"]), wall=float(data["wall"]), ok=data.get("code") == 0)


__all__ = ["TIMER", "WorkloadError", "run_timed", "timed_command", "workload_argv"]
