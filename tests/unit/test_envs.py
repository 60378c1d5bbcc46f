"""The environment builder (was test_pyenvs.py): interpreter discovery on a fake pyenv tree
(symlinks to the real interpreter) and the venv cache: keys, reuse, one build under
concurrency, failure markers per run."""

import json
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from patchwright.envs import EnvBuilder, EnvError, EnvSpec, find_python, parse_python_map
from patchwright.envs.cache import FAILED_SUFFIX, READY
from patchwright.envs.install import first_error

MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"
REAL = Path(sys.executable).resolve()


def ensure_env(version, requirements, cache, *, pins=(), **options):
    return EnvBuilder(cache, **options).ensure(EnvSpec(version, tuple(requirements), tuple(pins)))


def env_key(python_version, requirements, pins=()):
    return EnvSpec("", tuple(requirements), tuple(pins)).key(python_version)


def _link(path: Path, target: Path = REAL) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """No pyenv on PATH, no ~/.pyenv: only what a test lays out is found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    return empty


def test_highest_patch_release_under_pyenv_root(tmp_path, bare, monkeypatch):
    root = tmp_path / "pyenv"
    for patch in ("1", "12", "3"):
        _link(root / "versions" / f"{MINOR}.{patch}" / "bin" / "python")
    _link(root / "versions" / f"{MINOR}.99" / "bin" / "python", tmp_path / "missing")  # broken
    _link(root / "versions" / f"{MINOR}-dev" / "bin" / "python")  # not X.Y.Z
    _link(root / "versions" / "2.7.18" / "bin" / "python")  # another minor
    monkeypatch.setenv("PYENV_ROOT", str(root))
    assert find_python(MINOR) == root / "versions" / f"{MINOR}.12" / "bin" / "python"


def test_home_pyenv_then_path(tmp_path, bare):
    home_python = _link(tmp_path / "home" / ".pyenv" / "versions" / f"{MINOR}.0" / "bin" / "python")
    assert find_python(MINOR) == home_python
    home_python.unlink()
    on_path = _link(bare / f"python{MINOR}")
    assert find_python(MINOR) == on_path


def test_a_wrong_version_is_not_taken(tmp_path, bare, monkeypatch):
    root = tmp_path / "pyenv"
    _link(root / "versions" / "3.4.1" / "bin" / "python")  # really another version
    _link(bare / "python3.4")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    with pytest.raises(EnvError) as err:
        find_python("3.4")
    message = str(err.value)
    assert f"{root}/versions/3.4.*" in message and "python3.4 on PATH" in message
    assert "--python 3.4=" in message and "\n" not in message


def test_explicit_mapping_comes_first(tmp_path, bare, monkeypatch):
    root = tmp_path / "pyenv"
    _link(root / "versions" / f"{MINOR}.5" / "bin" / "python")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    mine = _link(tmp_path / "elsewhere" / "py")
    assert find_python(MINOR, {MINOR: str(mine)}) == mine
    with pytest.raises(EnvError, match=f"given for Python {MINOR} is not one"):
        find_python(MINOR, {MINOR: "/bin/true"})


def test_parse_python_map():
    assert parse_python_map(["3.10=/x/python", " 3.7 = /y "]) == {"3.10": "/x/python", "3.7": "/y"}
    for bad in ("3.10", "3=/x", "3.10=", "py3.10=/x"):
        with pytest.raises(EnvError, match=r"--python takes X\.Y=PATH"):
            parse_python_map([bad])


def test_env_key_ignores_order_but_not_versions():
    a = env_key("3.10.13", ["b==1", "a==2"], ["pytest==7"])
    assert a == env_key("3.10.13", ["a==2", " b==1 "], ["pytest==7"])
    assert a.startswith("py3.10-")
    assert a != env_key("3.10.12", ["a==2", "b==1"], ["pytest==7"])
    assert a != env_key("3.10.13", ["a==2", "b==1"], [])


def test_built_once_under_concurrency_then_reused(tmp_path):
    cache = tmp_path / "envs"
    pythons = {MINOR: sys.executable}
    # "pip" is already in every new venv: the install is real but needs no index.
    with ThreadPoolExecutor(2) as pool:
        envs = list(pool.map(lambda _: ensure_env(MINOR, ["pip"], cache, pythons=pythons),
                             range(2)))
    assert envs[0].key == envs[1].key
    assert sorted(e.build_seconds > 0 for e in envs) == [False, True]
    env = envs[0]
    assert env.python == cache / env.key / "bin" / "python" and env.python.exists()
    assert env.python_version == platform.python_version()
    info = json.loads((cache / env.key / READY).read_text())
    assert info["requirements"] == ["pip"] and any(x.startswith("pip==") for x in info["freeze"])
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == [env.key]  # no temp dirs
    again = ensure_env(MINOR, ["pip"], cache, pythons=pythons)
    assert again.key == env.key and again.build_seconds == 0
    # built in a temporary folder and moved: its console scripts still run (their #!)
    shebang = (env.python.parent / "pip").read_text().splitlines()[0]
    assert shebang == f"#!{env.python.parent / 'python'}", shebang


def test_failed_build_is_not_retried_within_a_run(tmp_path):
    cache = tmp_path / "envs"
    pythons = {MINOR: sys.executable}
    bad = [str(tmp_path / "no-such-project")]  # pip fails at once, without an index
    with pytest.raises(EnvError, match="pip install failed") as first:
        ensure_env(MINOR, bad, cache, pythons=pythons, run_id="run-1")
    markers = list(cache.glob(f"*{FAILED_SUFFIX}"))
    assert len(markers) == 1
    record = json.loads(markers[0].read_text())
    assert record["run_id"] == "run-1" and record["output_tail"]
    assert not [p for p in cache.iterdir() if p.is_dir()]  # the temp build is gone
    stamp = markers[0].stat().st_mtime_ns
    started = time.monotonic()
    with pytest.raises(EnvError) as second:
        ensure_env(MINOR, bad, cache, pythons=pythons, run_id="run-1")
    assert str(second.value) == str(first.value)
    assert time.monotonic() - started < 5 and markers[0].stat().st_mtime_ns == stamp
    with pytest.raises(EnvError):  # a new run tries again
        ensure_env(MINOR, bad, cache, pythons=pythons, run_id="run-2")
    assert json.loads(markers[0].read_text())["run_id"] == "run-2"


def test_pip_error_line_names_the_cause():
    _first_error = first_error
    build = (
        "      gcc -c x.cpp\n"
        "      error: Failed to download any of the following: ['https://x/freetype.tar.gz']\n"
        "      [end of output]\n"
        "  note: This error originates from a subprocess, and is likely not a problem with pip.\n"
        "error: legacy-install-failure\n"
        "\u00d7 Encountered error while trying to install package.\n"
        "\u2570\u2500> matplotlib\n"
        "hint: See above for output from the failure.\n"
    )
    assert _first_error(build) == (
        "building matplotlib: error: Failed to download any of the following: "
        "['https://x/freetype.tar.gz']"
    )
    missing = (
        "ERROR: Could not find a version that satisfies the requirement flask==99.0.0\n"
        "ERROR: No matching distribution found for flask==99.0.0\n"
    )
    assert _first_error(missing).startswith("ERROR: Could not find a version")
    assert _first_error("") == "no output"
