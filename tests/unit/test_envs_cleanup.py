"""The environment cache under real processes: a build killed midway never leaves an
environment that looks ready and is cleaned up by the next build; one lock per key is
shared by every caller (a migrate-style spec, "this interpreter", and a GitChameleon-style
spec, "X.Y", that name the same interpreter get one build, not two)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from patchwright.envs import EnvBuilder, EnvCache, EnvSpec
from patchwright.envs.cache import READY

MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"
# "pip" is already in every new venv: the install is real but needs no package index.
REQS = ("pip",)

WORKER = """
import json, sys
from pathlib import Path
from patchwright.envs import EnvBuilder, EnvSpec
cache, python, pythons = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
env = EnvBuilder(Path(cache), pythons=pythons).ensure(EnvSpec(python, tuple(sys.argv[4:])))
print(json.dumps({"key": env.key, "built": env.build_seconds, "waited": env.wait_seconds}))
"""


def _worker(cache: Path, python: str = "", reqs=REQS) -> subprocess.Popen:
    pythons = json.dumps({MINOR: sys.executable})
    return subprocess.Popen([sys.executable, "-c", WORKER, str(cache), python, pythons, *reqs],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _temp_dirs(cache: Path) -> list[Path]:
    return [p for p in cache.iterdir() if p.is_dir() and p.name.startswith(".")]


def _kill_midway(cache: Path, reqs=REQS) -> Path:
    """Start a build in another process and SIGKILL it once its temporary folder exists;
    returns that folder."""
    proc = _worker(cache, "", reqs)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if cache.exists() and _temp_dirs(cache):
            break
        time.sleep(0.02)
    assert proc.poll() is None, f"the build ended before it could be killed: {proc.stderr.read()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (tmp,) = _temp_dirs(cache)
    return tmp


def _key(reqs=REQS) -> str:
    return EnvSpec("", reqs).key(".".join(map(str, sys.version_info[:3])))


def test_a_build_killed_midway_never_looks_ready_and_is_cleaned_up(tmp_path):
    cache = tmp_path / "envs"
    leftover = _kill_midway(cache)
    key = _key()
    assert leftover.name.startswith(f".{key}-")
    assert not EnvCache(cache).is_ready(key) and not (cache / key).exists()
    # the killed build's child (venv) still holds the key's lock: this call waits for it,
    # removes what it left and builds
    env = EnvBuilder(cache).ensure(EnvSpec("", REQS))
    assert env.key == key and env.build_seconds > 0 and env.wait_seconds > 0
    assert (env.path / READY).is_file() and env.python.exists()
    assert not leftover.exists() and _temp_dirs(cache) == []


def test_an_env_without_its_ready_marker_is_rebuilt(tmp_path):
    cache = tmp_path / "envs"
    env = EnvBuilder(cache).ensure(EnvSpec("", REQS))
    (env.path / READY).unlink()  # as a crash between install and marker would leave it
    assert not EnvCache(cache).is_ready(env.key)
    again = EnvBuilder(cache).ensure(EnvSpec("", REQS))
    assert again.key == env.key and again.build_seconds > 0
    assert json.loads((again.path / READY).read_text())["key"] == env.key


def test_half_built_folders_of_other_keys_are_swept(tmp_path):
    cache = tmp_path / "envs"
    other = ("pip", "setuptools")  # another key; killed before pip runs
    leftover = _kill_midway(cache, other)
    with EnvCache(cache).lock(_key(other)):  # wait for the killed build's children to end
        pass
    env = EnvBuilder(cache).ensure(EnvSpec("", REQS))
    assert env.build_seconds > 0 and not leftover.exists()
    assert not EnvCache(cache).is_ready(_key(other))
    assert [p.name for p in cache.iterdir() if p.is_dir()] == [env.key]


def test_one_lock_for_every_caller(tmp_path):
    cache = tmp_path / "envs"
    procs = [_worker(cache, ""), _worker(cache, MINOR)]  # two processes at once
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert results[0]["key"] == results[1]["key"]
    built = [r for r in results if r["built"] > 0]
    assert len(built) == 1, results
    (waiter,) = [r for r in results if r["built"] == 0]
    assert waiter["waited"] > 0
    assert [p.name for p in cache.iterdir() if p.is_dir()] == [results[0]["key"]]
    assert sorted(p.name for p in cache.iterdir() if not p.is_dir()) == [f"{results[0]['key']}.lock"]
