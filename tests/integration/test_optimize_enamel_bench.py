"""``patchwright bench enamel`` on a two-task data file in ENAMEL's format (made here):
the harness checks and times ours and the ruff baseline itself, summary.json carries the
totals side by side, the chart is a PNG, and a second run resumes."""

import json
import subprocess
import sys

SLOW = ("def dup_counts(words: list):\n    out = {}\n    for w in words:\n"
        "        out[w] = words.count(w)\n    return out\n")  # fmt: skip
TESTS = ("from prog import dup_counts\n\n\ndef test_counts():\n"
         "    assert dup_counts(['a', 'b', 'a']) == {'a': 2, 'b': 1}\n    assert dup_counts([]) == {}\n")
WORKLOAD = '''import hashlib, sys
from prog import dup_counts
words = [f"w{(i * 7919) % 900}" for i in range(2500)]
out = dup_counts(words)
print("calls=1")
if "--digest" in sys.argv:
    print("digest=" + hashlib.sha256(repr(sorted(out.items())).encode()).hexdigest())
'''
FAST_ALREADY = "def dup_counts(words):\n    return {w: 1 for w in words}\n"


def _row(i, slow, tests):
    return {"id": f"enamel-HumanEval/{i}", "entry_point": "dup_counts", "program_file": "prog.py",
            "slow_source": slow, "fast_reference": slow, "test_file": "test_prog.py", "tests": tests,
            "workload_file": "workload.py", "workload": WORKLOAD,
            "measured": {"speedup": 20.0}}  # fmt: skip


def test_bench_enamel_end_to_end(tmp_path):
    data = tmp_path / "enamel.jsonl"
    other_tests = "from prog import dup_counts\n\n\ndef test_any():\n    assert dup_counts(['a']) == {'a': 1}\n"
    rows = [_row(1, SLOW, TESTS), _row(2, FAST_ALREADY, other_tests)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "patchwright.cli", "bench", "enamel", "--data", str(data),
           "--out", str(out), "--rounds", "5", "--opt-pairs", "5"]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["instances"] == 2 and summary["errors"] == 0
    by_id = {t["id"]: t for t in summary["tasks"]}
    first = by_id["enamel-HumanEval/1"]
    assert first["ours_check"] == "ok" and first["ours"] >= 1.2 and "perf.counter" in first["template"]
    assert by_id["enamel-HumanEval/2"]["ours_check"] == "unchanged"
    assert by_id["enamel-HumanEval/2"]["ours"] == 1.0
    assert summary["ours"]["sped_up_1_2x"] >= 1 and "ruff_baseline" in summary
    assert summary["ours"]["geomean_speedup"] > 1.0
    assert (out / "speedups.png").read_bytes().startswith(b"\x89PNG")
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "resuming: 2 done" in again.stderr


GOOD = ("```python\ndef dup_counts(words: list):\n    out = {}\n    for w in words:\n"
        "        out[w] = out.get(w, 0) + 1\n    return out\n```\n")  # fmt: skip


def test_bench_enamel_with_a_model_reports_its_calls(tmp_path):
    """With ``--model`` the model's candidate competes (here alone beside ruff) and the
    summary carries the calls, the tokens and the model's candidates."""
    data = tmp_path / "enamel.jsonl"
    data.write_text(json.dumps(_row(1, SLOW, TESTS)) + "\n")
    script = tmp_path / "script.json"
    script.write_text(json.dumps([GOOD] * 4))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "patchwright.cli", "bench", "enamel", "--data", str(data),
           "--out", str(out), "--rounds", "5", "--opt-pairs", "5", "--proposers", "ruff_perf",
           "--model", f"scripted:{script}", "--set", "llm.edit_format=whole_function",
           "--set", "model.cache=false"]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    task = summary["tasks"][0]
    assert task["template"] == "llm" and task["ours"] >= 1.2, summary
    assert summary["model_calls"] >= 1 and summary["llm_candidates"] >= 1
    assert summary["llm_chosen"] == 1 and "model:" in res.stdout
