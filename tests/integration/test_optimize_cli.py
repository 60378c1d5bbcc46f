"""``patchwright optimize`` end to end on examples/slow_demo, no model: the diff on
standard output applies with git, the tests pass on the patched copy, and the speed-up is
re-measured here (interleaved fresh processes, CPU time) at >= 1.5x. Bad input: one line,
exit 2."""

import resource
import shutil
import subprocess
import sys
from pathlib import Path

from patchwright.tasks.optimize.stats import median

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "slow_demo"


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "patchwright.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=1500)  # fmt: skip


def _cpu_of(cwd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "import workload; workload.main()"], cwd=cwd,
                   check=True, timeout=300)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_optimize_example_is_faster_and_correct(tmp_path):
    proj = tmp_path / "proj"
    shutil.copytree(EXAMPLE, proj, ignore=shutil.ignore_patterns("__pycache__"))
    res = _cli("optimize", str(proj), "--target", "workload:main", "--out", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("diff --git") and "workload.py" not in res.stdout
    assert "faster by" in res.stderr
    patched = tmp_path / "patched"
    shutil.copytree(proj, patched)
    subprocess.run(["git", "init", "-q"], cwd=patched, check=True)
    subprocess.run(["git", "apply", "-"], cwd=patched, input=res.stdout, text=True, check=True)
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=patched, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-2000:]
    base, cand = [], []
    for i in range(11):  # one warm-up pair, then 10 pairs, alternating which goes first
        order = [(proj, base), (patched, cand)] if i % 2 == 0 else [(patched, cand), (proj, base)]
        for where, sink in order:
            t = _cpu_of(where)
            if i:
                sink.append(t)
    speedup = median(base) / median(cand)
    assert speedup >= 1.5, (base, cand)
    assert (tmp_path / "run" / "optimize.json").is_file() and (tmp_path / "run" / "patch.diff").is_file()


def test_bad_input_is_one_line_exit_2(tmp_path):
    res = _cli("optimize", str(tmp_path / "missing"), "--workload", "python w.py")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    res = _cli("optimize", str(EXAMPLE), "--target", "nocolon", "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "module:function" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    res = _cli("optimize", str(EXAMPLE), "--workload-file", "nope.py")
    assert res.returncode == 2 and "nope.py" in res.stderr


def test_max_seconds_bounds_the_run(tmp_path):
    """--max-seconds ends the candidate loop once it is spent: no patch, budget_exhausted,
    and the stage it ran out in named (the base runs and the A/A floor still run once)."""
    import json

    proj = tmp_path / "proj"
    shutil.copytree(EXAMPLE, proj, ignore=shutil.ignore_patterns("__pycache__"))
    res = _cli("optimize", str(proj), "--target", "workload:main", "--out", str(tmp_path / "run"),
               "--max-seconds", "1")  # fmt: skip
    assert res.returncode == 1 and res.stdout == "", res.stderr[-3000:]
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["status"] == "budget_exhausted", result
    assert result["message"].startswith("timed out in screening after"), result
    assert result["evaluations"] == 0
