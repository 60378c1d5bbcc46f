"""Parametrized test ids full of brackets, emoji codes and backslashes are printed
literally by ``repair`` (progress on standard error) and ``inspect``, never as markup."""

from conftest import git

CALC = "def inc(x):\n    return x + 2\n"
TESTS = """import pytest
from calc import inc

@pytest.mark.parametrize("v", [1], ids=["a-[b]"])
def test_x(v):
    assert inc(v) == 2

@pytest.mark.parametrize("v", [1], ids=["/bold"])
def test_y(v):
    assert inc(v) == 2, "[/red] closing [bold"

@pytest.mark.parametrize("v", [1], ids=[":thumbs_up:"])
def test_z(v):
    assert inc(v) == 2
"""
IDS = ["test_calc.py::test_x[a-[b]]", "test_calc.py::test_y[/bold]",
       "test_calc.py::test_z[:thumbs_up:]"]  # fmt: skip


def test_bracketed_ids_are_printed_as_they_are(cli, make_repo, tmp_path):
    proj = make_repo({"calc.py": CALC, "test_calc.py": TESTS})
    run = tmp_path / "run"
    res = cli("repair", str(proj), "--out", str(run))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "MarkupError" not in res.stderr
    line = next(li for li in res.stderr.splitlines() if li.startswith("  failing=3"))
    assert line == "  failing=3 passing=0: " + ", ".join(IDS)  # one line, not wrapped
    assert "\N{THUMBS UP SIGN}" not in res.stderr
    shown = cli("inspect", str(run))
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())  # the tree view wraps long lessons
    for test_id in IDS:
        assert test_id in text
    assert "[/red] closing [bold" in text and "\N{THUMBS UP SIGN}" not in text
    git(proj, "status")  # the project is still a sound repository
