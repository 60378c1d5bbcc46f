"""The whole-project migration on real numpy 1 -> 2 (needs PyPI the first time to build the
numpy 2 environment; cached after): a project that still imports under numpy 2 but uses
ten removed aliases in five functions, one of them an expression replacement (``np.NINF``
-> ``-np.inf``, stated only by numpy's own message), is migrated in one run, no model."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = "numpy==2.4.6"

SIGNAL = '''"""Signal helpers written against numpy 1.x."""
import numpy as np


def floor_missing(values):
    arr = np.array(values, dtype=np.float_)
    arr[np.isnan(arr)] = np.NINF
    return arr


def peak(values):
    arr = np.array(values, dtype=np.float_)
    return np.NaN if arr.size == 0 else float(np.round_(arr.max(), 2))


def gains(values):
    return float(np.product(values)), np.cumproduct(values).tolist()


def checks(values):
    arr = np.asarray(values)
    return bool(np.alltrue(arr > 0)), bool(np.sometrue(arr > 10)), bool((arr < np.Inf).all())


def labels(names):
    return np.array(names, dtype=np.string_)
'''

TESTS = '''import math

from sigtools import checks, floor_missing, gains, labels, peak


def test_floor_missing():
    out = floor_missing([1.0, float("nan")])
    assert out[0] == 1.0 and out[1] == -math.inf


def test_peak():
    assert peak([1.234, 5.678]) == 5.68
    assert math.isnan(peak([]))


def test_gains():
    assert gains([1, 2, 3]) == (6.0, [1, 2, 6])


def test_checks():
    assert checks([1, 20]) == (True, True, True)


def test_labels():
    assert labels(["a", "b"]).tolist() == [b"a", b"b"]
'''


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=project,
                   check=True, capture_output=True)  # fmt: skip


@pytest.mark.slow
def test_numpy2_project_migrated_in_one_run(tmp_path):
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "sigtools.py").write_text(SIGNAL)
    (project / "tests" / "test_sigtools.py").write_text(TESTS)
    (project / "requirements.txt").write_text("numpy<2\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "numpy 1 code")
    run = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", str(project), "--to", TARGET,
         "--out", str(run)], cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads((run / "migration.json").read_text())
    changed = report["changed"]
    assert len(changed) >= 11, changed
    assert any("sigtools.py:7 np.NINF -> -np.inf" in c for c in changed), changed
    assert report["left"] == []
    print(f"\nnumpy migration: {report['evaluations']} evaluations, {report['seconds']:.1f}s, "
          f"{report['sweep']['test_runs']} test runs")
    subprocess.run(["git", "apply", "-"], input=proc.stdout, text=True, cwd=project, check=True)
    text = (project / "sigtools.py").read_text()
    assert "np.float_" not in text and "np.NINF" not in text and "-np.inf" in text
