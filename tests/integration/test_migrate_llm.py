"""`patchwright migrate` with a model: the LLM migration proposer sees the target version's
own documentation (read from the target environment) and its edit is validated there.

No rules apply (an empty rules file, and no mining of the tests' messages: ``--messages
off``), so only the model's edit can fix the project; the
scripted model stands in for a real one, and the prompt it received is checked."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from patchwright.core.events import ModelCall
from patchwright.store.artifacts import read_events

ROOT = Path(__file__).resolve().parents[2]
TARGET = "numpy==2.4.6"

MODULE = """import numpy as np


def mean_as_float(values):
    return np.asarray(values, dtype=np.float_).mean()
"""
TEST = """from stats import mean_as_float


def test_mean():
    assert mean_as_float([1, 2, 3]) == 2.0
"""
REPLY = """Use the float64 type, which numpy 2 keeps.

stats.py
<<<<<<< SEARCH
    return np.asarray(values, dtype=np.float_).mean()
=======
    return np.asarray(values, dtype=np.float64).mean()
>>>>>>> REPLACE
"""


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=project,
                   check=True, capture_output=True)  # fmt: skip


@pytest.mark.slow
def test_llm_migration_reads_target_docs_and_validates(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "stats.py").write_text(MODULE)
    (project / "test_stats.py").write_text(TEST)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "numpy 1 code")
    rules = tmp_path / "empty-rules.json"
    rules.write_text(json.dumps({"version": 1, "library": "numpy", "from": "1.26.4",
                                 "to": "2.4.6", "generated_by": "test", "rules": []}))  # fmt: skip
    script = tmp_path / "replies.json"
    script.write_text(json.dumps({"replies": [REPLY], "cycle": True}))
    run = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", str(project), "--to", TARGET,
         "--rules", str(rules), "--messages", "off", "--out", str(run),
         "--model", f"scripted:{script}",
         "--set", "llm.rethink=false", "--set", "llm.rank=false"],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "np.float64" in proc.stdout and "np.float_" in proc.stdout  # the diff
    _, events = read_events(run / "trajectory.jsonl")
    calls = [e for e in events if isinstance(e, ModelCall)]
    assert calls, "the model was never asked"
    prompt = calls[0].messages[-1].content
    assert "Documentation of numpy 2.4.6 (from the installed package)" in prompt
    assert "numpy.float64" in prompt  # the name near the one numpy 2 removed
    assert (project / "stats.py").read_text() == MODULE  # the user's tree is untouched
