"""The pre-commit check: qualified names from the standard library's ast, the migration
rules chosen by the installed version, the on-disk rules cache, and --fix."""

import ast
import json
from pathlib import Path

import pytest

from patchwright.core.registry import resolve
from patchwright.hooks.check import CheckError, build_checks, run_checks
from patchwright.hooks.findings import CheckContext
from patchwright.hooks.installed import installed_versions
from patchwright.hooks.migration_check import MigrationChecker
from patchwright.hooks.names import qualified_uses
from patchwright.hooks.rule_cache import CACHE_VERSION

RULES = {"version": 1, "library": "fakelib", "from": "1.0", "to": "2.0", "rules": [
    {"kind": "renamed", "old": "fakelib.old_fn", "new": "fakelib.new_fn", "message": ""},
    {"kind": "removed", "old": "fakelib.gone", "new": None, "message": ""},
    {"kind": "replaced", "old": "fakelib.NINF", "new": "-fakelib.inf", "message": ""},
    {"kind": "moved", "old": "fakelib.Err", "new": "fakelib.errors.Err", "message": ""},
]}
CODE = """import fakelib as fl
from fakelib import old_fn

a = fl.old_fn(1) + fl.NINF
b = old_fn(2)
c = fl.gone
d = fl.sub.thing
"""


def _env(tmp_path: Path, version: str) -> str:
    """A venv-shaped folder whose site-packages records fakelib ``version``."""
    site = tmp_path / f"env{version}" / "lib" / "python3.11" / "site-packages"
    (site / f"fakelib-{version}.dist-info").mkdir(parents=True)
    return str(tmp_path / f"env{version}" / "bin" / "python")


def _ctx(tmp_path: Path, version: str) -> CheckContext:
    rules = tmp_path / "fakelib.json"
    rules.write_text(json.dumps(RULES))
    return CheckContext(root=tmp_path, python=_env(tmp_path, version), cache=tmp_path / "cache",
                        rules_files=(rules,))


def test_qualified_uses_follow_import_aliases():
    uses = {(u.line, u.qualified, u.text) for u in qualified_uses(ast.parse(CODE),
                                                                 frozenset({"fakelib"}))}
    assert (2, "fakelib.old_fn", "old_fn") in uses  # the from-import itself
    assert (4, "fakelib.old_fn", "fl.old_fn") in uses and (4, "fakelib.NINF", "fl.NINF") in uses
    assert (5, "fakelib.old_fn", "old_fn") in uses and (7, "fakelib.sub.thing", "fl.sub.thing") in uses


def test_installed_versions_read_dist_info_without_running_the_interpreter(tmp_path):
    assert installed_versions(["fakelib", "other"], _env(tmp_path, "2.1.0")) == {"fakelib": "2.1.0"}


def test_findings_name_the_line_rule_and_replacement_in_the_sites_spelling(tmp_path):
    check = MigrationChecker.build(_ctx(tmp_path, "2.1.0"))
    found = check.findings("m.py", CODE, ast.parse(CODE))
    lines = [f.line_text() for f in found]
    assert "m.py:4:5: fakelib.old_fn renamed to fakelib.new_fn (fakelib 2.1.0); use fl.new_fn [migrate]" in lines
    assert "m.py:4:20: fakelib.NINF removed (fakelib 2.1.0); use -fl.inf [migrate]" in lines
    assert "m.py:6:5: fakelib.gone removed (fakelib 2.1.0) [migrate]" in lines
    assert [f.line for f in found] == [2, 4, 4, 5, 6]


def test_rules_for_a_newer_version_than_installed_do_not_apply(tmp_path):
    check = MigrationChecker.build(_ctx(tmp_path, "1.5"))
    assert check.findings("m.py", CODE, ast.parse(CODE)) == []


def test_compiled_rules_are_cached_with_a_version(tmp_path):
    ctx = _ctx(tmp_path, "2.0")
    MigrationChecker.build(ctx)
    (cached,) = (tmp_path / "cache").glob("migrate-*.json")
    data = json.loads(cached.read_text())
    assert data["version"] == CACHE_VERSION and len(data["rules"]) == 4
    data["rules"] = data["rules"][:1]  # a cache entry is what the checker uses
    cached.write_text(json.dumps(data))
    assert len(MigrationChecker.build(ctx).rules) == 1
    data["version"] = CACHE_VERSION + 1  # another format: compiled again
    cached.write_text(json.dumps(data))
    assert len(MigrationChecker.build(ctx).rules) == 4


def test_fix_rewrites_and_what_has_no_replacement_stays_reported(tmp_path):
    checks = build_checks(_ctx(tmp_path, "2.0"), ["migrate"])
    files = {"m.py": CODE, "notes.txt": "fakelib.gone"}
    report = run_checks(list(files), checks, files.get, fix=True, write=files.__setitem__)
    assert report.fixed == {"m.py": 4} and report.checked == 1
    assert "a = fl.new_fn(1) + -fl.inf" in files["m.py"] and "from fakelib import new_fn" in files["m.py"]
    assert [f.rule for f in report.findings] == ["fakelib.gone removed (fakelib 2.0)"]


def test_an_unparsable_file_is_skipped_with_a_note(tmp_path):
    checks = build_checks(_ctx(tmp_path, "2.0"), ["migrate"])
    report = run_checks(["bad.py"], checks, {"bad.py": "def f(:\n"}.get)
    assert report.findings == [] and report.skipped == ["bad.py: SyntaxError line 1"]


def test_checks_are_registered_and_an_unknown_one_is_one_line(tmp_path):
    assert resolve("check", "migrate") is MigrationChecker
    with pytest.raises(CheckError, match="unknown check 'nope'"):
        build_checks(_ctx(tmp_path, "2.0"), ["nope"])


SLOW = "def pick(xs):\n    return sorted(xs)[0]\n\n\ndef fine(xs):\n    return min(xs)\n"


def test_the_perf_check_hints_where_a_rewrite_applies_and_fix_leaves_it(tmp_path):
    (check,) = build_checks(_ctx(tmp_path, "2.0"), ["perf"])
    found = check.findings("p.py", SLOW, ast.parse(SLOW))
    assert [(f.line, f.replacement) for f in found] == [(2, "return min(xs)")]
    assert found[0].rule.startswith("perf.sorted_min (") and found[0].check == "perf"
    assert check.fix("p.py", SLOW) == (SLOW, 0)


def test_no_installed_library_with_rules_says_where_it_looked(tmp_path):
    ctx = _ctx(tmp_path, "2.0")
    ctx = CheckContext(root=tmp_path, python=str(tmp_path / "bare" / "bin" / "python"),
                       cache=ctx.cache, rules_files=ctx.rules_files)
    (tmp_path / "bare" / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    assert MigrationChecker.build(ctx).rules == {}
    assert any("none of fakelib" in note and "--venv" in note for note in ctx.log)
