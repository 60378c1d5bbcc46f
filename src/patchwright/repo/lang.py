"""Languages Patchwright repairs: which files are whose, what a project is written in,
which proposer stands for a language-neutral one, and Java's test ids and stack traces.

Data, not branches: :data:`LANGUAGES` names each language's suffixes, build files and the
proposers that replace a generic one for it (``mutations`` -> ``java_templates``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Language:
    name: str
    suffixes: tuple[str, ...]
    build_files: tuple[str, ...] = ()
    proposers: Mapping[str, str] = field(default_factory=dict)
    """Generic proposer name -> this language's own (absent: the generic one serves)."""


LANGUAGES: Mapping[str, Language] = {
    "python": Language("python", (".py",), ("pyproject.toml", "setup.py", "setup.cfg")),
    "java": Language(
        "java",
        (".java",),
        ("pom.xml", "build.xml", "build.gradle"),
        {"mutations": "java_templates"},
    ),
}
_SKIP = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "build", "target", "out"}
MAX_FILES = 4000


def language_of(path: str) -> str | None:
    suffix = os.path.splitext(path)[1].lower()
    for lang in LANGUAGES.values():
        if suffix in lang.suffixes:
            return lang.name
    return None


def project_language(root: str | os.PathLike[str]) -> str:
    """The language most of the project's source files are in ("python" when none)."""
    counts: dict[str, int] = dict.fromkeys(LANGUAGES, 0)
    seen = 0
    for _folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        for name in files:
            if (found := language_of(name)) is not None:
                counts[found] += 1
            seen += 1
        if seen > MAX_FILES:
            break
    base = Path(root)
    if not counts["python"]:  # a build file decides an otherwise empty tree
        for lang in LANGUAGES.values():
            if any((base / b).is_file() for b in lang.build_files) and lang.name != "python":
                counts[lang.name] += 1
    best = max(counts, key=lambda k: (counts[k], k == "python"))
    return best if counts[best] else "python"


def proposer_for(name: str, language: str) -> str:
    """The proposer that stands for ``name`` in a project of ``language``."""
    lang = LANGUAGES.get(language)
    return lang.proposers.get(name, name) if lang else name


# ---------------------------------------------------------------------------- Java


def java_test_id(cls: str, method: str) -> str:
    """A JUnit test's id: ``pkg.Class#method``."""
    return f"{cls}#{method}"


def split_java_test_id(test_id: str) -> tuple[str, str]:
    """``pkg.Class#method`` -> (``pkg.Class``, ``method``); a class alone -> (it, "")."""
    cls, _, method = test_id.partition("#")
    return cls, method


_FRAME = re.compile(r"^\s*at (?:[\w.$/]+/)?(?P<cls>[\w.$]+)\.(?P<meth>[\w$<>]+)"
                    r"\((?P<file>[\w$]+\.java):(?P<line>\d+)\)", re.M)  # fmt: skip


def java_frames(trace: str, sources: Iterable[str]) -> list[tuple[str, int]]:
    """The project frames of a Java stack trace, innermost first: ``at pkg.C.m(C.java:12)``
    -> (the source path whose package folders and file name match, 12). ``sources`` are
    the project's ``.java`` paths relative to its root; frames of other code are dropped."""
    by_tail: dict[str, str] = {}
    for path in sources:
        by_tail.setdefault(path, path)
    out: list[tuple[str, int]] = []
    for m in _FRAME.finditer(trace):
        pkg = m.group("cls").split("$", 1)[0].rpartition(".")[0]
        tail = (pkg.replace(".", "/") + "/" if pkg else "") + m.group("file")
        hit = next((p for p in by_tail if p == tail or p.endswith("/" + tail)), None)
        frame = (hit, int(m.group("line"))) if hit else None
        if frame is not None and frame not in out:
            out.append(frame)
    return out
