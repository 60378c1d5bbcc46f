"""End to end on numpy (needs PyPI to build the venvs; slow the first time, cached after)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from patchwright.propose.migrate.rules import find_shipped

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "numpy_legacy"
TARGET = "numpy==2.4.6"


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patchwright.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=1500)


def test_shipped_numpy_rules_key_entries():
    rules = find_shipped("numpy", "2.4.6")
    assert rules is not None and rules.from_ == "1.26.4"
    table = {r.old: r.new for r in rules.rules}
    assert table["numpy.float_"] == "numpy.float64"
    assert table["numpy.product"] == "numpy.prod"
    assert table["numpy.NaN"] == "numpy.nan"
    assert rules.generated_by.startswith("patchwright")


@pytest.mark.slow
def test_mine_regenerates_shipped_numpy_rules(tmp_path):
    out = tmp_path / "numpy.json"
    proc = _cli("migrate", "mine", "numpy", "1.26.4", "2.4.6", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    fresh = {r["old"]: r["new"] for r in json.loads(out.read_text())["rules"]}
    for old, new in [("numpy.float_", "numpy.float64"), ("numpy.product", "numpy.prod"),
                     ("numpy.alltrue", "numpy.all"), ("numpy.Inf", "numpy.inf"),
                     ("numpy.round_", "numpy.round")]:
        assert fresh[old] == new
    shipped = {r.old: r.new for r in find_shipped("numpy", "2.4.6").rules}
    assert {k: v for k, v in fresh.items() if v} == {k: v for k, v in shipped.items() if v}


def _tests_pass_on_target(project: Path) -> None:
    from patchwright.app.paths import resolve_paths
    from patchwright.envs import EnvBuilder, EnvSpec

    spec = EnvSpec(requirements=(TARGET, "pytest", "pytest-timeout", "pytest-cov"))
    python = EnvBuilder(resolve_paths().envs).ensure(spec).python
    proc = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=project, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("from_import", [True, False])
def test_migrate_example_to_numpy2(tmp_path, from_import):
    project = tmp_path / "proj"
    shutil.copytree(EXAMPLE, project)
    if not from_import:  # collection works on numpy 2: the search path (not the fallback)
        init = project / "legacy_stats" / "__init__.py"
        text = init.read_text().replace("from numpy import product  # old spelling of np.prod\n",
                                        "").replace("return product(", "return np.product(")
        init.write_text(text)
    proc = _cli("migrate", str(project), "--to", TARGET, "--out", str(tmp_path / "run"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "np.float_ -> np.float64" in proc.stderr
    subprocess.run(["git", "apply", "-"], input=proc.stdout, text=True, cwd=project, check=True)
    _tests_pass_on_target(project)
