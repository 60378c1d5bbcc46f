"""``make_model(config, record)``: the model a run uses, wrapped for budget, cache and
trajectory recording -- or None when the run uses no model.

Names: "" or "none" (no model; "" falls back to $PATCHWRIGHT_MODEL), "scripted:FILE" (a JSON
list of replies, or {"replies": [...], "cycle": true}), "replay:TRAJECTORY", "local" or
"local:NAME" (embedded llama.cpp server), anything else an OpenAI-compatible model name.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from patchwright.core.config import BudgetConfig, ModelConfig, RunConfig
from patchwright.core.events import Record
from patchwright.core.protocols import Model
from patchwright.core.registry import names, resolve
from patchwright.model.budget import Budget, Caps
from patchwright.model.cache import ResponseCache
from patchwright.model.errors import ModelUnavailable
from patchwright.model.prices import Price, load_table, lookup
from patchwright.model.recording import RecordingModel
from patchwright.model.retry import RetryPolicy

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


def make_inner(config: ModelConfig, name: str, home: Path) -> Model:
    """The bare model for ``name`` (no budget, cache or recording): ``KIND:ARG`` names a
    registered model kind (core.registry "model": scripted, replay, local), anything else
    is a model at an OpenAI-compatible endpoint."""
    kind, _, arg = name.partition(":")
    if kind in names("model") and kind != "openai" and (arg or kind == "local"):
        return resolve("model", kind).open(config, arg, home)  # type: ignore[no-any-return]
    return resolve("model", "openai").open(config, name, home)  # type: ignore[no-any-return]


def local_server(config: ModelConfig, local_name: str, home: Path) -> LocalServer:
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
def shared_model_server(config: RunConfig, home: Path) -> Iterator[RunConfig]:
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


def _price(config: ModelConfig, name: str) -> Price | None:
    table = load_table(config.prices_file) if config.prices_file else None
    return lookup(name, table)


def make_model(
    config: RunConfig,
    record: Record | None = None,
    *,
    batch: Budget | None = None,
    home: Path,
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
        cache = ResponseCache(mc.cache_dir or Path(home) / "cache" / "model")
    price = getattr(inner, "price", None) or _price(mc, inner.name)
    return RecordingModel(inner, budget, cache, record, price=price)
