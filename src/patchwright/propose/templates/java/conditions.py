"""Condition expression mutation, insertion and removal (TBar "mutate conditional
expression": remove a sub-condition, negate it, insert one; PraPR "negate conditional")."""

from __future__ import annotations

from collections.abc import Iterator

from patchwright.propose.templates.java.base import (
    JavaEdit,
    JavaSite,
    Node,
    java_template,
    splice,
    text_of,
)

_GUARDED = ("if_statement", "while_statement", "do_statement", "for_statement",
            "ternary_expression")  # fmt: skip


def _condition(node: Node) -> Node | None:
    cond = node.child_by_field_name("condition")
    if cond is not None and cond.type == "parenthesized_expression" and cond.named_children:
        return cond.named_children[0]
    return cond


@java_template("cond.remove", weight=0.55, on=("binary_expression",),
               example=("if (a > 0 && b > 0) {\n    return a;\n}",
                        "if (a > 0) {\n    return a;\n}"))  # fmt: skip
def remove(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Drop one side of ``&&`` / ``||``."""
    op = node.child_by_field_name("operator")
    if op is None or text_of(site, op) not in ("&&", "||"):
        return
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return
    yield splice(site, node, text_of(site, left), 0.8, "keep the left sub-condition")
    yield splice(site, node, text_of(site, right), 0.7, "keep the right sub-condition")


@java_template("cond.negate", weight=0.5, on=_GUARDED,
               example=("while (a > b) {\n    a--;\n}", "while (!(a > b)) {\n    a--;\n}"))  # fmt: skip
def negate(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Negate a statement's condition: ``c`` -> ``!(c)``."""
    cond = _condition(node)
    if cond is None:
        return
    old = text_of(site, cond)
    if cond.type == "unary_expression" and old.startswith("!"):
        inner = old[1:].strip()
        if inner.startswith("(") and inner.endswith(")"):
            inner = inner[1:-1]
        yield splice(site, cond, inner, 0.9, "drop the negation")
        return
    yield splice(site, cond, f"!({old})", 0.8, "negate the condition")


@java_template("cond.insert", weight=0.35, on=("if_statement", "while_statement"),
               example=("if (a > 0) {\n    return a;\n}",
                        "if (a > 0 && a != b) {\n    return a;\n}"))  # fmt: skip
def insert(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Strengthen or weaken a condition with a comparison of two same-typed names in scope
    (``c`` -> ``c && x != y`` / ``c || x == y``)."""
    cond = _condition(node)
    if cond is None:
        return
    old = text_of(site, cond)
    used = [n for n in site.types if n in old]
    for name in used[:2]:
        kind = site.types[name]
        for other, okind in site.types.items():
            if other == name or okind != kind or kind not in ("int", "long", "char"):
                continue
            yield splice(site, cond, f"{old} && {name} != {other}", 0.5, f"and {name} != {other}")
            yield splice(site, cond, f"{old} || {name} == {other}", 0.3, f"or {name} == {other}")


@java_template("cond.null_check", weight=0.45,
               on=("expression_statement", "return_statement", "local_variable_declaration"),
               example=("s.trim();", "if (s != null) {\n    s.trim();\n}"))  # fmt: skip
def null_check(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Guard a statement that dereferences a name by ``if (x != null)`` (TBar null-pointer
    checker)."""
    if node.type != "expression_statement":
        return
    deref = [c for c in _descendants(node) if c.type in ("method_invocation", "field_access")]
    for call in deref[:1]:
        obj = call.child_by_field_name("object")
        if obj is None or obj.type != "identifier":
            continue
        name = text_of(site, obj)
        kind = site.types.get(name, "")
        if not kind or kind[0].islower():
            continue  # primitives and unknown names
        indent = " " * node.start_point[1]
        body = text_of(site, node)
        new = f"if ({name} != null) {{\n{indent}    {body}\n{indent}}}"
        yield splice(site, node, new, 0.8, f"guard by {name} != null")


def _descendants(node: Node) -> Iterator[Node]:
    for child in node.named_children:
        yield child
        yield from _descendants(child)


@java_template("cond.range_check", weight=0.35, on=("expression_statement", "return_statement"),
               example=("return xs[a];", "if (a >= 0 && a < xs.length) {\n    return xs[a];\n}"))  # fmt: skip
def range_check(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Guard a statement that indexes an array by a bounds check on the index (TBar range
    checker)."""
    access = next((c for c in _descendants(node) if c.type == "array_access"), None)
    if access is None or node.parent is None or node.parent.type != "block":
        return
    array, index = access.child_by_field_name("array"), access.child_by_field_name("index")
    if array is None or index is None or array.type != "identifier":
        return
    a, i = text_of(site, array), text_of(site, index)
    indent = " " * node.start_point[1]
    guarded = f"if ({i} >= 0 && {i} < {a}.length) {{\n{indent}    {text_of(site, node)}\n{indent}}}"
    yield splice(site, node, guarded, 0.7, f"guard {a}[{i}] by a bounds check")


_COLLECTIONS = ("List", "ArrayList", "LinkedList", "Queue", "Deque", "ArrayDeque", "Set",
                "HashSet", "TreeSet", "Map", "HashMap", "TreeMap", "Stack", "Collection",
                "PriorityQueue", "Vector")  # fmt: skip
_PRIMITIVE = ("int", "long", "short", "byte", "char", "double", "float", "boolean")
MAX_ATOMS = 8


def _atoms(site: JavaSite) -> list[tuple[str, float]]:
    """Boolean atoms over what is in scope, as Nopol's condition synthesis builds them:
    a collection's emptiness, a name's or a nullary call's nullness."""
    found: dict[str, float] = {}
    for name, kind in site.types.items():
        base = kind.split("<", 1)[0]
        if base in _COLLECTIONS:
            found.setdefault(f"!{name}.isEmpty()", 0.9)
            found.setdefault(f"{name}.isEmpty()", 0.7)
    calls = []
    if site.method is not None:
        for node in _descendants(site.method):
            args = node.child_by_field_name("arguments") if node.type == "method_invocation" else None
            obj = node.child_by_field_name("object") if args is not None else None
            nullary = args is not None and not args.named_children
            if nullary and obj is not None and obj.type == "identifier" and (
                site.types.get(text_of(site, obj), "int") not in _PRIMITIVE
            ):
                calls.append(text_of(site, node))
    for expr in dict.fromkeys(calls):
        found.setdefault(f"{expr} == null", 0.8)
        found.setdefault(f"{expr} != null", 0.6)
    for name, kind in site.types.items():
        if kind not in _PRIMITIVE and kind.split("<", 1)[0] not in _COLLECTIONS:
            found.setdefault(f"{name} == null", 0.5)
    return sorted(found.items(), key=lambda kv: -kv[1])[:MAX_ATOMS]


_QUEUE = ("class A {\n    int f(List<Integer> q) {\n        int n = 0;\n        while (%s) {\n"
          "            n += q.remove(0);\n        }\n        return n;\n    }\n}\n")


@java_template("cond.synth", weight=0.3, on=("if_statement", "while_statement"),
               example=(_QUEUE % "true", _QUEUE % "!q.isEmpty()"))  # fmt: skip
def synth(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Replace a constant condition, or widen / narrow a condition, with an atom over what
    is in scope (``!q.isEmpty()``, ``x.next() == null``, ``x == null``) (Nopol-style
    condition synthesis; TBar "mutate conditional expression" by insertion)."""
    cond = _condition(node)
    if cond is None:
        return
    old = text_of(site, cond)
    for atom, affinity in _atoms(site):
        if atom in old:
            continue
        if cond.type in ("true", "false"):
            yield splice(site, cond, atom, affinity, f"condition {atom}")
            continue
        if atom.endswith("== null"):  # a null guard goes first: it short-circuits
            yield splice(site, cond, f"{atom} || {old}", 0.6 * affinity, f"{atom} || ...")
        yield splice(site, cond, f"{old} && {atom}", 0.4 * affinity, f"... && {atom}")
        yield splice(site, cond, f"{old} || {atom}", 0.3 * affinity, f"... || {atom}")
