"""kill -9 a repair run at random moments, then --resume: the run finishes and no candidate
is ever evaluated twice."""

import json
import os
import random
import signal
import subprocess
import sys
import time

from patchwright.core.events import Evaluation, Stage
from patchwright.store.artifacts import read_events

SRC = '''def score(values, bonus):
    total = 0
    for v in values:
        if v > 2:
            total += v * 2
        else:
            total -= v
    return total + bonus - 1
'''
TEST = '''from calc import score

def test_score():
    assert score([1, 5, 3], 4) == 42

def test_empty():
    assert score([], 1) == 0
'''


def _evaluated_hashes(run_dir):
    _, events = read_events(run_dir / "trajectory.jsonl")  # a torn last line is skipped
    return [e.patch_hash for e in events if isinstance(e, Evaluation) and not e.cached]


def test_kill_and_resume_never_evaluates_twice(make_repo, tmp_path):
    proj = make_repo({"calc.py": SRC, "test_calc.py": TEST})
    rng = random.Random(int(os.environ.get("PW_SEED", "7")))
    env = dict(os.environ, PATCHWRIGHT_HOME=str(tmp_path / "home"))
    for attempt in range(3):
        run_dir = tmp_path / f"run{attempt}"
        cmd = [sys.executable, "-m", "patchwright.cli", "repair", str(proj), "--out", str(run_dir), "-q",
               "--strategy", "mcts", "--max-evals", "40", "--set", "sandbox.plugins=none"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        # wait until the search has begun, then kill at a random moment inside it
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (run_dir / "tree.json").exists():
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = _evaluated_hashes(run_dir)
        res = subprocess.run([sys.executable, "-m", "patchwright.cli", "repair", "--resume", str(run_dir), "-q"],
                             capture_output=True, text=True, env=env, timeout=300)
        assert res.returncode in (0, 1), res.stderr
        assert (run_dir / "result.json").exists()
        hashes = _evaluated_hashes(run_dir)
        assert len(hashes) == len(set(hashes)), f"attempt {attempt}: a candidate was evaluated twice"
        assert len(hashes) >= len(before)
        result = json.loads((run_dir / "result.json").read_text())
        assert result["evaluations"] == len(hashes) <= 40
        _, events = read_events(run_dir / "trajectory.jsonl")
        stages = [e.name for e in events if isinstance(e, Stage) and e.phase == "start"]
        assert stages.count("reproduce") == 1  # the finished stage was not redone
