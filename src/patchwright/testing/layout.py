"""Where a project's importable code lives in its workspace: a ``src/`` layout or
top-level packages (what coverage measures, and what comes first on ``sys.path``)."""

from __future__ import annotations

import os

_NOT_CODE = {"tests", "test", "testing", "docs", "doc", "examples", "benchmarks", "scripts"}


def src_folder(root: str) -> bool:
    """True when ``root/src`` holds the project's packages (a src layout)."""
    src = os.path.join(root, "src")
    return os.path.isdir(src) and not os.path.isfile(os.path.join(src, "__init__.py"))


def workspace_packages(root: str) -> list[str]:
    """Top-level package names of the workspace (``src/PKG`` and ``PKG`` folders with an
    ``__init__.py``, test and doc folders left out), sorted."""
    found: set[str] = set()
    for folder in (os.path.join(root, "src"), root):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith((".", "_")) or name in _NOT_CODE or not name.isidentifier():
                continue
            if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                found.add(name)
    return sorted(found)


def workspace_path(installed: str, root: str) -> str | None:
    """The workspace file (relative to ``root``) that an installed copy's file is:
    ``.../site-packages/PKG/x.py`` is ``src/PKG/x.py`` or ``PKG/x.py`` when the workspace
    has it (None: not a copy of a workspace file)."""
    parts = installed.replace(os.sep, "/").split("/")
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            rel = "/".join(parts[len(parts) - parts[::-1].index(marker) :])
            for prefix in ("src/", ""):
                if rel and os.path.isfile(os.path.join(root, prefix + rel)):
                    return prefix + rel
    return None
