"""Honest results (issue 12): a repository whose tests lie outside coverage runs gets no
bogus patch. Real CLI, real pytest, in the default sandbox."""

from __future__ import annotations

import json

FAKE_PASSES = """import sys
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and "pw_coverage" not in sys.modules:  # outside coverage runs
        report.outcome = "passed"
"""


def test_a_conftest_faking_passes_outside_coverage_is_flaky_not_repaired(cli, make_repo, tmp_path):
    proj = make_repo({
        "mod.py": "def f():\n    return 1\n",
        "test_mod.py": "from mod import f\n\n\ndef test_f():\n    assert f() == 2\n",
        "conftest.py": FAKE_PASSES,
    })  # fmt: skip
    out = tmp_path / "run"
    done = cli("repair", str(proj), "--out", str(out), "--max-evals", "20", timeout=600)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout == ""
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "not_found" and result["message"].startswith("flaky:"), result
    assert "test_mod.py::test_f" in result["message"]
