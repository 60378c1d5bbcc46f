"""``patchwright hook pre-commit [--fix] [FILE ...]``: the registered checks over the given
files (pre-commit passes the staged ones, its stash making the work tree match the index),
or, with no file, over the staged content read from the index.

Exit codes: 0 nothing found; 1 findings, or ``--fix`` modified files (pre-commit then
reports "files were modified by this hook"); 2 bad input."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.core.errors import ConfigError, PatchwrightError
from patchwright.core.registry import names, resolve
from patchwright.hooks.findings import Check, CheckContext, Finding


class CheckError(PatchwrightError):
    """Bad input to the check (an unknown check, an unreadable rules file)."""


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)
    """Path -> sites rewritten by ``--fix``."""
    skipped: list[str] = field(default_factory=list)
    """Files not checked and why (``x.py: SyntaxError line 3``)."""
    checked: int = 0


def build_checks(ctx: CheckContext, wanted: Sequence[str] = ()) -> list[Check]:
    """The checks named in ``wanted`` (default: every registered one)."""
    out = []
    for name in wanted or names("check"):
        try:
            cls = resolve("check", name)
        except ConfigError as exc:
            raise CheckError(str(exc)) from None
        try:
            out.append(cls.build(ctx))
        except (PatchwrightError, ValueError) as exc:
            raise CheckError(f"check {name}: {str(exc).splitlines()[0]}") from None
    return out


def run_checks(
    paths: Sequence[str],
    checks: Sequence[Check],
    read: Callable[[str], str | None],
    *,
    fix: bool = False,
    write: Callable[[str, str], None] | None = None,
) -> CheckReport:
    """Findings over ``paths`` (``read`` gives a path's text, None: skip it); with ``fix``,
    every check's automatic replacements are written back through ``write``, then the
    file is checked again (what is left is reported)."""
    report = CheckReport()
    for path in paths:
        if not path.endswith((".py", ".pyi")):
            continue
        text = read(path)
        if text is None:
            report.skipped.append(f"{path}: not readable as UTF-8 text")
            continue
        tree = _parse(path, text, report)
        if tree is None:
            continue
        report.checked += 1
        found = [f for c in checks for f in c.findings(path, text, tree)]
        if fix and write is not None and any(f.replacement for f in found):
            new_text, sites = text, 0
            for c in checks:
                new_text, n = c.fix(path, new_text)
                sites += n
            if sites and new_text != text:
                write(path, new_text)
                report.fixed[path] = sites
                tree = _parse(path, new_text, report)
                found = [f for c in checks for f in c.findings(path, new_text, tree)] if tree else []
        report.findings += found
    return report


def _parse(path: str, text: str, report: CheckReport) -> ast.Module | None:
    try:
        return ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        report.skipped.append(f"{path}: {type(exc).__name__}" + (f" line {line}" if line else ""))
        return None


def work_tree_reader(root: Path) -> Callable[[str], str | None]:
    def read(path: str) -> str | None:
        try:
            return (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return read


def work_tree_writer(root: Path) -> Callable[[str, str], None]:
    def write(path: str, text: str) -> None:
        target = root / path
        mode = target.stat().st_mode
        target.write_text(text, encoding="utf-8")
        target.chmod(mode)

    return write
