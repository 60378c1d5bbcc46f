"""Rank statistics and the A/B verdict of the optimize objective (pure: no processes)."""

import math
import random

import pytest
from scipy.stats import mannwhitneyu

from patchwright.core.domain import OptimizeSpec, Task, TestOutcome, TestResult, TestStatus
from patchwright.tasks.optimize.measure import Comparison, Sample, compare, judge, noise_floor
from patchwright.tasks.optimize.objective import OptimizeObjective, gate
from patchwright.tasks.optimize.stats import geomean, mann_whitney_less, median
from patchwright.tasks.optimize.workload import WorkloadError, workload_argv


@pytest.mark.parametrize("n", [3, 5, 8, 10, 25])
def test_mann_whitney_matches_scipy(n):
    rng = random.Random(n)
    a = [rng.random() for _ in range(n)]
    b = [rng.random() + 0.2 for _ in range(n)]
    assert mann_whitney_less(a, b) == pytest.approx(mannwhitneyu(a, b, alternative="less").pvalue)


def test_mann_whitney_with_ties_matches_scipy():
    a, b = [1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 8], [2, 3, 3, 5, 6, 7, 9, 9, 9, 10, 11]
    assert mann_whitney_less(a, b) == pytest.approx(mannwhitneyu(a, b, alternative="less").pvalue)


def test_median_and_geomean():
    assert median([3, 1, 2]) == 2 and median([4, 1, 2, 3]) == 2.5
    assert geomean([2, 8]) == pytest.approx(4.0)


def _cmp(base, cand):
    return Comparison([Sample(x, x) for x in base], [Sample(x, x) for x in cand])


def test_judge_accepts_a_clear_speedup_only():
    fast = _cmp([1.0 + i / 100 for i in range(10)], [0.5 + i / 100 for i in range(10)])
    v = judge(fast, floor=1.02, min_speedup=1.1)
    assert v.accepted and v.speedup == pytest.approx(1.045 / 0.545, rel=1e-3)
    same = _cmp([1.0 + i / 100 for i in range(10)], [1.005 + i / 100 for i in range(10)])
    assert not judge(same, floor=1.0, min_speedup=1.0).accepted
    small = _cmp([1.0 + i / 1000 for i in range(10)], [0.95 + i / 1000 for i in range(10)])
    assert judge(small, floor=1.0, min_speedup=1.0).accepted
    assert not judge(small, floor=1.0, min_speedup=1.1).accepted  # significant but too small
    assert not judge(small, floor=1.2, min_speedup=1.0).accepted  # below the noise floor


def test_compare_interleaves_and_drops_warmup():
    calls = []

    def run(tag, t):
        def f():
            calls.append(tag)
            return Sample(t, t)
        return f

    c = compare(run("A", 2.0), run("B", 1.0), pairs=4, warmup=1)
    assert calls == ["A", "B", "B", "A", "A", "B", "B", "A", "A", "B"]
    assert len(c.base) == len(c.cand) == 4 and c.speedup == 2.0


def test_noise_floor_from_aa_pairs():
    aa = _cmp([1.0, 1.1, 1.0, 0.9], [1.1, 1.0, 1.0, 1.0])
    f = noise_floor(aa)
    assert 1.0 <= f < 1.2
    assert noise_floor(aa, factor=2.0) == pytest.approx(f * f)


def test_objective_reward_is_log_speedup_gated_by_tests():
    task = Task(id="t", repo=".", passing_tests=["t::a"], spec=OptimizeSpec(workload="python w.py"))
    ok = TestResult(tests={"t::a": TestOutcome(status=TestStatus.PASS)})
    broken = TestResult(tests={"t::a": TestOutcome(status=TestStatus.FAIL)})
    fast = _cmp([1.0 + i / 100 for i in range(10)], [0.5 + i / 100 for i in range(10)])
    obj = OptimizeObjective(floor=1.01, min_speedup=1.1)
    assert gate(task, ok) and not gate(task, broken)
    assert obj.score(task, ok, fast) == pytest.approx(math.log(fast.speedup))
    assert obj.score(task, broken, fast) == 0.0
    obj.record(ok, fast)
    assert obj.done(task, ok) and not obj.done(task, broken)


def test_workload_argv():
    assert workload_argv(OptimizeSpec(workload="python w.py --n 3"))[1:] == ["w.py", "--n", "3"]
    assert workload_argv(OptimizeSpec(workload="python w.py"))[0] == "{python}"
    assert "slow" in workload_argv(OptimizeSpec(target="slow:main"))[2]
    with pytest.raises(WorkloadError):
        workload_argv(OptimizeSpec(target="nocolon"))
    with pytest.raises(WorkloadError):
        workload_argv(OptimizeSpec(workload=""))
