"""Documentation of the *target* library version, read from the package installed in the
target environment (signatures and docstring summaries, through :mod:`introspect` run by
that environment's interpreter), never from what a model remembers of older versions.

:class:`ApiDocs` answers three questions for the LLM tools:
``search(text)`` -- which APIs does a task talk about (BM25 over names, signatures, docs);
``lookup(name)`` -- what does this name look like in the target version;
``for_error(output)`` -- an AttributeError / ImportError / TypeError names an API: show it,
or the names closest to it in its module when it no longer exists.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from patchwright.envs import EnvError
from patchwright.localize.bm25 import Bm25Index
from patchwright.propose.migrate.mine import dump_api
from patchwright.store.artifacts import write_atomic

DOCS_FORMAT = 2

_TOP_LEVEL = """
import sys
dist = sys.argv[1]
try:
    from importlib import metadata
    text = metadata.distribution(dist).read_text("top_level.txt") or ""
except Exception:
    try:
        import pkg_resources
        text = pkg_resources.get_distribution(dist).get_metadata("top_level.txt")
    except Exception:
        text = ""
print(" ".join(text.split()))
"""


@dataclass(frozen=True)
class ApiEntry:
    name: str
    """Qualified name, e.g. ``numpy.linalg.norm`` or ``pandas.DataFrame.to_csv``."""
    kind: str
    signature: str = ""
    doc: str = ""

    def render(self, doc_chars: int = 300) -> str:
        head = f"{self.name}{self.signature}" if self.signature else f"{self.name} ({self.kind})"
        doc = " ".join(self.doc.split())[:doc_chars]
        return f"- {head}" + (f"\n    {doc}" if doc else "")


def import_name(python: Path | str, dist: str, timeout: float = 60.0) -> str:
    """The top-level module a distribution installs (``scikit-learn`` -> ``sklearn``),
    asked of the environment itself."""
    norm = re.sub(r"[-_.]+", "_", dist).lower()
    try:
        proc = subprocess.run(
            [str(python), "-c", _TOP_LEVEL, dist], capture_output=True, text=True,
            timeout=timeout, cwd="/",
        )  # fmt: skip
        names = [n for n in proc.stdout.split() if n and not n.startswith("_")]
    except (OSError, subprocess.TimeoutExpired):
        names = []
    if norm in [n.lower() for n in names]:
        return next(n for n in names if n.lower() == norm)
    return names[0] if names else norm


def entries_from_dump(dump: dict[str, Any]) -> list[ApiEntry]:
    """Flatten an introspection dump (with docs) into entries, one per object, named by
    its shortest public path (``numpy.sum``, not ``numpy.core.fromnumeric.sum``)."""
    best: dict[tuple[str, ...], ApiEntry] = {}
    for module, info in sorted(dump.get("modules", {}).items()):
        for name, member in (info.get("members") or {}).items():
            kind = member.get("kind", "")
            if kind == "missing":
                continue
            entry = ApiEntry(
                f"{module}.{name}", kind, member.get("signature") or "", member.get("doc") or ""
            )
            # the same object under the same name in several modules is one entry; aliases
            # (numpy.double and numpy.float64) stay apart, since either may be looked up
            key = (name, member.get("obj_name") or name, entry.signature, entry.doc)
            if kind == "module":
                key = (f"{module}.{name}", "", "", "")
            old = best.get(key)
            if old is None or (old.name.count("."), len(old.name)) > (
                entry.name.count("."),
                len(entry.name),
            ):
                best[key] = entry
            for meth, minfo in (member.get("methods") or {}).items():
                mentry = ApiEntry(
                    f"{module}.{name}.{meth}", "method", minfo.get("signature") or "",
                    minfo.get("doc") or "",
                )  # fmt: skip
                mkey = (f"{member.get('obj_name') or name}.{meth}", mentry.signature, "")
                mold = best.get(mkey)
                if mold is None or len(mold.name) > len(mentry.name):
                    best[mkey] = mentry
    return sorted(best.values(), key=lambda e: e.name)


class ApiDocs:
    def __init__(self, entries: Sequence[ApiEntry], library: str = "", version: str = "") -> None:
        self.entries = list(entries)
        self.library = library
        self.version = version
        self.by_name = {e.name: e for e in self.entries}
        self._retriever: Any = None

    # ------------------------------------------------------------------------- building

    @classmethod
    def load(
        cls, python: Path | str, module: str, cache_dir: Path | None = None, timeout: float = 600.0
    ) -> ApiDocs:
        """The docs of ``module`` in the environment of ``python``, cached on disk by the
        interpreter's path and the module."""
        cache = None
        if cache_dir is not None:
            seed = f"{DOCS_FORMAT}\0{Path(python).resolve()}\0{module}"
            key = hashlib.sha256(seed.encode()).hexdigest()[:16]
            cache = Path(cache_dir) / f"apidocs-{module}-{key}.json"
            if cache.exists():
                try:
                    return cls.from_json(json.loads(cache.read_text(encoding="utf-8")))
                except (ValueError, KeyError, TypeError):
                    pass
        dump = dump_api(Path(python), module, timeout=timeout, docs=True)
        docs = cls(entries_from_dump(dump), module, str(dump.get("library_version", "")))
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(cache, json.dumps(docs.to_json()))
        return docs

    def to_json(self) -> dict[str, Any]:
        return {
            "version": DOCS_FORMAT,
            "library": self.library,
            "library_version": self.version,
            "entries": [asdict(e) for e in self.entries],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiDocs:
        if data.get("version") != DOCS_FORMAT:
            raise ValueError("unknown docs format")
        entries = [ApiEntry(**e) for e in data["entries"]]
        return cls(entries, data.get("library", ""), data.get("library_version", ""))

    # ------------------------------------------------------------------------- queries

    def search(self, text: str, k: int = 8) -> list[ApiEntry]:
        """The entries whose names, signatures and docs best match ``text`` (BM25)."""
        if not self.entries:
            return []
        if self._retriever is None:
            self._retriever = Bm25Index(
                [f"{e.name} {e.name.rsplit('.', 1)[-1]} {e.signature} {e.doc}" for e in self.entries]
            )
        return [self.entries[i] for i, _ in self._retriever.top(text, k)]

    def lookup(self, name: str, k: int = 3) -> list[ApiEntry]:
        """``name`` exactly, else entries whose qualified name ends with ``.name``."""
        name = name.strip().strip(".")
        if not name:
            return []
        if name in self.by_name:
            return [self.by_name[name]]
        tail = "." + name
        hits = [e for e in self.entries if e.name.endswith(tail)]
        return sorted(hits, key=lambda e: (e.name.count("."), e.name))[:k]

    def near(self, owner: str, attr: str, k: int = 5) -> list[ApiEntry]:
        """Names of ``owner`` (a module or class name, qualified or not) close to ``attr``."""
        prefixes = {owner} | {e.name for e in self.lookup(owner, k=3)}
        members = {
            e.name.rsplit(".", 1)[-1]: e
            for e in self.entries
            if e.name.rsplit(".", 1)[0] in prefixes
        }
        close = difflib.get_close_matches(attr, list(members), n=k, cutoff=0.5)
        # names that contain the missing one (float -> float64) are as telling
        close += [m for m in members if attr.lower() in m.lower() and m not in close]
        return [members[m] for m in close[:k]]

    def for_error(self, output: str, k: int = 6) -> list[ApiEntry]:
        """Entries an error message points at (the API it names, or what is near it)."""
        found: list[ApiEntry] = []
        for owner, attr in _missing_attributes(output):
            found += self.lookup(f"{owner}.{attr}") or self.near(owner, attr)
        for func in _bad_calls(output):
            found += self.lookup(func)
        for hint in _HINT.findall(output):  # "Use `np.float64` instead."
            found += self.lookup(hint, 1) or self.lookup(hint.rsplit(".", 1)[-1], 1)
        return _unique(found)[:k]


_ATTR = re.compile(r"(?:module|type object|class) '([\w.]+)' has no attribute '(\w+)'")
_OBJ_ATTR = re.compile(r"'(\w+)' object has no attribute '(\w+)'")
_IMPORT = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")
_HINT = re.compile(r"\b[Uu]se\s+`{0,2}([A-Za-z_][\w.]*)`{0,2}(?:\(\))?\s+instead")
_CALL = re.compile(r"(?:^|\W)([\w.]+)\(\) (?:got an unexpected keyword argument|takes|missing)")


def _missing_attributes(text: str) -> Iterable[tuple[str, str]]:
    for m in _ATTR.finditer(text):
        yield m.group(1), m.group(2)
    for m in _OBJ_ATTR.finditer(text):
        yield m.group(1), m.group(2)
    for m in _IMPORT.finditer(text):
        yield m.group(2), m.group(1)


def _bad_calls(text: str) -> Iterable[str]:
    for m in _CALL.finditer(text):
        yield m.group(1)


def _unique(entries: Iterable[ApiEntry]) -> list[ApiEntry]:
    seen: set[str] = set()
    out = []
    for e in entries:
        if e.name not in seen:
            seen.add(e.name)
            out.append(e)
    return out


def render(entries: Sequence[ApiEntry], max_chars: int = 3000) -> str:
    """Entries as a bulleted reference section, cut to ``max_chars``."""
    out: list[str] = []
    used = 0
    for e in entries:
        text = e.render()
        if used + len(text) > max_chars and out:
            break
        out.append(text)
        used += len(text) + 1
    return "\n".join(out)


__all__ = ["ApiDocs", "ApiEntry", "EnvError", "entries_from_dump", "import_name", "render"]
