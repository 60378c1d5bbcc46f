"""A/A check of the optimize objective on real fresh processes: a no-op patch compared
with the base 20 times is accepted none of the times (noise floor measured first, as at
the start of a run; a comparison that accepts is measured again, as ``optimize``
re-checks its choice in a fresh workspace before it reports it), while a real speed-up
of the same workload is accepted.

A single comparison can pass a no-op by chance (on a loaded CI machine it did once in
20: 1.227x against a 1.212x floor, p=0.019), which is why a run never reports one
unconfirmed."""

from patchwright.core.diff import make_patch
from patchwright.core.domain import OptimizeSpec
from patchwright.core.protocols import RunLimits
from patchwright.repo.git import snapshot
from patchwright.sandbox.local import LocalSandbox
from patchwright.tasks.optimize.measure import compare, noise_floor
from patchwright.tasks.optimize.objective import OptimizeObjective
from patchwright.tasks.optimize.workload import run_timed, workload_argv

# The loop outweighs interpreter start-up several times over (about 0.25 s against 0.07 s
# here), so the real speed-up clears a noisy CI floor (1.27x seen) by a wide margin.
SLOW = "def work():\n    t = 0\n    for i in range(2000000):\n        t += i % 7\n    return t\n"
FAST = "def work():\n    return sum(i % 7 for i in range(3000))\n"
WORKLOAD = "from slow import work\nwork()\n"


def _sandbox(tmp_path, name):
    src = tmp_path / "proj"
    if not src.exists():
        src.mkdir()
        (src / "slow.py").write_text(SLOW)
        (src / "workload.py").write_text(WORKLOAD)
    snapshot(src, tmp_path / name)
    return LocalSandbox(tmp_path / name, isolation="none")


def test_aa_no_op_patch_is_never_accepted(tmp_path):
    box, other = _sandbox(tmp_path, "a"), _sandbox(tmp_path, "b")  # base and candidate
    argv = workload_argv(OptimizeSpec(workload="python workload.py"))
    limits = RunLimits(wall_timeout=120.0)
    noop = make_patch({"slow.py": SLOW}, {"slow.py": SLOW + "\n# the same code\n"})

    def base():
        return run_timed(box, argv, limits)

    def cand():
        return run_timed(other, argv, limits)

    assert other.apply(noop)

    try:
        floor = noise_floor(compare(base, base, pairs=10), factor=2.0)
        objective = OptimizeObjective(floor=floor, min_speedup=1.05)
        verdicts = [objective.verdict(compare(base, cand, pairs=10)) for _ in range(20)]
        confirmed = [objective.verdict(compare(base, cand, pairs=10)).accepted
                     for v in verdicts if v.accepted]  # fmt: skip
        assert not any(confirmed), [v.reason for v in verdicts]
        fast = make_patch({"slow.py": SLOW}, {"slow.py": FAST})

        assert other.apply(fast)
        v = objective.verdict(compare(base, cand, pairs=10))
        assert v.accepted, v.reason
    finally:
        box.close()
        other.close()
