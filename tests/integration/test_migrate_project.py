"""Whole-project migration, hermetic: a tiny library ``fakenum`` in versions 1 and 2 is
built here as wheels (v2 removes or renames nine APIs and says what to use instead, the way
numpy 2, pandas and ``warnings.warn`` texts do), the target environment is built from a
local wheel folder only (pytest and its plugins repacked from this interpreter), and
``patchwright migrate`` moves a project using all nine in five functions to v2 in one run,
without a model and without a rules file: every rule comes from the tests' messages."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("pytest", "pytest-timeout", "pytest-cov")

FUNCTIONS = '''def prod(xs):
    out = 1
    for x in xs:
        out *= x
    return out


def cumprod(xs):
    out, acc = [], 1
    for x in xs:
        acc *= x
        out.append(acc)
    return out


def all_of(xs):
    return all(xs)


def trapezoid(ys, dx=1.0):
    return sum((a + b) * dx / 2 for a, b in zip(ys, ys[1:]))
'''

V1 = '''"""fakenum 1: the old spellings."""
from fakenum import exceptions

inf = float("inf")
nan = float("nan")
NINF = -inf
Inf = inf
NaN = nan
float64 = float
float_ = float
AxisError = exceptions.AxisError


def prod(xs):
    out = 1
    for x in xs:
        out *= x
    return out


def cumprod(xs):
    out, acc = [], 1
    for x in xs:
        acc *= x
        out.append(acc)
    return out


def all_of(xs):
    return all(xs)


def trapezoid(ys, dx=1.0):
    return sum((a + b) * dx / 2 for a, b in zip(ys, ys[1:]))


product = prod
cumproduct = cumprod
alltrue = all_of
trapz = trapezoid
'''

V2 = '''"""fakenum 2: nine old spellings removed or deprecated, each message naming the new one."""
import warnings

from fakenum import exceptions

inf = float("inf")
nan = float("nan")
float64 = float


def prod(xs):
    out = 1
    for x in xs:
        out *= x
    return out


def cumprod(xs):
    out, acc = [], 1
    for x in xs:
        acc *= x
        out.append(acc)
    return out


def all_of(xs):
    return all(xs)


def trapezoid(ys, dx=1.0):
    return sum((a + b) * dx / 2 for a, b in zip(ys, ys[1:]))


def trapz(ys, dx=1.0):
    warnings.warn("`trapz` is deprecated in favour of `trapezoid`", DeprecationWarning,
                  stacklevel=2)
    return trapezoid(ys, dx)


def cumproduct(xs):
    warnings.warn("fakenum.cumproduct is deprecated; use fakenum.cumprod", DeprecationWarning,
                  stacklevel=2)
    return cumprod(xs)


_REMOVED = {
    "NINF": "`fk.NINF` was removed in the FakeNum 2.0 release. Use `-fk.inf` instead.",
    "Inf": "`fk.Inf` was removed in the FakeNum 2.0 release. Use `fk.inf` instead.",
    "NaN": "fk.NaN was removed in the FakeNum 2.0 release. Use fk.nan instead.",
    "float_": "`fk.float_` was removed in the FakeNum 2.0 release. Use `fk.float64` instead.",
    "product": "fakenum.product has been removed in favor of fakenum.prod.",
    "alltrue": "fakenum.alltrue has been renamed to fakenum.all_of",
    "AxisError": "`fk.AxisError` was removed from the main namespace. It is still available "
    "as `fk.exceptions.AxisError`.",
}


def __getattr__(name):
    if name in _REMOVED:
        raise AttributeError(_REMOVED[name])
    raise AttributeError(f"module 'fakenum' has no attribute {name!r}")
'''

EXCEPTIONS = "class AxisError(ValueError):\n    pass\n"

STATS = '''"""A small project written against fakenum 1."""
import fakenum as fk


def floor_missing(values):
    """None becomes minus infinity; the upper bound is infinity."""
    out = [fk.NINF if v is None else v for v in values]
    return out, fk.Inf


def mean(values):
    if not values:
        return fk.NaN
    return fk.float_(sum(values)) / len(values)


def totals(values):
    return fk.product(values), fk.cumproduct(values)


def check_axis(flags, axis):
    if axis > 0 or not fk.alltrue(flags):
        raise fk.AxisError(f"bad axis {axis}")
    return True


def area(ys):
    return fk.trapz(ys, dx=2.0)
'''

TESTS = '''import math

import pytest

import stats


def test_floor_missing():
    out, hi = stats.floor_missing([1, None])
    assert out[0] == 1 and out[1] < -1e308 and hi > 1e308


def test_mean():
    assert stats.mean([1, 2, 3]) == 2.0
    assert math.isnan(stats.mean([]))


def test_totals():
    assert stats.totals([1, 2, 3]) == (6, [1, 2, 6])


def test_check_axis():
    assert stats.check_axis([True], 0)
    with pytest.raises(ValueError):
        stats.check_axis([True], 1)


def test_area():
    assert stats.area([0.0, 1.0, 2.0]) == 4.0
'''


def _record_line(arc: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arc},sha256={digest},{len(data)}"


def _write_wheel(dest: Path, name: str, version: str, files: dict[str, bytes],
                 meta: dict[str, bytes], tag: str = "py3-none-any") -> Path:
    """A wheel of ``files`` (archive path -> bytes) with its dist-info."""
    norm = name.replace("-", "_")
    info = f"{norm}-{version}.dist-info"
    meta = dict(meta)
    meta.setdefault("METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode())
    meta["WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: patchwright-test\nRoot-Is-Purelib: true\n"
                     f"Tag: {tag}\n").encode()  # fmt: skip
    path = dest / f"{norm}-{version}-{tag}.whl"
    rows = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, data in [*files.items(), *((f"{info}/{k}", v) for k, v in meta.items())]:
            zf.writestr(arc, data)
            rows.append(_record_line(arc, data))
        zf.writestr(f"{info}/RECORD", "\n".join([*rows, f"{info}/RECORD,,"]) + "\n")
    return path


def _fakenum_wheels(dest: Path) -> None:
    for version, init in (("1.0", V1), ("2.0", V2)):
        _write_wheel(dest, "fakenum", version, {
            "fakenum/__init__.py": init.encode(),
            "fakenum/exceptions.py": EXCEPTIONS.encode(),
        }, {})  # fmt: skip


def _closure(names: tuple[str, ...]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need here (markers evaluated, no extras)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen[name] = metadata.distribution(name)
        for text in seen[name].requires or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(req.name)
    return list(seen.values())


def _repack(dist: metadata.Distribution, dest: Path) -> None:
    """This interpreter's installed ``dist`` as a wheel again (offline: no index needed)."""
    files: dict[str, bytes] = {}
    meta: dict[str, bytes] = {}
    info_dir = ""
    for f in dist.files or []:
        arc = f.as_posix()
        if arc.startswith("..") or "__pycache__" in arc or arc.endswith((".pyc", "RECORD")):
            continue
        data = Path(dist.locate_file(f)).read_bytes()
        head, _, rest = arc.partition("/")
        if head.endswith(".dist-info"):
            info_dir = head
            if rest not in ("WHEEL", "INSTALLER", "REQUESTED", "direct_url.json"):
                meta[rest] = data
        else:
            files[arc] = data
    wheel = (Path(dist.locate_file(info_dir)) / "WHEEL").read_text() if info_dir else ""
    tags = [ln.split(":", 1)[1].strip() for ln in wheel.splitlines() if ln.startswith("Tag:")]
    _write_wheel(dest, dist.metadata["Name"], dist.version, files, meta,
                 tags[0] if tags else "py3-none-any")  # fmt: skip


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=project,
                   check=True, capture_output=True)  # fmt: skip


