"""Run configuration: pydantic models, YAML files and dotted ``key=value`` overrides."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from patchwright.core.errors import ConfigError

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A time limit: positive and finite."""
Positive = Annotated[int, Field(gt=0)]
Count = Annotated[int, Field(ge=0)]
Finite = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A weight or budget: non-negative and finite."""


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SandboxConfig(_Config):
    kind: Literal["local", "docker"] = "local"
    python: str = ""
    """Interpreter that runs the tests (``--python``). Default: the project's environment
    (``venv``, else found: ``.venv``, ``venv``, ``$VIRTUAL_ENV``, Poetry, uv, Hatch; see
    envs/project.py), else the one running Patchwright."""
    venv: str = ""
    """A virtual environment folder whose interpreter runs the tests (``--venv``)."""
    build_env: Literal["auto", "never"] = "auto"
    """No environment given or found: "auto" builds one (cached under the home's
    ``envs/``) from the project's ``requirements*.txt`` / ``pyproject.toml`` when the
    interpreter running Patchwright does not meet them; "never" runs with that one."""
    pythons: dict[str, str] = Field(default_factory=dict)
    """Interpreters by minor version ("3.10": path) for benchmarks whose problems each
    name one (GitChameleon); a version not listed is looked up under pyenv, then on PATH."""
    per_test_timeout: Seconds = 10.0
    """Upper bound for one test; candidate runs use a tighter bound learned at reproduce."""
    min_test_timeout: Seconds = 1.0
    wall_timeout: Seconds = 600.0
    memory_mb: Positive = 2048
    max_processes: Positive = 256
    plugins: Literal["auto", "all", "none"] = "auto"
    """Installed pytest plugins: "all" loads them (pytest's default), "none" skips them
    (much faster where heavy plugins are installed), "auto" checks at reproduce that the
    tests it runs there give the same results without them and then skips them for the
    candidates (validate runs the full suite with them). The pytest runner's options; also
    ``runners.pytest.plugins``."""
    pytest_args: list[str] = Field(default_factory=list)
    fork_server: bool = True
    """Run candidates' tests in children forked from a warm pytest process (3-4x faster);
    coverage runs always use a fresh process."""
    isolation: Literal["auto", "bwrap", "none"] = "auto"
    """local: run tests in Linux namespaces through bubblewrap ("auto": when the machine
    can make them, else without, with a one-line warning; "bwrap": always, or refuse;
    "none": off)."""
    require_isolation: bool = False
    """Refuse to run tests without namespace isolation (``--require-isolation``)."""
    network: bool = False
    """Isolated tests get the network (default: none, only their own loopback)."""
    pass_env: list[str] = Field(default_factory=list)
    """Variables passed to tests beyond the allow-list (PATH, LANG, LC_*, TZ, ...)."""
    redact_env: list[str] = Field(default_factory=list)
    """Variables whose values are secrets: cut from every output and file a test run hands
    back (so from every file Patchwright writes), beside those whose names look secret
    (``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ...)."""


class SearchConfig(_Config):
    strategy: str = "mcts"
    proposers: list[str] = Field(default_factory=lambda: ["mutations"])
    max_evals: Count = 250
    max_seconds: Seconds = 900.0
    max_candidates: Count = 400
    exploration: Finite = 0.5
    """UCT exploration constant (mcts)."""
    prior_weight: Finite = 1.0
    depth_discount: Finite = 0.5
    children_per_expansion: Positive = 3
    max_depth: Positive = 3
    stop_after: Positive = 1
    """Stop after this many plausible patches; the one with fewest changed lines wins."""
    samples: int = 60
    """sample_vote: candidates sampled from the base."""
    seed: int = 0


TieBreak = Literal["traceback", "test_name", "lexical", "later"]
TIE_BREAKS: tuple[TieBreak, ...] = ("traceback", "test_name", "later")


class LocalizeConfig(_Config):
    method: str = "sbfl"
    """The localizer (core.registry "localizer")."""
    formula: Literal["ochiai", "tarantula", "dstar"] = "ochiai"
    top: int = 40
    traceback: bool = True
    """The project frames of a failing test's traceback join that test's spectrum (lines
    coverage missed; all of it when coverage has nothing)."""
    tiebreak: list[TieBreak] = Field(default_factory=lambda: list(TIE_BREAKS))
    """Keys that order lines of equal score, in turn: shown by failing tracebacks (nearer
    the raise first), in a function a failing test is named after, later lines."""


class ModelConfig(_Config):
    name: str = ""
    """"" or "none": no model; "scripted:FILE" (JSON list of replies); "replay:TRAJECTORY";
    "local" or "local:NAME" (embedded llama.cpp server); anything else: a model name at an
    OpenAI-compatible endpoint. Empty falls back to $PATCHWRIGHT_MODEL."""
    base_url: str = ""
    """Endpoint (default: $OPENAI_BASE_URL, else OpenAI). With "local": use this running
    server instead of starting one."""
    api_key: str = Field(default="", exclude=True, repr=False)
    """Default: $OPENAI_API_KEY. Never written to run files (excluded from dumps)."""
    timeout: float = 120.0
    """Seconds per HTTP attempt."""
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    """Longest Retry-After honored; longer wishes are cut to this."""
    cache: bool = True
    """On-disk response cache (OpenAI-compatible and local models)."""
    cache_dir: str = ""
    """Default: $PATCHWRIGHT_HOME/cache/model."""
    prices_file: str = ""
    """Price table (default: the bundled prices.json)."""
    replay_strictness: Literal["strict", "messages", "last", "off"] = "strict"
    local_model: str = "qwen2.5-coder-0.5b"
    local_threads: int = 0
    """llama.cpp threads (0: all cores)."""
    local_ctx: int = 4096
    local_timeout: float = 600.0
    """Seconds per HTTP attempt against the local server (CPU generation is slow)."""
    local_startup_timeout: float = 180.0
    local_fetch: bool = False
    """Fetch the local model when it is missing instead of failing."""


class BudgetConfig(_Config):
    """Model budgets, checked before every call against its worst case (None: no cap)."""

    max_dollars: Finite | None = None
    max_tokens: Count | None = None
    max_calls: Count | None = None
    max_seconds: Finite | None = None
    batch_max_dollars: Finite | None = None
    batch_max_tokens: Count | None = None
    batch_max_calls: Count | None = None
    batch_max_seconds: Finite | None = None


class LlmConfig(_Config):
    """How the LLM tools use the model (when one is set)."""

    samples: int = 1
    """Candidates asked for per expansion."""
    max_tokens: int = 1024
    temperature: float = 0.0
    edit_format: Literal["auto", "search_replace", "whole_function"] = "auto"
    rethink: bool = True
    """Rewrite a node's thought from failing test output with the model (else rules)."""
    rank: bool = True
    """Re-rank SBFL locations (and BM25 hits for an issue text) with the model."""
    time_share: float = Field(default=1.0, gt=0.0, le=1.0)
    """Most of the search's time the model's proposers may take: past it, an expansion
    asks the other proposers only (unless they have nothing). 1: no bound; a slow local
    model beside the templates wants 0.5 or less."""


class ReproduceConfig(_Config):
    related_tests: Count = 50
    """Passing tests run with coverage at reproduce beside the failing ones: the failing
    tests' modules first, then a fixed sample of the rest (the whole suite when it is this
    small). Candidates are checked against these; validate runs the full suite."""


class RunConfig(_Config):
    version: int = 1
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    search: SearchConfig = Field(default_factory=SearchConfig)
    localize: LocalizeConfig = Field(default_factory=LocalizeConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    runner: str = "auto"
    """Test runner (core.registry "runner"): pytest, unittest, or auto (pytest unless the
    project is plainly a unittest suite)."""
    runners: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Options of each test runner by name, checked by the runner's own Config model
    (e.g. ``--set runners.unittest.start_dir=tests``). For pytest, ``sandbox.plugins``,
    ``sandbox.pytest_args`` and ``sandbox.fork_server`` still work where
    ``runners.pytest`` does not set the same key."""
    reproduce: ReproduceConfig = Field(default_factory=lambda: ReproduceConfig())
    proposers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Options of each proposer by name, checked by the proposer's own Config model
    (e.g. ``--set proposers.mutations.max_lines=20``)."""
    validate_full: bool = True
    """Re-run the whole suite on the found patch before reporting it."""
    allow_test_edits: bool = False
    """Accept a patch that edits test files or test configuration (conftest.py, pytest.ini,
    pytest settings in pyproject.toml/setup.cfg); refused at validation by default."""


MAX_DEPTH = 32
"""How deeply an override's key or value may nest."""


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [v for x in level if isinstance(x, (dict, list))
                 for v in (x.values() if isinstance(x, dict) else x)]  # fmt: skip
    return depth


def _parse_value(raw: str) -> Any:
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ConfigError(f"override value nested too deeply (over {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError:
        if "," in raw:
            return [part.strip() for part in raw.split(",") if part.strip()]
        return raw
    if _depth(value) > MAX_DEPTH:
        raise ConfigError(f"override value nested too deeply (over {MAX_DEPTH} levels)")
    return value


def merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def apply_override(data: dict[str, Any], override: str) -> dict[str, Any]:
    """Apply ``a.b=value`` to a nested dict (value parsed as JSON when it parses)."""
    if "=" not in override:
        raise ConfigError(f"override must look like key=value: {override!r}")
    key, raw = override.split("=", 1)
    parts = key.strip().split(".")
    if len(parts) > MAX_DEPTH:
        raise ConfigError(f"override key nested too deeply (over {MAX_DEPTH} levels): {key[:60]}...")
    update: dict[str, Any] = {parts[-1]: _parse_value(raw)}
    for part in reversed(parts[:-1]):
        update = {part: update}
    return merge(data, update)


def build_config(
    layers: list[dict[str, Any]] | None = None,
    overrides: list[str] | None = None,
) -> RunConfig:
    """Defaults, then each layer (already-parsed config files) in order, then overrides."""
    data: dict[str, Any] = {}
    for layer in layers or []:
        data = merge(data, layer)
    for override in overrides or []:
        data = apply_override(data, override)
    try:
        return RunConfig.model_validate(data)
    except RecursionError:
        raise ConfigError(f"config nested too deeply (over {MAX_DEPTH} levels)") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"invalid config {where}: {err['msg']}") from None
