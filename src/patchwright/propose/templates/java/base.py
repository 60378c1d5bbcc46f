"""The Java front end of the fix-template registry: a :class:`JavaSite` (one suspicious
line of a Java file, its syntax nodes from tree-sitter-java, its method's typed names), the
:class:`JavaEdit` a template yields (byte-range splices, so formatting is kept), and the
``@java_template`` decorator that records a template's name, weight, node types and a
before/after example (checked when the family module is imported and again by its test)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from patchwright.propose.templates.registry import TemplateError
from patchwright.repo.index import java_parses, java_tree

Node = Any
"""A tree-sitter-java node (read through ``repo.index``)."""
_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_STATEMENTS = ("_statement", "local_variable_declaration", "_declaration")


def text_of(site: JavaSite, node: Node) -> str:
    return site.src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def is_statement(node: Node) -> bool:
    return node.type.endswith(_STATEMENTS) and node.type not in (
        "class_declaration", "method_declaration", "constructor_declaration",
    )  # fmt: skip


@dataclass
class JavaEdit:
    """One proposed edit: byte splices ``(start, end, new text)`` into the file, ranked
    inside its template by ``affinity``; ``template``/``template_weight`` are stamped by
    the template."""

    affinity: float
    desc: str
    splices: list[tuple[int, int, str]]
    template: str = ""
    template_weight: float = 0.0

    @property
    def weight(self) -> float:
        return self.template_weight * self.affinity


def splice(site: JavaSite, node: Node, new: str, affinity: float, desc: str) -> JavaEdit:
    return JavaEdit(affinity, desc, [(node.start_byte, node.end_byte, new)])


@dataclass
class JavaSite:
    """A suspicious line of a Java file resolved to its syntax nodes."""

    path: str
    line: int
    text: str
    src: bytes
    nodes: list[Node]
    """Named nodes that start on this line, outermost first (source order)."""
    stmt: Node | None
    """The innermost statement starting on this line."""
    method: Node | None
    types: dict[str, str] = field(default_factory=dict)
    """Typed names visible in the method (parameters, locals) and the class's fields."""
    classes: dict[str, list[Signature]] = field(default_factory=dict)
    """Methods declared by the project's classes (simple class name -> signatures), when
    the proposer knows the other files (see :func:`signatures`)."""

    def render(self, edit: JavaEdit) -> str | None:
        out = self.src
        for start, end, new in sorted(edit.splices, reverse=True):
            out = out[:start] + new.encode("utf-8") + out[end:]
        text = out.decode("utf-8", "replace")
        return text if text != self.text and java_parses(text) else None


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.named_children:
        yield from _walk(child)


def _declared(node: Node, src: bytes, into: dict[str, str]) -> None:
    for n in _walk(node):
        if n.type in ("formal_parameter", "local_variable_declaration", "field_declaration",
                      "enhanced_for_statement", "catch_formal_parameter"):  # fmt: skip
            tnode = n.child_by_field_name("type")
            if tnode is None:
                continue
            tname = src[tnode.start_byte : tnode.end_byte].decode("utf-8", "replace")
            if n.type in ("formal_parameter", "enhanced_for_statement"):
                name = n.child_by_field_name("name")
                if name is not None:
                    into.setdefault(src[name.start_byte : name.end_byte].decode(), tname)
                continue
            for d in n.named_children:
                if d.type == "variable_declarator" and (name := d.child_by_field_name("name")):
                    into.setdefault(src[name.start_byte : name.end_byte].decode(), tname)


Signature = tuple[str, int, str]
"""A declared method: name, parameter count, return type."""


def signatures(text: str) -> dict[str, list[Signature]]:
    """The methods each class (or interface, enum) of a Java file declares."""
    src = text.encode("utf-8", errors="surrogatepass")
    found: dict[str, list[Signature]] = {}
    for cls in _walk(java_tree(text)):
        if cls.type not in ("class_declaration", "interface_declaration", "enum_declaration"):
            continue
        cname, body = cls.child_by_field_name("name"), cls.child_by_field_name("body")
        if cname is None or body is None:
            continue
        sigs = found.setdefault(src[cname.start_byte : cname.end_byte].decode(), [])
        members = list(body.named_children)
        for extra in [m for m in members if m.type == "enum_body_declarations"]:
            members.extend(extra.named_children)
        for m in members:
            name, params = m.child_by_field_name("name"), m.child_by_field_name("parameters")
            if m.type != "method_declaration" or name is None or params is None:
                continue
            rtype = m.child_by_field_name("type")
            count = sum(1 for x in params.named_children if x.type.endswith("parameter"))
            kind = src[rtype.start_byte : rtype.end_byte].decode() if rtype is not None else ""
            sigs.append((src[name.start_byte : name.end_byte].decode(), count, kind))
    return found


