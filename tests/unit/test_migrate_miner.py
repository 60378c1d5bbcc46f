"""The miner on two synthetic versions of a tiny package: no library knowledge hard-coded."""

import json
import sys
from pathlib import Path

from patchwright.propose.migrate.apidiff import diff_apis, hint_names
from patchwright.propose.migrate.mine import mine_dumps
from patchwright.propose.migrate.rules import RulesFile, load_rules, save_rules

OLD = '''
import warnings
def total(xs, start=0):
    """Sum.

    .. deprecated:: 1.5
        ``total`` is deprecated, use `summa` instead.
    """
    return sum(xs, start)
def summa(xs, start=0):
    return sum(xs, start)
def scale(x, factor=2):
    return x * factor
Real = float
real_alias = Real
'''
NEW = '''
def summa(xs, start=0):
    return sum(xs, start)
def scale(x, factor=3):
    return x * factor
Real = float
def __getattr__(name):
    if name == "real_alias":
        raise AttributeError("`toylib.real_alias` was removed in 2.0. Use `toylib.Real` instead.")
    raise AttributeError(name)
'''


def _pkg(tmp: Path, name: str, body: str) -> Path:
    root = tmp / name
    (root / "toylib").mkdir(parents=True)
    (root / "toylib" / "__init__.py").write_text(body)
    return root


def test_mine_synthetic(tmp_path, monkeypatch):
    old_root, new_root = _pkg(tmp_path, "old", OLD), _pkg(tmp_path, "new", NEW)
    py = Path(sys.executable)
    monkeypatch.setenv("PYTHONPATH", str(old_root))
    old = __import__("patchwright.propose.migrate.mine", fromlist=["dump_api"]).dump_api(py, "toylib")
    monkeypatch.setenv("PYTHONPATH", str(new_root))
    new = __import__("patchwright.propose.migrate.mine", fromlist=["dump_api"]).dump_api(
        py, "toylib", {"toylib": ["total", "real_alias"]}
    )
    rules = {r.old: r for r in diff_apis(old, new)}
    assert rules["toylib.total"].new == "toylib.summa"
    assert rules["toylib.total"].kind == "renamed"
    assert rules["toylib.real_alias"].new == "toylib.Real"
    assert "removed in 2.0" in rules["toylib.real_alias"].message
    assert rules["toylib.scale"].kind == "signature_changed"
    assert "factor" in rules["toylib.scale"].message
    assert "toylib.summa" not in rules


def test_mine_dumps_probes_removed_names(tmp_path, monkeypatch):
    old_root, new_root = _pkg(tmp_path, "old", OLD), _pkg(tmp_path, "new", NEW)
    monkeypatch.setenv("PYTHONPATH", f"{old_root}")
    py = Path(sys.executable)
    # same interpreter, PYTHONPATH switched between the two dumps via a wrapper script
    wrapper = tmp_path / "newpy"
    wrapper.write_text(f"#!/bin/sh\nPYTHONPATH={new_root} exec {py} \"$@\"\n")
    wrapper.chmod(0o755)
    _, new = mine_dumps(py, wrapper, "toylib")
    assert "error" in new["modules"]["toylib"]["members"]["real_alias"]


def test_hint_names():
    assert hint_names("Use `np.float64` instead.") == ["np.float64"]
    assert hint_names("Please use `prod` instead.") == ["prod"]
    assert hint_names("Use `-np.inf` instead.") == []
    assert hint_names("Use `np.asarray(arr, dtype=dtype)` instead") == []
    assert hint_names("deprecated in favor of isin.") == ["isin"]
    assert hint_names("Use a specific dtype instead") == []


def test_rules_round_trip(tmp_path):
    rules = RulesFile.model_validate(
        {"library": "x", "from": "1", "to": "2", "rules": [
            {"kind": "renamed", "old": "x.a", "new": "x.b", "message": "m"},
            {"kind": "removed", "old": "x.c", "new": None, "message": ""}]}
    )
    save_rules(rules, tmp_path / "r.json")
    back = load_rules(tmp_path / "r.json")
    assert back == rules
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["version"] == 1 and data["from"] == "1"
    assert [r.old for r in back.rewrites()] == ["x.a"]
