"""Test beds built the way the sandbox tests used to build sandboxes (the pytest options
that were sandbox arguments are now the pytest runner's Config)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from patchwright.testing.pytest_runner import PytestConfig, PytestRunner
from patchwright.testing.testbed import SandboxTestBed


def pytest_runner(
    autoload_plugins: bool = True, extra_args: Sequence[str] = (), fork_server: bool = False
) -> PytestRunner:
    return PytestRunner(PytestConfig(plugins="all" if autoload_plugins else "none",
                                     pytest_args=list(extra_args), fork_server=fork_server))


def pytest_bed(
    root: str | os.PathLike[str],
    *,
    autoload_plugins: bool = True,
    extra_args: Sequence[str] = (),
    fork_server: bool = False,
    **sandbox_options: Any,
) -> SandboxTestBed:
    """A local sandbox with the pytest runner."""
    from patchwright.sandbox.local import LocalSandbox

    return SandboxTestBed(LocalSandbox(root, **sandbox_options),
                          pytest_runner(autoload_plugins, extra_args, fork_server))  # fmt: skip


def docker_bed(
    root: str | os.PathLike[str], *, autoload_plugins: bool = True, **sandbox_options: Any
) -> SandboxTestBed:
    """A Docker sandbox with the pytest runner."""
    from patchwright.sandbox.docker import DockerSandbox

    return SandboxTestBed(DockerSandbox(root, **sandbox_options), pytest_runner(autoload_plugins))
