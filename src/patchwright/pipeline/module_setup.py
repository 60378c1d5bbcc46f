"""A test module's own set-up as part of its tests' spectra, when a failing test ran no
project code itself: the fault lies in what the module did when it was imported (an app
built and its routes added at module level, as web frameworks' tests do), which the
coverage plugin measures as ``collect:MODULE``.

Only the lines inside function bodies count: the first module to import a project file
also runs that file's ``def``/``class``/``import`` lines, which say which module came
first, not what the set-up did."""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence

from patchwright.core.protocols import CoverageMap
from patchwright.localize.sbfl import is_test_file
from patchwright.testing.coverage_data import SETUP_KEY


def body_lines(source: str) -> set[int]:
    """The lines inside the bodies of the functions of ``source`` (any depth)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            lines.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def runs_project_code(files: dict[str, set[int]]) -> bool:
    return any(not is_test_file(p) for p in files)


def with_module_setup(root: str, coverage: CoverageMap, failing: Sequence[str]) -> CoverageMap:
    """The tests' coverage (the set-up keys left out) where, if a failing test ran no
    project code, every test gets the project's function-body lines its module's import
    ran (the same for all of a module's tests, so Ochiai tells one module's set-up from
    another's)."""
    if all(runs_project_code(coverage.get(t, {})) for t in failing):
        return {t: files for t, files in coverage.items() if not t.startswith(SETUP_KEY)}
    bodies: dict[str, set[int]] = {}

    def inside(path: str) -> set[int]:
        if path not in bodies:
            try:
                with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
                    bodies[path] = body_lines(fh.read())
            except OSError:
                bodies[path] = set()
        return bodies[path]

    setup = {key.removeprefix(SETUP_KEY): {p: ls & inside(p) for p, ls in files.items()
                                           if not is_test_file(p)}
             for key, files in coverage.items() if key.startswith(SETUP_KEY)}  # fmt: skip
    out: CoverageMap = {}
    for test, files in coverage.items():
        if test.startswith(SETUP_KEY):
            continue
        merged = {p: set(ls) for p, ls in files.items()}
        for path, lines in setup.get(test.split("::", 1)[0], {}).items():
            if lines:
                merged.setdefault(path, set()).update(lines)
        out[test] = merged
    return out
