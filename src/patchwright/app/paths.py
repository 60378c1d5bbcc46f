"""Where patchwright keeps its state, resolved once: ``$PATCHWRIGHT_HOME`` (default
``~/.local/state/patchwright``). Entry points call :func:`resolve_paths` and pass the
folders down; no lower layer reads the environment for them.

Under the home: ``runs/`` (default run directories), ``envs/`` (built venvs),
``models/`` (fetched local models), ``cache/model/`` (model responses), ``wheels/``
(wheels for the Docker sandbox's images).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from patchwright.core.errors import PatchwrightError

HOME_VAR = "PATCHWRIGHT_HOME"
DEFAULT_HOME = Path("~/.local/state/patchwright")


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def runs(self) -> Path:
        return self.home / "runs"

    @property
    def envs(self) -> Path:
        return self.home / "envs"

    @property
    def wheels(self) -> Path:
        return self.home / "wheels"

    def new_run_dir(self, source: Path) -> Path:
        """A fresh, empty ``runs/<stamp>-<project name>-<random>``, made here (``mkdir``
        fails when taken, so two runs started at once never share one)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            self.runs.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PatchwrightError(
                f"cannot make the runs folder {self.runs} ({HOME_VAR}={self.home}): "
                f"{exc.strerror or exc}"
            ) from None
        while True:
            path = self.runs / f"{stamp}-{source.resolve().name or 'repo'}-{secrets.token_hex(3)}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                continue
            except OSError as exc:
                raise PatchwrightError(f"cannot make a run directory in {self.runs}: "
                                       f"{exc.strerror or exc}") from None  # fmt: skip


def resolve_paths(environ: Mapping[str, str] | None = None) -> Paths:
    """The paths of this process (``environ`` defaults to ``os.environ``)."""
    env = os.environ if environ is None else environ
    return Paths(Path(env.get(HOME_VAR) or DEFAULT_HOME.expanduser()))