def _project(path: Path) -> None:
    (path / "tests").mkdir(parents=True)
    (path / "stats.py").write_text(STATS)
    (path / "tests" / "test_stats.py").write_text(TESTS)
    (path / "requirements.txt").write_text("fakenum==1.0\n")
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "commit", "-qm", "written against fakenum 1")


def _wheelhouse(path: Path) -> Path:
    path.mkdir()
    _fakenum_wheels(path)
    for dist in _closure(TOOLS):
        _repack(dist, path)
    return path


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One wheel folder and one PATCHWRIGHT_HOME (its env cache) for the module's runs."""
    root = tmp_path_factory.mktemp("fakenum")
    return _wheelhouse(root / "wheels"), root / "home"


def test_migrates_nine_apis_in_five_functions_in_one_run(tmp_path, shared):
    wheels, home = shared
    project = tmp_path / "proj"
    _project(project)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PATCHWRIGHT_HOME": str(home),
           "PIP_NO_INDEX": "1"}  # fmt: skip
    run = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", str(project), "--to",
         "fakenum==2.0", "--wheels", str(wheels), "--out", str(run)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads((run / "migration.json").read_text())
    changed = report["changed"]
    assert len(changed) >= 9, changed
    assert any("stats.py:7 fk.NINF -> -fk.inf" in c for c in changed), changed
    assert any("fk.AxisError -> fk.exceptions.AxisError" in c for c in changed), changed
    assert any("fk.trapz -> fk.trapezoid" in c for c in changed), changed
    assert all(c.split(":")[0] == "stats.py" for c in changed)  # the tests are not edited
    assert report["left"] == [] and report["sweep"]["passed"]
    assert "changed stats.py:7 fk.NINF -> -fk.inf" in proc.stderr
    mined = {m["old"]: m["new"] for m in report["sweep"]["mined"]}
    assert mined["fakenum.NINF"] == "-fakenum.inf" and len(mined) == 9
    print(f"\nmigration: {report['evaluations']} evaluations, {report['seconds']:.1f}s in all, "
          f"sweep {report['sweep']['seconds']:.1f}s ({report['sweep']['test_runs']} test runs)")
    # the patch applies to the user's tree, and the tests pass in the target environment
    assert (project / "stats.py").read_text() == STATS
    subprocess.run(["git", "apply", "-"], input=proc.stdout, text=True, cwd=project, check=True)
    assert "-fk.inf if v is None" in (project / "stats.py").read_text()
    envs = [p for p in (home / "envs").iterdir() if (p / "bin" / "python").exists()]
    assert envs
    check = subprocess.run(
        [str(envs[0] / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W",
         "error::DeprecationWarning"], cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout[-2000:]
    assert "5 passed" in check.stdout


def test_a_use_without_a_usable_hint_is_left_and_reported(tmp_path, shared):
    """A removal whose message needs judgement ("use X with a proper dtype") is no rule:
    the run says which call site is left for the model or the user, and exits 1."""
    wheels = Path(shutil.copytree(shared[0], tmp_path / "wheels"))  # a v2 that says more
    project = tmp_path / "proj"
    _project(project)
    text = STATS.replace("    return fk.float_(sum(values)) / len(values)",
                         "    return fk.float_(sum(values)) / len(values) + fk.asfloat(0)")
    (project / "stats.py").write_text(text)
    _git(project, "commit", "-qam", "asfloat")
    wheel = next(wheels.glob("fakenum-2.0-*.whl"))
    wheel.unlink()
    v2 = V2.replace('    "NINF":', '    "asfloat": "`fk.asfloat` was removed in the FakeNum 2.0 '
                    'release. Use `fk.float64` with a proper cast instead.",\n    "NINF":')
    _write_wheel(wheels, "fakenum", "2.0", {"fakenum/__init__.py": v2.encode(),
                                             "fakenum/exceptions.py": EXCEPTIONS.encode()}, {})
    run = tmp_path / "run"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PATCHWRIGHT_HOME": str(shared[1])}
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", str(project), "--to",
         "fakenum==2.0", "--wheels", str(wheels), "--out", str(run)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-4000:]
    assert proc.stdout == ""
    report = json.loads((run / "migration.json").read_text())
    assert any(x.startswith("stats.py:14 fk.asfloat: no usable replacement") for x in report["left"]), report["left"]
    assert "left stats.py:14 fk.asfloat" in proc.stderr
    assert report["sweep"]["failing"] == ["tests/test_stats.py::test_mean"]
    assert len(report["changed"]) >= 9  # NaN too: the probe finds it, no test reaches it


REPLY = """fakenum 2 has no asfloat; float64 converts.

stats.py
<<<<<<< SEARCH
    return fk.float64(sum(values)) / len(values) + fk.asfloat(0)
=======
    return fk.float64(sum(values)) / len(values) + fk.float64(0)
>>>>>>> REPLACE
"""


def test_what_the_sweep_leaves_is_searched_on_top_of_it(tmp_path, shared):
    """With a model, the use the sweep could not rewrite goes to the search: its first node
    is the whole-project codemod, and the model's edit stacks on it (a scripted model whose
    edit only applies to the swept text)."""
    wheels, home = shared
    project = tmp_path / "proj"
    _project(project)
    text = STATS.replace("    return fk.float_(sum(values)) / len(values)",
                         "    return fk.float_(sum(values)) / len(values) + fk.asfloat(0)")
    (project / "stats.py").write_text(text)
    _git(project, "commit", "-qam", "asfloat")
    script = tmp_path / "replies.json"
    script.write_text(json.dumps({"replies": [REPLY], "cycle": True}))
    run = tmp_path / "run"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PATCHWRIGHT_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", str(project), "--to",
         "fakenum==2.0", "--wheels", str(wheels), "--out", str(run),
         "--model", f"scripted:{script}", "--set", "llm.rethink=false",
         "--set", "llm.rank=false"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads((run / "migration.json").read_text())
    assert report["sweep"]["failing"] == ["tests/test_stats.py::test_mean"]
    assert "fk.float64(0)" in proc.stdout and "-fk.inf" in proc.stdout
    changed = report["changed"]
    assert any(c.startswith("stats.py:7 fk.NINF -> -fk.inf [") for c in changed), changed
    assert any("fk.asfloat(0) -> " in c and c.endswith("[search edit]") for c in changed), changed
    print(f"\nsweep + search: {report['evaluations']} evaluations, {report['seconds']:.1f}s")


def test_mined_rules_file_and_messages_together(tmp_path, shared):
    """``migrate mine`` between the two wheels (offline) states the removed names' rules,
    the expression one included (from v2's own AttributeError text); ``migrate --rules``
    applies them, and the tests' messages add the two deprecations only a call reveals."""
    wheels, home = shared
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PATCHWRIGHT_HOME": str(home)}
    rules = tmp_path / "fakenum-rules.json"
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", "mine", "fakenum", "1.0", "2.0",
         "--wheels", str(wheels), "--out", str(rules)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = {r["old"]: (r["kind"], r["new"]) for r in json.loads(rules.read_text())["rules"]}
    assert table["fakenum.NINF"] == ("replaced", "-fakenum.inf")
    assert table["fakenum.Inf"] == ("renamed", "fakenum.inf")
    assert table["fakenum.product"] == ("renamed", "fakenum.prod")
    assert table["fakenum.alltrue"] == ("renamed", "fakenum.all_of")
    project = tmp_path / "proj"
    _project(project)
    run = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "patchwright.cli", "migrate", str(project), "--to",
         "fakenum==2.0", "--wheels", str(wheels), "--rules", str(rules), "--out", str(run)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    changed = json.loads((run / "migration.json").read_text())["changed"]
    assert "stats.py:7 fk.NINF -> -fk.inf [fakenum.NINF -> -fakenum.inf (from: rules file)]" in (
        changed
    ), changed
    assert any("fk.trapz -> fk.trapezoid" in c and "target's messages" in c for c in changed)
