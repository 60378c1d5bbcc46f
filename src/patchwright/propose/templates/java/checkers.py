"""Checker templates (TBar's "cast checker", "range checker" and "null pointer checker"
families, PAR's "null checker" and "range checker"): guard a statement that may throw, or
leave the method (or the loop's turn) early when the guard fails. ``cond.null_check`` and
``cond.range_check`` (wrap the statement in the guard) live in ``conditions``; these are
the other variants of the catalogues."""

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

_STMTS = ("expression_statement", "return_statement", "local_variable_declaration")
_LOOPS = ("for_statement", "enhanced_for_statement", "while_statement", "do_statement")
_NUMERIC = ("int", "long", "short", "byte", "char", "double", "float")
_LISTS = ("List", "ArrayList", "LinkedList", "Vector", "Stack")


def _descendants(node: Node) -> Iterator[Node]:
    for child in node.named_children:
        yield child
        yield from _descendants(child)


def _in_block(node: Node) -> bool:
    return node.parent is not None and node.parent.type == "block"


def _indent(node: Node) -> str:
    return " " * node.start_point[1]


def _default(site: JavaSite) -> str | None:
    """``return ...;`` with the method's type's default value (None: no method)."""
    if site.method is None:
        return None
    rtype = site.method.child_by_field_name("type")
    kind = text_of(site, rtype) if rtype is not None else "void"
    if kind == "void" or site.method.type == "constructor_declaration":
        return "return;"
    if kind == "boolean":
        return "return false;"
    if kind in _NUMERIC:
        return "return 0;"
    return "return null;"


def _in_loop(node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type not in ("method_declaration", "lambda_expression"):
        if parent.type in _LOOPS:
            return True
        parent = parent.parent
    return False


def _before(site: JavaSite, node: Node, cond: str, exits: list[tuple[str, float]], what: str):
    """Insert ``if (cond) { exit }`` before ``node``, one edit per exit."""
    indent = _indent(node)
    for exit_, affinity in exits:
        guard = f"if ({cond}) {{\n{indent}    {exit_}\n{indent}}}\n{indent}"
        yield JavaEdit(affinity, f"{what}: {exit_}", [(node.start_byte, node.start_byte, guard)])


def _exits(site: JavaSite, node: Node) -> list[tuple[str, float]]:
    found = []
    ret = _default(site)
    if ret is not None:
        found.append((ret, 0.7))
    if _in_loop(node):
        found.append(("continue;", 0.6))
        found.append(("break;", 0.4))
    return found


@java_template("check.null_exit", weight=0.4, on=_STMTS,
               example=("s.trim();\nreturn a;", "if (s == null) {\n    return 0;\n}\ns.trim();\nreturn a;"))  # fmt: skip
def null_exit(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Before a statement that dereferences a name: ``if (x == null) return <default>;``
    (or ``continue;`` / ``break;`` in a loop) (TBar null pointer checker, its exit
    variants)."""
    if not _in_block(node):
        return
    seen: set[str] = set()
    for call in _descendants(node):
        if call.type not in ("method_invocation", "field_access", "array_access"):
            continue
        obj = call.child_by_field_name("object" if call.type != "array_access" else "array")
        if obj is None or obj.type != "identifier":
            continue
        name = text_of(site, obj)
        kind = site.types.get(name, "")
        if name in seen or not kind or kind in _NUMERIC or kind == "boolean":
            continue
        seen.add(name)
        yield from _before(site, node, f"{name} == null", _exits(site, node), f"{name} null")


@java_template("check.cast", weight=0.35, on=("cast_expression",),
               example=("return ((String) o).length();",
                        "if (o instanceof String) {\n    return ((String) o).length();\n}"))  # fmt: skip
def cast(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Guard the statement holding ``(T) e`` by ``if (e instanceof T)``; in a declaration,
    ``(T) e`` -> ``e instanceof T ? (T) e : null`` (TBar cast checker)."""
    ctype, value = node.child_by_field_name("type"), node.child_by_field_name("value")
    if ctype is None or value is None:
        return
    kind, expr = text_of(site, ctype), text_of(site, value)
    if kind in _NUMERIC or kind == "boolean" or site.stmt is None:
        return  # a primitive cast cannot fail
    test = f"{expr} instanceof {kind}"
    if value.type not in ("identifier", "field_access", "parenthesized_expression"):
        test = f"({expr}) instanceof {kind}"
    stmt = site.stmt
    if stmt.type == "local_variable_declaration":
        yield splice(site, node, f"{test} ? ({kind}) {expr} : null", 0.6, f"cast only a {kind}")
        return
    if stmt.type in ("expression_statement", "return_statement") and _in_block(stmt):
        indent = _indent(stmt)
        body = text_of(site, stmt)
        guarded = f"if ({test}) {{\n{indent}    {body}\n{indent}}}"
        yield splice(site, stmt, guarded, 0.7, f"guard the cast by instanceof {kind}")
        for exit_, affinity in _exits(site, stmt):
            yield from _before(site, stmt, f"!({test})", [(exit_, affinity * 0.8)], "not a " + kind)


@java_template("check.range_exit", weight=0.35, on=("array_access", "method_invocation"),
               example=("return xs[a];", "if (a < 0 || a >= xs.length) {\n    return 0;\n}\nreturn xs[a];"))  # fmt: skip
def range_exit(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Before a statement reading ``xs[i]`` or ``list.get(i)``: leave when ``i`` is out of
    bounds (TBar range checker, the exit variant; the list form of the index guard)."""
    stmt = site.stmt
    if stmt is None or not _in_block(stmt):
        return
    if node.type == "array_access":
        array, index = node.child_by_field_name("array"), node.child_by_field_name("index")
        size = ".length"
    else:
        name = node.child_by_field_name("name")
        args = node.child_by_field_name("arguments")
        array = node.child_by_field_name("object")
        if name is None or args is None or text_of(site, name) not in ("get", "remove", "set"):
            return
        index = args.named_children[0] if args.named_children else None
        size = ".size()"
        if array is None or site.types.get(text_of(site, array), "").split("<")[0] not in _LISTS:
            return
    if array is None or index is None or array.type != "identifier":
        return
    a, i = text_of(site, array), text_of(site, index)
    if index.type == "decimal_integer_literal":
        cond = f"{a}{size} <= {i}"
    else:
        cond = f"{i} < 0 || {i} >= {a}{size}"
    yield from _before(site, stmt, cond, _exits(site, stmt), f"{a}[{i}] out of range")
    if size == ".size()" and stmt.type in ("expression_statement", "return_statement"):
        indent = _indent(stmt)
        guarded = f"if ({i} >= 0 && {i} < {a}{size}) {{\n{indent}    {text_of(site, stmt)}\n{indent}}}"
        yield splice(site, stmt, guarded, 0.6, f"guard {a}.get({i}) by a bounds check")
