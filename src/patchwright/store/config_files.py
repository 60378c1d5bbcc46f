"""Configuration from YAML files (the I/O half of :mod:`patchwright.core.config`)."""

from __future__ import annotations

from typing import Any

import yaml

from patchwright.core.config import ConfigError, RunConfig, build_config


def read_yaml(name: str) -> dict[str, Any]:
    try:
        with open(name, encoding="utf-8") as fh:
            loaded = yaml.safe_load(fh) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config {name}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config {name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at {exc.start})"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {name} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"config {name} must be a mapping")
    return loaded


def load_config(
    files: list[str] | None = None,
    overrides: list[str] | None = None,
    base: dict[str, Any] | None = None,
) -> RunConfig:
    """Defaults, then ``base``, then YAML files in order, then ``key=value`` overrides."""
    layers = [base or {}] + [read_yaml(name) for name in files or []]
    return build_config(layers, overrides)
