"""``make_model(config, record)``: the model a run uses, wrapped for budget, cache and
trajectory recording -- or None when the run uses no model.

Names: "" or "none" (no model; "" falls back to $PATCHWRIGHT_MODEL), "scripted:FILE" (a JSON
list of replies, or {"replies": [...], "cycle": true}), "replay:TRAJECTORY", "local" or
"local:NAME" (embedded llama.cpp server), anything else an OpenAI-compatible model name.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from patchwright.core.config import BudgetConfig, ModelConfig, RunConfig
from patchwright.core.protocols import Model
from patchwright.core.types import Message, ModelResponse
from patchwright.model.budget import Budget, Caps
from patchwright.model.cache import ResponseCache
from patchwright.model.errors import ModelUnavailable
from patchwright.model.prices import Price, load_table, lookup
from patchwright.model.recording import Record, RecordingModel
from patchwright.model.retry import RetryPolicy
from patchwright.model.scripted import ScriptedModel, ScriptExhausted

if TYPE_CHECKING:
    from patchwright.model.local import LocalServer


def model_name(config: ModelConfig) -> str:
    return (config.name or os.environ.get("PATCHWRIGHT_MODEL", "")).strip()


def retry_policy(config: ModelConfig) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=config.max_attempts,
        base_delay=config.backoff_base,
        max_delay=config.backoff_max,
        max_retry_after=config.retry_after_max,
    )


def task_caps(config: BudgetConfig) -> Caps:
    return Caps(config.max_dollars, config.max_tokens, config.max_calls, config.max_seconds)


def batch_caps(config: BudgetConfig) -> Caps:
    return Caps(
        config.batch_max_dollars,
        config.batch_max_tokens,
        config.batch_max_calls,
        config.batch_max_seconds,
    )


def batch_budget(config: RunConfig, path: Path | str) -> Budget | None:
    """The batch budget shared by a benchmark's worker processes (state in ``path``), or
    None when no batch cap is set."""
    caps = batch_caps(config.budget)
    return Budget.shared(caps, path) if caps.any() else None


class _Scripted:
    """ScriptedModel whose exhaustion is a ModelError like any other model failure."""

    price = Price(0.0, 0.0)

    def __init__(self, inner: ScriptedModel) -> None:
        self.inner = inner
        self.name = inner.name

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> ModelResponse:
        try:
            return self.inner.complete(
                messages, max_tokens=max_tokens, temperature=temperature, stop=stop
            )
        except ScriptExhausted as exc:
            raise ModelUnavailable(str(exc)) from None


def load_script(path: Path) -> ScriptedModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"cannot read model script {path}: {exc}") from None
    cycle = False
    if isinstance(data, dict):
        cycle = bool(data.get("cycle", False))
        data = data.get("replies")
    if not isinstance(data, list) or not all(isinstance(r, str) for r in data):
        raise ModelUnavailable(f"model script {path} must be a JSON list of strings")
    return ScriptedModel(data, name=f"scripted:{path.name}", cycle=cycle)


def make_inner(config: ModelConfig, name: str, home: Path | None = None) -> Model:
    """The bare model for ``name`` (no budget, cache or recording)."""
    kind, _, arg = name.partition(":")
    if kind == "scripted" and arg:
        return _Scripted(load_script(Path(arg)))
    if kind == "replay" and arg:
        from patchwright.model.replay import ReplayModel

        return ReplayModel(arg, config.replay_strictness)
    if kind == "local":
        return make_local(config, arg or config.local_model, home)
    from patchwright.model.openai_model import Endpoint, OpenAIModel

    endpoint = Endpoint(
        model=name,
        base_url=config.base_url,
        api_key=config.api_key,
        timeout=config.timeout,
        retry=retry_policy(config),
    )
    return OpenAIModel(endpoint, price=_price(config, name))


def local_server(config: ModelConfig, local_name: str = "", home: Path | None = None) -> LocalServer:
    """A not-yet-started :class:`~patchwright.model.local.LocalServer` for the named local
    model, fetching the model first when allowed."""
    from patchwright.model.fetch import FetchError, fetch, get_spec, is_present, model_path
    from patchwright.model.local import LocalServer

    try:
        spec = get_spec(local_name or config.local_model)
        if not is_present(spec, home):
            if not config.local_fetch:
                raise ModelUnavailable(
                    f"local model {spec.name} is not fetched: "
                    f"run `patchwright model fetch {spec.name}`"
                )
            fetch(spec.name, home=home)
    except FetchError as exc:
        raise ModelUnavailable(str(exc)) from None
    return LocalServer(
        model_path(spec, home),
        alias=spec.name,
        threads=config.local_threads,
        ctx=config.local_ctx,
        startup_timeout=config.local_startup_timeout,
    )


@contextlib.contextmanager
def shared_model_server(config: RunConfig, home: Path | None = None) -> Iterator[RunConfig]:
    """For a batch: when the run uses the embedded model and no server is named, start one
    server for all workers and yield the config pointing at it (else the config as is).
    N workers with N servers would each get 1/N of the cores and N copies of the weights."""
    name = model_name(config.model)
    kind, _, arg = name.partition(":")
    if kind != "local" or config.model.base_url:
        yield config
        return
    server = local_server(config.model, arg, home).start()
    try:
        model = config.model.model_copy(update={"base_url": server.base_url})
        yield config.model_copy(update={"model": model})
    finally:
        server.stop()


def make_local(config: ModelConfig, local_name: str, home: Path | None = None) -> Model:
    from patchwright.model.fetch import FetchError, get_spec
    from patchwright.model.local import LocalModel
    from patchwright.model.openai_model import Endpoint, OpenAIModel

    retry = RetryPolicy(
        max_attempts=min(config.max_attempts, 2),
        base_delay=config.backoff_base,
        max_delay=config.backoff_max,
        max_retry_after=config.retry_after_max,
    )
    try:
        spec = get_spec(local_name)
    except FetchError as exc:
        raise ModelUnavailable(str(exc)) from None
    if config.base_url:  # a server that is already running
        endpoint = Endpoint(spec.name, config.base_url, "sk-local", config.local_timeout, retry)
        return OpenAIModel(endpoint, price=Price(0.0, 0.0))
    server = local_server(config, spec.name, home)
    return LocalModel(server, timeout=config.local_timeout, retry=retry)


def _price(config: ModelConfig, name: str) -> Price | None:
    table = load_table(config.prices_file) if config.prices_file else None
    return lookup(name, table)


def make_model(
    config: RunConfig,
    record: Record | None = None,
    *,
    batch: Budget | None = None,
    home: Path | None = None,
) -> RecordingModel | None:
    """The run's model wrapped in budget -> cache -> recording, or None for no model.
    Close it (or use it as a context manager) to stop a local server it started."""
    mc = config.model
    name = model_name(mc)
    if name.lower() in ("", "none"):
        return None
    inner = make_inner(mc, name, home)
    caps = task_caps(config.budget)
    budget = Budget(caps, "task", parent=batch) if caps.any() or batch is not None else None
    kind = name.partition(":")[0]
    cache = None
    if mc.cache and kind not in ("scripted", "replay"):
        cache = ResponseCache(mc.cache_dir or (home / "cache" / "model" if home else None))
    price = getattr(inner, "price", None) or _price(mc, inner.name)
    return RecordingModel(inner, budget, cache, record, price=price)
