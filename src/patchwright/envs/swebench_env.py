"""SWE-bench environments without images: per (repo, version) one venv from the one
environment builder (the specs' Python, ``packages`` and ``pip_packages``), and per instance
the specs' ``pre_install``/``install``/``eval_commands`` run in the instance's workspace with
that venv first on PATH (the harness's ``conda activate testbed``).

Where the harness reads ``requirements.txt`` from GitHub at the environment commit, this
reads it from the instance's own tree (the clone at the base commit: no network). Conda
``environment.yml`` specs are not supported (EnvError); ``apt-get`` lines are not run and
are reported (the repository needs those system packages)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from patchwright.envs import swebench_specs as official
from patchwright.envs.builder import EnvBuilder
from patchwright.envs.install import run, tail
from patchwright.envs.interpreters import clean_env
from patchwright.envs.relink import relink_scripts as relink_bin
from patchwright.envs.spec import Env, EnvError, EnvSpec
from patchwright.sandbox.isolation import Isolation, bwrap_path, probe

INSTALL_TIMEOUT = 1200.0
_SKIP = ("-e .", "#", ".[test")  # the harness's excluded requirement lines
_CONDA_PIN = re.compile(r"^([A-Za-z0-9_.-]+)=([^=<>!~].*)$")


def _requirement_lines(tree: Path, rel: str, seen: set[str]) -> list[str]:
    path = tree / rel
    if rel in seen or not path.is_file():
        return []
    seen.add(rel)
    out: list[str] = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if line.startswith("-r"):
            inner = (Path(rel).parent / line[2:].strip()).as_posix()
            out += _requirement_lines(tree, inner, seen)
        elif line and not any(line.startswith(x) for x in _SKIP):
            out.append(line)
    return out


def requirements_from_tree(repo: str, tree: Path) -> list[str]:
    """The requirement specifiers of the repository's requirements file (first of the
    harness's paths that exists), ``-r`` followed, cleaned as the harness cleans them;
    options, local paths and URLs (``git+https://...``: no network here but the package
    index) left out."""
    for rel in official.requirement_paths(repo):
        if (tree / rel).is_file():
            text = official.clean_requirements("\n".join(_requirement_lines(tree, rel, set())))
            reqs = [line.split(" #")[0].strip() for line in text.splitlines()]
            return [r for r in reqs if r and not r.startswith(("-", ".", "/")) and "://" not in r]
    raise EnvError(f"{repo}: no requirements file at {', '.join(official.requirement_paths(repo))}")


def _packages(repo: str, spec: Mapping[str, Any], tree: Path) -> list[str]:
    packages = spec.get("packages") or ""
    if packages == "requirements.txt":
        return requirements_from_tree(repo, tree)
    if packages == "environment.yml":
        raise EnvError(f"{repo}: conda environment.yml specs are not supported")
    out = []
    for name in str(packages).split():
        m = _CONDA_PIN.match(name)
        out.append(f"{m.group(1)}=={m.group(2)}" if m else name)
    return out


def env_spec(repo: str, spec: Mapping[str, Any], tree: Path) -> EnvSpec:
    return EnvSpec(str(spec.get("python", "")), tuple(_packages(repo, spec, tree)),
                   tuple(spec.get("pip_packages") or ()))  # fmt: skip


def build(builder: EnvBuilder, repo: str, spec: Mapping[str, Any], tree: Path) -> Env:
    """The (repo, version) venv, built once and cached; EnvError (one line) otherwise."""
    env = builder.ensure(env_spec(repo, spec, tree))
    relink_scripts(env)
    return env


def relink_scripts(env: Env) -> int:
    """Point the console scripts of the venv (``bin/pytest``, ``bin/tox``) at its own
    interpreter (the specs' test commands run them by name). The builder does this when it
    publishes a venv; this mends venvs cached before it did. Returns how many were fixed."""
    return relink_bin(Path(env.python).parent)


def activated(env: Env, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A process environment with the venv active (its bin first on PATH)."""
    bin_dir = str(Path(env.python).parent)
    base = clean_env(dict(extra or {}))
    base["PATH"] = bin_dir + os.pathsep + base.get("PATH", "")
    base["VIRTUAL_ENV"] = str(env.path)
    return base


@contextlib.contextmanager
def using(env: Env, lock_dir: Path) -> Iterator[None]:
    """Hold the venv for one instance: the install step writes the instance's project into
    the shared venv, so two instances of one (repo, version) take turns (the lock file is
    ``lock_dir/.swebench-KEY.lock``)."""
    Path(lock_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(lock_dir) / f".swebench-{env.key}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_TOX_ENV = re.compile(r"\btox\b.*--current-env.*?-e\s*(\w+)")


def tox_current_env(command: str, workspace: Path, env: Env) -> list[str]:
    """``tox --current-env -eNAME`` makes ``.tox/NAME/bin/python`` a symlink to its own
    interpreter; a venv's interpreter reached through a second symlink is no venv any more
    (the specs were written for conda, where it is a real prefix), so the tests ran without
    pytest. A small script that execs the venv's python is put there first (tox leaves an
    existing file alone). Returns the files written."""
    m = _TOX_ENV.search(command)
    if not m:
        return []
    bin_dir = workspace / ".tox" / m.group(1) / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    minor = ".".join(env.python_version.split(".")[:2]) if env.python_version else ""
    written = []
    for name in ("python", "python3", *([f"python{minor}"] if minor else [])):
        path = bin_dir / name
        path.write_text(f'#!/bin/sh\nexec {shlex.quote(str(env.python))} "$@"\n', encoding="utf-8")
        path.chmod(0o755)
        written.append(str(path))
    return written


def shell(
    command: str, cwd: Path, env: Mapping[str, str], timeout: float,
    confine: Isolation | None = None,
) -> tuple[int | None, str]:  # fmt: skip
    """``bash -c command`` in ``cwd`` (exit code or None on timeout, combined output);
    inside ``confine``'s namespaces when given (network off, only the workspace writable)."""
    script = f"cd {shlex.quote(str(cwd))} && {command}"
    argv, penv = ["bash", "-c", script], dict(env)
    if confine is not None:
        argv, penv = confine.wrap(argv, str(cwd)), confine.env(penv)
    return run(argv, timeout, penv)


def confinement(env: Env, workspace: Path, private: Path, hide: Sequence[Path] = ()) -> Isolation | str:
    """The namespaces a graded test command runs in (as the repair's own sandbox: the
    system read-only, network off, a private /tmp and home, only ``workspace`` and
    ``private`` writable, ``hide`` covered), or why there are none here (one line)."""
    bwrap = bwrap_path()
    why = probe(bwrap)
    if why or bwrap is None:
        return why or "bubblewrap (bwrap) is not installed"
    private.mkdir(parents=True, exist_ok=True)
    return Isolation(bwrap, workspace=str(workspace), private=str(private), python=env.python,
                     hide=[str(h) for h in hide])  # fmt: skip


def scm_version(version: str) -> dict[str, str]:
    """The workspace is one commit without the clone's tags: setuptools_scm (pytest, ...)
    gets the instance's version (``X.Y.0``) instead of the ``0.1.dev1`` it would guess."""
    return {"SETUPTOOLS_SCM_PRETEND_VERSION": f"{version}.0" if version.count(".") == 1 else version}


def install_instance(env: Env, spec: Mapping[str, Any], workspace: Path,
                     version: str = "") -> dict[str, Any]:  # fmt: skip
    """Run the specs' pre_install (no apt), install and nothing else; EnvError when one
    fails. Returns what ran and the system packages the specs ask for."""
    pre, system = official.split_pre_install(list(spec.get("pre_install") or ()))
    penv = activated(env, scm_version(version) if version else None)
    ran = []
    for cmd in [*pre, *([spec["install"]] if spec.get("install") else [])]:
        code, out = shell(cmd, workspace, penv, INSTALL_TIMEOUT)
        ran.append(cmd)
        if code != 0:
            why = "timed out" if code is None else f"exit {code}"
            raise EnvError(f"install step failed ({why}): {cmd[:80]}: "
                           f"{(tail(out).strip().splitlines() or [''])[-1][:160]}")  # fmt: skip
    return {"ran": ran, "system_packages": system}