def java_sites(
    path: str, text: str, classes: dict[str, list[Signature]] | None = None
) -> Callable[[int], JavaSite | None]:
    """A function from a line number (1-based) to its site (None: nothing starts there);
    ``classes``: the project's method signatures (default: this file's)."""
    known = classes if classes is not None else signatures(text)
    root = java_tree(text)
    src = text.encode("utf-8", errors="surrogatepass")
    by_line: dict[int, list[Node]] = {}
    for n in _walk(root):
        by_line.setdefault(n.start_point[0] + 1, []).append(n)

    def site(line: int) -> JavaSite | None:
        nodes = [n for n in by_line.get(line, []) if n.type != "program"]
        if not nodes:
            return None
        stmts = [n for n in nodes if is_statement(n)]
        stmt = stmts[-1] if stmts else None
        method, cls = None, None
        parent = nodes[0].parent
        while parent is not None:
            if method is None and parent.type in ("method_declaration", "constructor_declaration"):
                method = parent
            if cls is None and parent.type == "class_declaration":
                cls = parent
            parent = parent.parent
        types: dict[str, str] = {}
        if method is not None:
            _declared(method, src, types)
        if cls is not None:
            body = cls.child_by_field_name("body")
            for member in body.named_children if body is not None else []:
                if member.type == "field_declaration":
                    _declared(member, src, types)
        return JavaSite(path, line, text, src, nodes, stmt, method, types, known)

    return site


TemplateFn = Callable[[JavaSite, Node], Iterable[JavaEdit]]


@dataclass(frozen=True)
class JavaTemplate:
    name: str
    weight: float
    on: tuple[str, ...]
    example: tuple[str, str]
    fn: TemplateFn
    family: str

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip().split("\n", 1)[0]

    def edits(self, site: JavaSite) -> Iterator[JavaEdit]:
        for node in site.nodes:
            if node.type in self.on:
                for e in self.fn(site, node):
                    e.template, e.template_weight = self.name, self.weight
                    yield e


def wrap(snippet: str) -> str:
    """An example snippet as a whole file: statements go into a method of a class."""
    if "class " in snippet:
        return snippet
    body = "\n".join("        " + ln for ln in snippet.splitlines())
    return f"class Example {{\n    int run(int a, int b, int[] xs, String s, Object o) {{\n{body}\n    }}\n}}\n"


def apply_java_template(t: JavaTemplate, source: str, path: str = "Example.java") -> list[str]:
    """Every text one template makes of ``source`` (each line), rendered as the proposer
    does; how a template's before/after example is checked."""
    sites = java_sites(path, source)
    out: dict[str, None] = {}
    for line in range(1, source.count("\n") + 2):
        site = sites(line)
        if site is None:
            continue
        for e in t.edits(site):
            if (rendered := site.render(e)) is not None:
                out.setdefault(rendered, None)
    return list(out)


def java_template(
    name: str, *, weight: float, on: tuple[str, ...], example: tuple[str, str]
) -> Callable[[TemplateFn], JavaTemplate]:
    """Declares the decorated function as the Java fix template ``name``."""
    if not _NAME.match(name) or not 0 < weight <= 1 or not on:
        raise TemplateError(f"java template {name!r}: needs a dotted name, a weight, node types")
    before, after = (wrap(s) for s in example)
    if not (java_parses(before) and java_parses(after)) or before == after:
        raise TemplateError(f"java template {name!r}: its example does not parse")

    def deco(fn: TemplateFn) -> JavaTemplate:
        family = fn.__module__.rsplit(".", 1)[-1]
        return JavaTemplate(name, weight, tuple(on), example, fn, family)

    return deco
