"""What a check reports and the interface a check implements (registered in
``core.registry`` under the kind ``check``, looked up by short name)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    col: int
    rule: str
    """What the rule says, e.g. ``numpy.float_ renamed to numpy.float64 (numpy 2.4.6)``."""
    replacement: str | None
    """The suggested code at the site (``np.float64``), None: no automatic replacement."""
    check: str
    """The check that found it (``migrate``)."""

    def line_text(self) -> str:
        hint = f"; use {self.replacement}" if self.replacement else ""
        return f"{self.path}:{self.line}:{self.col + 1}: {self.rule}{hint} [{self.check}]"


@dataclass(frozen=True)
class CheckContext:
    """What a check is built from; the entry point resolves every path (no check reads
    the environment)."""

    root: Path
    """The project (the git work tree)."""
    python: str | None
    """The interpreter of the project's environment (None: the one running Patchwright)."""
    cache: Path
    """Folder for the check's on-disk caches (``$PATCHWRIGHT_HOME/cache/check``)."""
    rules_dirs: tuple[Path, ...] = ()
    """Folders of user-mined rules files (``$PATCHWRIGHT_HOME/rules``)."""
    rules_files: tuple[Path, ...] = ()
    """Rules files given on the command line (``--rules``)."""
    log: list[str] = field(default_factory=list)
    """Notes for standard error (which rules apply, a rules file that does not load)."""


class Check(Protocol):
    name: str

    def findings(self, path: str, text: str, tree: ast.Module) -> list[Finding]:
        """The problems in one parsed file (fast: no process, no import of the project)."""
        ...

    def fix(self, path: str, text: str) -> tuple[str, int]:
        """The file with every automatic replacement applied, and how many sites changed."""
        ...
