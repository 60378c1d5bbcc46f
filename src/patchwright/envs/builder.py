"""The one environment builder: :meth:`EnvBuilder.ensure` gives a ready venv for an
:class:`~patchwright.envs.spec.EnvSpec`, built once per (interpreter, requirements) and
shared by migrate, the rules miner and the benchmarks (see :mod:`patchwright.envs.cache`
for the folder, the lock and the cleanup of half-built environments).

A failed build leaves a marker with pip's error tail; a later call of the same run
(``run_id``) raises that error again without retrying, a new run tries again.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.envs.cache import READY, EnvCache
from patchwright.envs.install import CONFLICT_MARKERS, first_error, run, tail
from patchwright.envs.interpreters import clean_env, resolve_interpreter
from patchwright.envs.relink import relink_scripts
from patchwright.envs.spec import ENV_FORMAT, Env, EnvError, EnvSpec

PIP_TIMEOUT = 1200.0
VENV_TIMEOUT = 300.0


@dataclass
class EnvBuilder:
    """Builds into (and reuses from) the cache folder ``cache_dir``."""

    cache_dir: Path
    pythons: Mapping[str, str] = field(default_factory=dict)
    """Explicit interpreters by "X.Y" (config ``sandbox.pythons``, ``--python X.Y=PATH``)."""
    run_id: str | None = None
    """Names this run for the failure markers (None: failures are always retried)."""
    pip_timeout: float = PIP_TIMEOUT
    log: Callable[[str], None] | None = None

    @property
    def cache(self) -> EnvCache:
        return EnvCache(Path(self.cache_dir))

    def ensure(self, spec: EnvSpec) -> Env:
        """A ready venv for ``spec``: reused when built, else built under the key's lock.
        EnvError (one line) when there is no such interpreter or the build fails."""
        base, full = resolve_interpreter(spec.python, self.pythons)
        key = spec.key(full)
        cache = self.cache
        if cache.is_ready(key):
            return self._env(cache, key, full, spec)
        self._raise_recorded(cache, key)
        with cache.lock(key) as lock:
            if cache.is_ready(key):  # built by another process meanwhile
                return self._env(cache, key, full, spec, wait=lock.waited)
            self._raise_recorded(cache, key)
            cache.discard_partial(key)
            cache.sweep()
            if self.log:
                self.log(f"building environment {key}: Python {full}, "
                         f"{' '.join(spec.requirements + spec.pins)}")  # fmt: skip
            started = time.monotonic()
            try:
                info = self._build(cache, key, base, spec, lock.fd)
            except EnvError as exc:
                cache.record_failure(key, {
                    "run_id": self.run_id,
                    "python": full,
                    "requirements": list(spec.requirements),
                    "pins": list(spec.pins),
                    "pip_args": list(spec.pip_args),
                    "message": exc.args[0],
                    "output_tail": exc.args[1] if len(exc.args) > 1 else "",
                })  # fmt: skip
                raise EnvError(exc.args[0]) from None
            cache.clear_failure(key)
            seconds = time.monotonic() - started
            return self._env(cache, key, full, spec, seconds, lock.waited, info)

    def _raise_recorded(self, cache: EnvCache, key: str) -> None:
        recorded = cache.failure(key, self.run_id)
        if recorded is not None:
            raise EnvError(recorded.splitlines()[0])

    @staticmethod
    def _env(
        cache: EnvCache, key: str, full: str, spec: EnvSpec, seconds: float = 0.0,
        wait: float = 0.0, info: dict[str, object] | None = None,
    ) -> Env:  # fmt: skip
        path = cache.path(key)
        return Env(cache.python(path), key, path, full, spec.requirements + spec.pins,
                   seconds, wait, info or {})  # fmt: skip

    def _build(
        self, cache: EnvCache, key: str, base: Path, spec: EnvSpec, lock_fd: int
    ) -> dict[str, object]:
        """Build in a temporary folder; write the ready marker last, then rename."""
        tmp = cache.temp_dir(key)
        env = clean_env()
        fds = (lock_fd,)
        try:
            code, out = run([str(base), "-m", "venv", str(tmp)], VENV_TIMEOUT, env, fds)
            if code != 0:
                raise EnvError(f"venv creation failed: {first_error(out)}", tail(out))
            python = str(cache.python(tmp))
            pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
                   "--quiet", *spec.pip_args]  # fmt: skip
            reqs, pins, timeout = spec.requirements, spec.pins, self.pip_timeout
            started = time.monotonic()
            code, out = run([*pip, *reqs, *pins], timeout, env, fds)
            split = False
            if code != 0 and pins and any(m in out for m in CONFLICT_MARKERS):
                split = True
                code, out = run([*pip, *reqs], timeout, env, fds)
                if code == 0:
                    code, out = run([*pip, *pins], timeout, env, fds)
            if code is None:
                raise EnvError(f"pip install timed out after {timeout:g}s", tail(out))
            if code != 0:
                raise EnvError(f"pip install failed: {first_error(out)}", tail(out))
            pip_seconds = time.monotonic() - started
            _, frozen = run([python, "-m", "pip", "freeze", "--all"], 120, env, fds)
            info: dict[str, object] = {
                "version": ENV_FORMAT,
                "key": key,
                "base_python": str(base),
                "requirements": list(reqs),
                "pins": list(pins),
                "pip_args": list(spec.pip_args),
                "pins_installed_separately": split,
                "pip_seconds": round(pip_seconds, 1),
                "freeze": frozen.split(),
            }
            (tmp / READY).write_text(json.dumps(info, indent=2), encoding="utf-8")
            cache.publish(tmp, key)
            relink_scripts(cache.python(cache.path(key)).parent)  # their #! named tmp
            return info
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
