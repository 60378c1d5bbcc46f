"""Code index: functions, methods and classes as chunks, and skeletons (signatures without
bodies) for token-cheap prompts. ADAPTER: the only module that imports tree_sitter.

Python and Java are parsed with the grammars of the ``tree-sitter-python`` and
``tree-sitter-java`` wheels. Line numbers are 1-based and inclusive.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import tree_sitter
import tree_sitter_java
import tree_sitter_python

ChunkKind = Literal["function", "method", "class"]
LANGUAGES = {".py": "python", ".java": "java"}
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox",
             "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", "target"}  # fmt: skip
MAX_FILE_BYTES = 1_000_000

_CLASS_TYPES = {
    "python": {"class_definition"},
    "java": {"class_declaration", "interface_declaration", "enum_declaration",
             "record_declaration", "annotation_type_declaration"},
}  # fmt: skip
_CONTAINERS = {"block", "class_body", "interface_body", "enum_body", "enum_body_declarations",
               "constructor_body"}  # fmt: skip
_FUNC_TYPES = {
    "python": {"function_definition"},
    "java": {"method_declaration", "constructor_declaration", "compact_constructor_declaration"},
}


@dataclass(frozen=True)
class Chunk:
    """One definition: ``name`` is qualified (``Class.method``); ``line`` includes
    decorators / annotations."""

    path: str
    name: str
    kind: ChunkKind
    line: int
    end_line: int
    text: str
    signature: str
    doc: str = ""
    depth: int = 0
    """Nesting level (0: top level; methods of a top-level class are 1)."""
    local: bool = False
    """Defined inside a function body (a helper, not part of the file's outline)."""

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def language_of(path: str) -> str | None:
    return LANGUAGES.get(os.path.splitext(path)[1].lower())


@lru_cache(maxsize=4)
def _parser(language: str) -> tree_sitter.Parser:
    module: Any = tree_sitter_python if language == "python" else tree_sitter_java
    return tree_sitter.Parser(tree_sitter.Language(module.language()))


def _text(src: bytes, start: int, end: int) -> str:
    return src[start:end].decode("utf-8", errors="replace")


def _python_doc(body: tree_sitter.Node | None, src: bytes) -> str:
    if body is None or not body.named_children:
        return ""
    first = body.named_children[0]
    if first.type != "expression_statement" or not first.named_children:
        return ""
    string = first.named_children[0]
    if string.type != "string":
        return ""
    raw = _text(src, string.start_byte, string.end_byte)
    inner = raw.lstrip("rRbBuUfF").strip("\"'").strip()
    return inner.splitlines()[0].strip() if inner else ""


def _java_doc(node: tree_sitter.Node, src: bytes) -> str:
    prev = node.prev_named_sibling
    if prev is None or prev.type != "block_comment":
        return ""
    raw = _text(src, prev.start_byte, prev.end_byte)
    if not raw.startswith("/**"):
        return ""
    for line in raw[3:].splitlines():
        line = line.strip().lstrip("*").strip().removesuffix("*/").strip()
        if line:
            return line
    return ""


def _walk(
    node: tree_sitter.Node, src: bytes, path: str, lang: str, prefix: str, depth: int,
    in_function: bool,
) -> Iterator[Chunk]:  # fmt: skip
    for child in node.named_children:
        target, outer = child, child
        if lang == "python" and child.type == "decorated_definition":
            inner = child.child_by_field_name("definition")
            if inner is None:
                continue
            target = inner
        is_class = target.type in _CLASS_TYPES[lang]
        is_func = target.type in _FUNC_TYPES[lang]
        if not (is_class or is_func):
            if child.type in _CONTAINERS or child.type.endswith(("_statement", "_clause")):
                yield from _walk(child, src, path, lang, prefix, depth, in_function)
            continue
        name_node = target.child_by_field_name("name")
        body = target.child_by_field_name("body")
        if name_node is None:
            continue
        name = prefix + _text(src, name_node.start_byte, name_node.end_byte)
        sig_end = body.start_byte if body is not None else target.end_byte
        signature = " ".join(_text(src, outer.start_byte, sig_end).split()).rstrip(" {")
        kind: ChunkKind = "class" if is_class else ("method" if prefix and not in_function
                                                    else "function")  # fmt: skip
        doc = _python_doc(body, src) if lang == "python" else _java_doc(outer, src)
        start_byte = outer.start_byte - outer.start_point[1]  # from the start of the line
        yield Chunk(
            path=path,
            name=name,
            kind=kind,
            line=outer.start_point[0] + 1,
            end_line=outer.end_point[0] + 1,
            text=_text(src, start_byte, outer.end_byte),
            signature=signature,
            doc=doc,
            depth=depth,
            local=in_function,
        )
        if body is not None:
            yield from _walk(body, src, path, lang, name + ".", depth + 1, in_function or is_func)


@lru_cache(maxsize=256)
def _parse_cached(path: str, text: str) -> tuple[Chunk, ...]:
    lang = language_of(path)
    if lang is None:
        return ()
    src = text.encode("utf-8", errors="surrogatepass")
    tree = _parser(lang).parse(src)
    return tuple(_walk(tree.root_node, src, path, lang, "", 0, False))


def parse_chunks(path: str, text: str) -> list[Chunk]:
    """Every class, function and method of one file (outer definitions first)."""
    try:
        return list(_parse_cached(path, text))
    except (ValueError, UnicodeError, RecursionError):
        return []


def render_skeleton(chunks: Iterable[Chunk], line_numbers: bool = True) -> str:
    """Signatures (with the first docstring line) without bodies, indented by nesting."""
    out = []
    for c in chunks:
        if c.local:
            continue
        pad = "    " * c.depth
        span = f"  # L{c.line}-{c.end_line}" if line_numbers else ""
        java = c.path.endswith(".java")
        abstract = java and c.signature.endswith(";")
        head = c.signature + (" {" if java and not abstract else "")
        out.append(f"{pad}{head}{span}")
        if c.doc:
            out.append(f"{pad}    {'// ' if java else '#: '}{c.doc[:120]}")
        if c.kind != "class" and not abstract:
            out.append(f"{pad}    ..." + (" }" if java else ""))
    return "\n".join(out)


class CodeIndex:
    """Chunks and skeletons of a set of files (path relative to the repository -> text)."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)
        self._chunks: dict[str, list[Chunk]] = {}

    @classmethod
    def from_repo(
        cls, root: Path | str, paths: Iterable[str] | None = None, max_files: int = 5000
    ) -> CodeIndex:
        """Index ``paths`` (default: every Python and Java file under ``root``)."""
        root = Path(root)
        rels = list(paths) if paths is not None else list(_discover(root, max_files))
        files: dict[str, str] = {}
        for rel in rels:
            p = root / rel
            try:
                if p.stat().st_size <= MAX_FILE_BYTES:
                    files[rel] = p.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return cls(files)

    def chunks(self, path: str | None = None) -> list[Chunk]:
        paths = [path] if path is not None else sorted(self.files)
        out: list[Chunk] = []
        for p in paths:
            if p not in self._chunks:
                self._chunks[p] = parse_chunks(p, self.files.get(p, ""))
            out.extend(self._chunks[p])
        return out

    def skeleton(self, path: str, line_numbers: bool = True) -> str:
        return render_skeleton(self.chunks(path), line_numbers)

    def enclosing(
        self, path: str, line: int, kinds: tuple[str, ...] = ("function", "method"),
        local: bool = False,
    ) -> Chunk | None:  # fmt: skip
        """The innermost chunk of ``kinds`` containing ``line`` (helpers defined inside a
        function body count only when ``local``)."""
        best: Chunk | None = None
        for c in self.chunks(path):
            if c.local and not local:
                continue
            if (
                c.kind in kinds
                and c.line <= line <= c.end_line
                and (best is None or c.end_line - c.line <= best.end_line - best.line)
            ):
                best = c
        return best

    def find(self, path: str, name: str) -> list[Chunk]:
        """Chunks named ``name`` (qualified, or the last part of the qualified name)."""
        chunks = self.chunks(path)
        exact = [c for c in chunks if c.name == name]
        return exact or [c for c in chunks if c.short_name == name.rsplit(".", 1)[-1]]


def _discover(root: Path, max_files: int) -> Iterator[str]:
    n = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if language_of(name) is None:
                continue
            yield Path(dirpath, name).relative_to(root).as_posix()
            n += 1
            if n >= max_files:
                return


# ---------------------------------------------------------------------------- Java syntax


def java_tree(text: str) -> Any:
    """The tree-sitter-java syntax tree's root node of ``text`` (nodes have ``type``,
    ``start_byte``/``end_byte``, ``start_point``, ``children`` and ``has_error``); the
    Java fix templates read it without importing tree_sitter themselves."""
    return _parser("java").parse(text.encode("utf-8", errors="surrogatepass")).root_node


def java_parses(text: str) -> bool:
    """``text`` is Java without syntax errors (tree-sitter finds no ERROR or MISSING node)."""
    return not java_tree(text).has_error
