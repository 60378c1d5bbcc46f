"""One environment builder (venvs today) for migrate, the rules miner and the benchmarks:
``EnvBuilder(cache_dir).ensure(EnvSpec(python, requirements))`` -> :class:`Env`."""

from patchwright.envs.builder import PIP_TIMEOUT, EnvBuilder
from patchwright.envs.cache import EnvCache
from patchwright.envs.interpreters import clean_env, find_python, parse_python_map
from patchwright.envs.spec import Env, EnvError, EnvSpec

__all__ = [
    "PIP_TIMEOUT",
    "Env",
    "EnvBuilder",
    "EnvCache",
    "EnvError",
    "EnvSpec",
    "clean_env",
    "find_python",
    "parse_python_map",
]
