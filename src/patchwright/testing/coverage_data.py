"""Per-test line coverage: the coverage configuration a run writes with, and the reading of
the data file it leaves (the one module that imports ``coverage``)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Sequence

from patchwright.core.protocols import CoverageMap
from patchwright.testing.layout import workspace_path

SETUP_KEY = "collect:"
"""How a coverage map names a test module's import (``collect:tests/test_x.py``): the
plugin's context for it, read as a key of its own beside the tests'."""


def rc_text(
    data_file: str, *, source: str = "", dynamic_context: str = "", packages: Sequence[str] = ()
) -> str:
    """A coverage config that ignores the project's own settings. ``packages`` are measured
    wherever they are imported from (a copy installed into the environment too)."""
    lines = ["[run]", f"data_file = {data_file}", "branch = False", "parallel = False"]
    if source:
        lines.append(f"source = {source}")
    if packages:
        lines.append(f"source_pkgs = {', '.join(packages)}")
    if dynamic_context:
        lines.append(f"dynamic_context = {dynamic_context}")
    return "\n".join(lines) + "\n[report]\n"


def fallback() -> str:
    """``DIR:X.Y``: a folder holding only this interpreter's coverage package (Python X.Y),
    for a test interpreter of the same version that has none ('' when unavailable)."""
    try:
        import coverage

        package = os.path.dirname(os.path.abspath(coverage.__file__))
        version = "{}.{}".format(*sys.version_info[:2])
        # not under /tmp: the isolated sandbox gives its commands a private /tmp
        shared = "/var/tmp" if os.access("/var/tmp", os.W_OK) else tempfile.gettempdir()
        folder = os.path.join(shared, f"patchwright-coverage-{os.getuid()}-{version}")
        link = os.path.join(folder, "coverage")
        if os.path.realpath(link) != os.path.realpath(package):
            os.makedirs(folder, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link)
            os.symlink(package, link)
    except (ImportError, OSError):
        return ""
    return f"{folder}:{version}"


def read_coverage(
    data_file: str,
    root: str,
    test_id: Callable[[str], str | None] | None = None,
    installed: str = "",
) -> CoverageMap:
    """Per-test executed lines of the files under ``root`` from a coverage data file whose
    contexts name tests. ``test_id`` maps a context to a test id (None: skip it); by
    default the context up to its ``|`` (pytest-cov's ``--cov-context=test``). With
    ``installed`` (the workspace on this host), files of a copy of the project installed
    into site-packages count as the workspace files they copy."""
    from coverage import CoverageData

    result: CoverageMap = {}
    if not os.path.exists(data_file):
        return result
    data = CoverageData(basename=data_file)
    data.read()
    real_root = os.path.realpath(root)
    for measured in data.measured_files():
        real = os.path.realpath(measured)
        rel = workspace_path(measured, installed) if installed else None
        if rel is None and real.startswith(real_root + os.sep):
            rel = os.path.relpath(real, real_root).replace(os.sep, "/")
        if rel is None:
            continue
        for line, contexts in data.contexts_by_lineno(measured).items():
            for context in contexts:
                if test_id is not None:
                    tid = test_id(context)
                else:
                    tid = context.rpartition("|")[0] if "|" in context else context
                if tid:
                    result.setdefault(tid, {}).setdefault(rel, set()).add(line)
    return result


def read_coverage_bytes(
    data: bytes | None,
    root: str,
    test_id: Callable[[str], str | None] | None = None,
    installed: str = "",
) -> CoverageMap:
    """:func:`read_coverage` of a data file's bytes ({} when absent or unreadable: a
    crashed run can leave a broken file)."""
    if not data:
        return {}
    with tempfile.TemporaryDirectory(prefix="pw-cov-") as tmp:
        path = os.path.join(tmp, ".coverage")
        with open(path, "wb") as fh:
            fh.write(data)
        with contextlib.suppress(Exception):
            return read_coverage(path, root, test_id, installed)
    return {}
