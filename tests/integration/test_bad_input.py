"""Bad input: one clear line on standard error, exit code 2, never a traceback."""

from pathlib import Path

import pytest


def _one_line_error(res):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 or lines[-1].startswith("patchwright: error:"), res.stderr
    assert "Traceback" not in res.stderr
    assert res.stdout == ""
    return lines[-1]


def test_missing_path(cli, tmp_path):
    line = _one_line_error(cli("repair", str(tmp_path / "nope")))
    assert "does not exist" in line


def test_unknown_option(cli, tmp_path):
    line = _one_line_error(cli("repair", str(tmp_path), "--frobnicate"))
    assert "--frobnicate" in line


def test_no_tests_found(cli, make_repo):
    proj = make_repo({"m.py": "x = 1\n"})
    line = _one_line_error(cli("repair", str(proj), "-q"))
    assert "no tests" in line


def test_tests_already_passing(cli, make_repo):
    proj = make_repo(
        {"m.py": "x = 1\n", "test_m.py": "from m import x\n\ndef test_x():\n    assert x == 1\n"}
    )
    line = _one_line_error(cli("repair", str(proj), "-q"))
    assert "already pass" in line


def test_test_command_crashes(cli, make_repo):
    proj = make_repo(
        {
            "conftest.py": "raise RuntimeError('broken conftest')\n",
            "test_m.py": "def test_x():\n    assert False\n",
        }
    )
    line = _one_line_error(cli("repair", str(proj), "-q"))
    assert "crashed" in line


def test_unknown_test_id(cli, make_repo):
    proj = make_repo({"m.py": "x = 1\n", "test_m.py": "def test_x():\n    assert False\n"})
    line = _one_line_error(cli("repair", str(proj), "--test", "test_m.py::test_nope", "-q"))
    assert "not found" in line


@pytest.mark.parametrize("args", [["--set", "search.max_evals=lots"], ["--strategy", "nope"]])
def test_bad_config(cli, make_repo, args):
    proj = make_repo({"m.py": "x = 1\n", "test_m.py": "def test_x():\n    assert False\n"})
    _one_line_error(cli("repair", str(proj), "-q", *args))


def test_bench_missing_data(cli, tmp_path):
    line = _one_line_error(cli("bench", "quixbugs", "--data", str(tmp_path / "none.jsonl")))
    assert "not found" in line


def test_serve_unknown_local_model(cli):
    line = _one_line_error(cli("model", "serve", "no-such-model"))
    assert "unknown local model" in line


def test_bench_unknown_quixbugs_id(cli):
    data = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "quixbugs_python.jsonl"
    line = _one_line_error(cli("bench", "quixbugs", "--data", str(data), "--only", "gcd,no_such_bug"))
    assert "no_such_bug" in line and "gcd" not in line.split(":")[-1]
