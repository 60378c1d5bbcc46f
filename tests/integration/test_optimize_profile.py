"""Profile localization on a real workload run: the hot function comes first, mapped to
its chunk (a nested helper and a generator expression count for their outer function);
the workload and test files are never locations."""

from patchwright.core.domain import OptimizeSpec
from patchwright.core.protocols import RunLimits
from patchwright.localize.hotspots import hot_locations, profile_argv, run_profile
from patchwright.repo.git import snapshot
from patchwright.repo.index import CodeIndex
from patchwright.sandbox.local import LocalSandbox
from patchwright.tasks.optimize.workload import workload_argv

LIB = '''\
def cheap(xs):
    return len(xs)


def hot(xs):
    def helper(v):
        return sum(1 for w in xs if w == v)
    return [helper(x) for x in xs]
'''
WORKLOAD = "from lib import cheap, hot\nxs = list(range(400))\ncheap(xs)\nhot(xs)\n"


def test_profile_ranks_the_hot_function_first(tmp_path):
    src = tmp_path / "proj"
    src.mkdir()
    (src / "lib.py").write_text(LIB)
    (src / "workload.py").write_text(WORKLOAD)
    snapshot(src, tmp_path / "ws")
    box = LocalSandbox(tmp_path / "ws", isolation="none")
    try:
        argv = workload_argv(OptimizeSpec(workload="python workload.py"))
        prof = run_profile(box, argv, RunLimits(wall_timeout=120.0))
    finally:
        box.close()
    assert not prof.error and prof.total > 0
    index = CodeIndex.from_repo(tmp_path / "ws")
    locs = hot_locations(prof, index, exclude=lambda p: p == "workload.py")
    assert locs[0].symbol == "hot" and locs[0].path == "lib.py"
    assert (locs[0].line, locs[0].end_line) == (5, 8)
    assert locs[0].source == "profile" and 0.5 < locs[0].score <= 1.0
    assert all(loc.path != "workload.py" for loc in locs)


def test_only_python_commands_are_profiled():
    assert profile_argv(["sh", "-c", "true"]) is None
    assert profile_argv(workload_argv(OptimizeSpec(target="m:f")))[2].startswith('["-c"')


GEN = "def longest(xs):\n    n = max(len(x) for x in xs)\n    return [x for x in xs if len(x) == n]\n"


def test_a_generator_resumed_by_a_builtin_is_not_counted_twice(tmp_path):
    src = tmp_path / "proj"
    src.mkdir()
    (src / "lib.py").write_text(GEN)
    (src / "workload.py").write_text("from lib import longest\nfor _ in range(30):\n"
                                     "    longest([str(i) for i in range(20000)])\n")
    snapshot(src, tmp_path / "ws")
    box = LocalSandbox(tmp_path / "ws", isolation="none")
    try:
        prof = run_profile(box, workload_argv(OptimizeSpec(workload="python workload.py")),
                           RunLimits(wall_timeout=120.0))
    finally:
        box.close()
    locs = hot_locations(prof, CodeIndex.from_repo(tmp_path / "ws"), exclude=lambda p: p == "workload.py")
    assert locs[0].symbol == "longest" and 0.3 < locs[0].score <= 1.0, locs


def test_a_long_set_up_does_not_use_up_the_profile(tmp_path):
    """The workload builds its inputs for longer than the profile's window before it calls
    the project: the profile waits for project code, then profiles it."""
    src = tmp_path / "proj"
    src.mkdir()
    (src / "lib.py").write_text(LIB)
    (src / "workload.py").write_text(
        "import time\nfrom lib import hot\nt = time.process_time()\n"
        "while time.process_time() - t < 1.5:\n    xs = [i % 7 for i in range(1000)]\n"
        "hot(list(range(400)))\n")  # fmt: skip
    snapshot(src, tmp_path / "ws")
    box = LocalSandbox(tmp_path / "ws", isolation="none")
    try:
        prof = run_profile(box, workload_argv(OptimizeSpec(workload="python workload.py")),
                           RunLimits(wall_timeout=120.0), seconds=0.4)
    finally:
        box.close()
    locs = hot_locations(prof, CodeIndex.from_repo(tmp_path / "ws"), exclude=lambda p: p == "workload.py")
    assert locs and locs[0].symbol == "hot", [h.name for h in prof.functions]
