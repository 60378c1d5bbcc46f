"""Localize by profile: run the workload once under cProfile in the sandbox, rank the
project's functions by own time and cumulative time, and map each to its tree-sitter chunk
(the enclosing top-level function or method; a nested helper maps to its outer function,
where the rewrites apply). Files of tests and the workload itself are never locations."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from patchwright.core.domain import Location
from patchwright.core.protocols import PYTHON, SCRATCH, Command, RunLimits, Sandbox
from patchwright.repo.index import CodeIndex

PROFILER = """\
import cProfile, json, os, pstats, runpy, signal, sys
args = json.loads(sys.argv[1])
out = sys.argv[2]
limit = float(sys.argv[3])
limits_max = int(sys.argv[4])
prof = cProfile.Profile()
sys.argv = list(args)
code = 0
root = os.getcwd() + os.sep
script = os.path.abspath(args[0]) if args[0] not in ("-c", "-m") else ""
waited = [0.0, False]  # seconds profiled, project code seen


class _Enough(BaseException):
    pass


def _project_seen():
    for e in prof.getstats():
        c = e.code
        if (not isinstance(c, str) and c.co_name != "<module>" and c.co_filename.startswith(root)
                and os.path.abspath(c.co_filename) != script):
            return True
    return False


def _stop(signum, frame):
    # a workload that spends its first seconds building inputs: wait (up to limits_max
    # limits) until project code runs, then give that one more limit
    waited[0] += limit
    if not waited[1] and waited[0] < limits_max * limit:
        waited[1] = _project_seen()
        signal.setitimer(signal.ITIMER_REAL, limit)
        return
    raise _Enough()


signal.signal(signal.SIGALRM, _stop)
signal.setitimer(signal.ITIMER_REAL, limit)
try:
    prof.enable()
    try:
        if args[0] == "-c":
            sys.argv = ["-c", *args[2:]]
            exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
        elif args[0] == "-m":
            sys.argv = args[1:]
            runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(script))
            runpy.run_path(args[0], run_name="__main__")
    finally:
        prof.disable()
        signal.setitimer(signal.ITIMER_REAL, 0)
except _Enough:
    pass  # a long workload: its first seconds in project code show where the time goes
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 0
rows = []
stats = pstats.Stats(prof).stats
for (path, line, name), (cc, nc, tt, ct, callers) in stats.items():
    if path.startswith(root):
        inner = [[p[len(root):], ln, n, c[3]] for (p, ln, n), c in callers.items()
                 if p.startswith(root)]
        rows.append([path[len(root):], line, name, nc, tt, ct, inner])
with open(out, "w") as fh:
    json.dump(rows, fh)
sys.exit(code)
"""


@dataclass(frozen=True)
class Hot:
    """One profiled function of the project."""

    path: str
    line: int
    name: str
    calls: int
    own: float
    """Own time (seconds)."""
    cumulative: float
    callers: tuple[tuple[str, int, str, float], ...] = ()
    """Project functions calling it, with the cumulative time spent here from each."""

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.name)


@dataclass
class Profile:
    functions: list[Hot]
    total: float
    """The largest cumulative time seen (about the workload's run time)."""
    error: str = ""


PROFILE_SECONDS = 5.0
"""Longer workloads are profiled for their first seconds in project code only."""
LIMITS_MAX = 12
"""A workload whose set-up runs no project code is waited for up to this many times
``PROFILE_SECONDS`` before the profile stops anyway."""


def profile_argv(argv: Sequence[str], seconds: float = PROFILE_SECONDS) -> list[str] | None:
    """The workload's command line under the profiler, or None when it is not a Python
    command (``{python} script.py ...``, ``-c CODE``, ``-m MOD``)."""
    if not argv or argv[0] != PYTHON or len(argv) < 2:
        return None
    rest = list(argv[1:])
    while rest and rest[0].startswith("-") and rest[0] not in ("-c", "-m"):
        rest = rest[1:]  # interpreter options such as -O: dropped under the profiler
    if not rest:
        return None
    return [PYTHON, f"{SCRATCH}/pw_profile.py", json.dumps(rest), f"{SCRATCH}/profile.json",
            str(seconds), str(LIMITS_MAX)]


def run_profile(
    sandbox: Sandbox, argv: Sequence[str], limits: RunLimits, seconds: float = PROFILE_SECONDS
) -> Profile:
    """Profile one run of the workload in the sandbox's current workspace state."""
    cmd = profile_argv(argv, seconds)
    if cmd is None:
        return Profile([], 0.0, "the workload is not a Python command: no profile")
    done = sandbox.execute(
        Command(argv=tuple(cmd), env={"PYTHONHASHSEED": "0"}, files={"pw_profile.py": PROFILER},
                fetch=("profile.json",)),
        limits,
    )  # fmt: skip
    raw = done.files.get("profile.json")
    if raw is None:
        return Profile([], 0.0, f"the profiled workload failed: {done.output[-300:]}")
    rows = [Hot(str(p), int(ln), str(n), int(c), float(t), float(ct),
                tuple((str(a), int(b), str(d), float(e)) for a, b, d, e in inner))
            for p, ln, n, c, t, ct, inner in json.loads(raw.decode("utf-8"))]  # fmt: skip
    return Profile(rows, max((h.cumulative for h in rows), default=0.0))


def hot_locations(
    prof: Profile,
    index: CodeIndex,
    exclude: Callable[[str], bool] = lambda _p: False,
    top: int = 8,
) -> list[Location]:
    """Functions ranked by the time spent in them and in what they call outside the project
    (builtins, the standard library), their project callees' time taken out; each mapped to
    its enclosing top-level chunk (nested helpers and comprehensions count for it); score =
    that time's share of the run."""
    called: dict[tuple[str, int, str], float] = {}
    for h in prof.functions:
        for p, ln, n, t in h.callers:
            called[(p, ln, n)] = called.get((p, ln, n), 0.0) + t
    own: dict[tuple[str, int], float] = {}
    cum: dict[tuple[str, int], float] = {}
    chunks = {}
    for h in prof.functions:
        if exclude(h.path) or not h.path.endswith(".py") or h.name == "<module>":
            continue
        chunk = index.enclosing(h.path, h.line)
        if chunk is None:
            continue
        key = (h.path, chunk.line)
        chunks[key] = chunk
        own[key] = own.get(key, 0.0) + max(h.cumulative - called.get(h.key, 0.0), h.own)
        cum[key] = max(cum.get(key, 0.0), h.cumulative)
    for key in own:  # a generator resumed by a builtin the chunk calls is counted twice
        own[key] = min(own[key], cum[key])
    total = prof.total or 1.0
    ranked = sorted(own, key=lambda k: (-own[k], -cum[k]))[:top]
    return [
        Location(path=k[0], line=chunks[k].line, end_line=chunks[k].end_line,
                 symbol=chunks[k].name, score=round(own[k] / total, 4), source="profile")
        for k in ranked
    ]  # fmt: skip


__all__ = ["PROFILER", "Hot", "Profile", "hot_locations", "profile_argv", "run_profile"]
