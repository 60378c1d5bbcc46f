"""``patchwright migrate mine LIB OLD NEW``: install both versions in isolated environments,
dump their public APIs (in those environments, never in this process), diff them, write rules."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from patchwright import __version__
from patchwright.envs import EnvBuilder, EnvError, EnvSpec
from patchwright.propose.migrate.apidiff import diff_apis, probe_names
from patchwright.propose.migrate.rules import RulesFile, refine_rules

INTROSPECT = Path(__file__).with_name("introspect.py")


def dump_api(
    python: Path,
    module: str,
    probe: dict[str, list[str]] | None = None,
    timeout: float = 900.0,
    *,
    docs: bool = False,
) -> dict[str, Any]:
    """The public API of ``module`` as seen by interpreter ``python`` (with docstring
    summaries and class methods when ``docs``)."""
    with tempfile.TemporaryDirectory(prefix="patchwright-mine-") as tmp:
        cmd = [str(python), str(INTROSPECT), *(["--docs"] if docs else []), module]
        if probe:
            probe_file = Path(tmp) / "probe.json"
            probe_file.write_text(json.dumps(probe), encoding="utf-8")
            cmd.append(str(probe_file))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise EnvError(f"API introspection of {module} timed out") from None
    try:
        data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise EnvError(f"API introspection of {module} failed: {tail[0][:300]}") from None
    if "error" in data:
        raise EnvError(f"cannot import {module}: {data['error'][:300]}")
    return data


def mine_dumps(
    old_python: Path, new_python: Path, module: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    old = dump_api(old_python, module)
    new = dump_api(new_python, module)
    probe = probe_names(old, new)
    if probe:
        new = dump_api(new_python, module, probe)
    return old, new


def mine(
    library: str,
    old_version: str,
    new_version: str,
    *,
    module: str | None = None,
    old_extra: Sequence[str] = (),
    new_extra: Sequence[str] = (),
    pip_args: Sequence[str] = (),
    env_cache: Path,
    log: Callable[[str], None] | None = None,
) -> RulesFile:
    """Rules for moving code from ``library==old_version`` to ``library==new_version``;
    both environments are built in (or reused from) the cache folder ``env_cache``."""
    module = module or library.replace("-", "_")
    builder = EnvBuilder(env_cache, log=log)
    old_env = builder.ensure(EnvSpec(requirements=(f"{library}=={old_version}", *old_extra),
                                     pip_args=tuple(pip_args)))  # fmt: skip
    new_env = builder.ensure(EnvSpec(requirements=(f"{library}=={new_version}", *new_extra),
                                     pip_args=tuple(pip_args)))  # fmt: skip
    old_py, new_py = old_env.python, new_env.python
    if log:
        log(f"introspecting {module} {old_version} and {new_version}")
    old, new = mine_dumps(old_py, new_py, module)
    rules = diff_apis(old, new)
    if log:
        kinds: dict[str, int] = {}
        for r in rules:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        log(f"{len(rules)} rules: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return refine_rules(RulesFile.model_validate(
        {
            "library": module,
            "from": old_env.installed_version(library) or old_version,
            "to": new_env.installed_version(library) or new_version,
            "generated_by": f"patchwright {__version__} migrate mine {library} "
            f"{old_version} {new_version}",
            "rules": [r.model_dump() for r in rules],
        }
    ))
