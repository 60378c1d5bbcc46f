"""Method invocation mutation (TBar "mutate method invocation expression": name and
arguments; ManySStuBs4J "change called method", "swap arguments", "more/less
arguments")."""

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

DUALS: dict[str, list[str]] = {
    "min": ["max"], "max": ["min"], "floor": ["ceil"], "ceil": ["floor", "round"],
    "add": ["remove", "addFirst", "addLast"], "remove": ["add", "poll"],
    "addFirst": ["addLast"], "addLast": ["addFirst"], "pollFirst": ["pollLast"],
    "pollLast": ["pollFirst"], "peekFirst": ["peekLast"], "peekLast": ["peekFirst"],
    "removeFirst": ["removeLast"], "removeLast": ["removeFirst"], "push": ["add"],
    "pop": ["poll", "peek"], "poll": ["pop", "peek"], "peek": ["poll", "pop"],
    "get": ["remove"], "startsWith": ["endsWith"], "endsWith": ["startsWith"],
    "indexOf": ["lastIndexOf"], "lastIndexOf": ["indexOf"], "contains": ["containsKey"],
    "containsKey": ["containsValue", "contains"], "isEmpty": ["isBlank"], "abs": ["negateExact"],
    "toUpperCase": ["toLowerCase"], "toLowerCase": ["toUpperCase"], "size": ["length"],
    "length": ["size"], "substring": ["subSequence"], "equals": ["equalsIgnoreCase"],
}  # fmt: skip


@java_template("call.name", weight=0.4, on=("method_invocation",),
               example=("return Math.min(a, b);", "return Math.max(a, b);"))  # fmt: skip
def name(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Call the dual method (``min`` <-> ``max``, ``addFirst`` <-> ``addLast``...)."""
    ident = node.child_by_field_name("name")
    if ident is None:
        return
    old = text_of(site, ident)
    for i, new in enumerate(DUALS.get(old, [])):
        yield splice(site, ident, new, 1.0 - 0.2 * i, f"{old}() -> {new}()")


@java_template("call.args", weight=0.45, on=("argument_list",),
               example=("return Math.floorMod(a, b);", "return Math.floorMod(b, a);"))  # fmt: skip
def arguments(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Swap two arguments; drop the last one."""
    args = node.named_children
    for i in range(len(args)):
        for j in range(i + 1, len(args)):
            a, b = args[i], args[j]
            ta, tb = text_of(site, a), text_of(site, b)
            if ta == tb:
                continue
            yield JavaEdit(0.8 if j == i + 1 else 0.5, f"swap arguments {i + 1} and {j + 1}",
                           [(a.start_byte, a.end_byte, tb), (b.start_byte, b.end_byte, ta)])  # fmt: skip
    if len(args) >= 2:
        last, before = args[-1], args[-2]
        yield JavaEdit(0.3, "drop the last argument", [(before.end_byte, last.end_byte, "")])
    for arg in args:
        if arg.type == "identifier" and site.types.get(text_of(site, arg)) == "int":
            for sign in ("+", "-"):
                old = text_of(site, arg)
                yield splice(site, arg, f"{old} {sign} 1", 0.35, f"{old} -> {old} {sign} 1")


def _class_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in ("class_declaration", "enum_declaration"):
        parent = parent.parent
    return parent


@java_template("call.sibling", weight=0.35, on=("method_invocation",),
               example=("class A {\n    int lo(int x) { return x; }\n    int hi(int x) { return x + 1; }\n"
                        "    int f(int a) { return lo(a); }\n}\n",
                        "class A {\n    int lo(int x) { return x; }\n    int hi(int x) { return x + 1; }\n"
                        "    int f(int a) { return hi(a); }\n}\n"))  # fmt: skip
def sibling(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Call another method of the receiver's class with as many parameters (and the same
    return type when the called one is declared there): unqualified or on ``this`` (the
    enclosing class), or on a name whose declared type is a class of the project (TBar
    "mutate method invocation", PraPR "method name replacement")."""
    ident, args = node.child_by_field_name("name"), node.child_by_field_name("arguments")
    if ident is None or args is None:
        return
    obj = node.child_by_field_name("object")
    if obj is None or obj.type == "this":
        cls = _class_of(node)
        cname = cls.child_by_field_name("name") if cls is not None else None
        owner = text_of(site, cname) if cname is not None else ""
    elif obj.type == "identifier":
        owner = site.types.get(text_of(site, obj), "").split("<", 1)[0].rsplit(".", 1)[-1]
    else:
        return
    methods = site.classes.get(owner, [])
    old, count = text_of(site, ident), len(args.named_children)
    rtypes = {r for n, c, r in methods if n == old and c == count}
    if not rtypes:
        return  # not a method of that class (inherited, or another overload)
    seen = {old}
    for name, c, rtype in methods:
        if name in seen or c != count or rtype not in rtypes:
            continue
        seen.add(name)
        yield splice(site, ident, name, 0.7, f"{old}() -> {name}()")


def _guarding_comparisons(site: JavaSite, node: Node, name: str) -> list[str]:
    """Numbers compared with ``name`` in the conditions of the ifs around ``node``."""
    found: list[str] = []
    parent = node.parent
    while parent is not None and parent != site.method:
        if parent.type == "if_statement" and (cond := parent.child_by_field_name("condition")):
            stack = [cond]
            while stack:
                n = stack.pop()
                stack.extend(n.named_children)
                if n.type != "binary_expression" or len(n.named_children) != 2:
                    continue
                a, b = (text_of(site, c) for c in n.named_children)
                for mine, other in ((a, b), (b, a)):
                    if mine == name and other not in (name, *found) and site.types.get(other) == "int":
                        found.append(other)
        parent = parent.parent
    return found


@java_template("call.offset", weight=0.4, on=("argument_list",),
               example=("if (a >= b) {\n    return run(a, b, xs, s, o);\n}\nreturn a;",
                        "if (a >= b) {\n    return run(a - b, b, xs, s, o);\n}\nreturn a;"))  # fmt: skip
def offset(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """``f(k)`` -> ``f(k - n)`` / ``f(k + n)`` where a condition of an enclosing ``if``
    compares the int ``k`` with the int ``n``: an argument not re-based to the branch it is
    passed into (ManySStuBs4J "change operand", PAR "parameter replacer")."""
    made = 0
    for arg in node.named_children:
        if arg.type != "identifier" or site.types.get(text_of(site, arg)) != "int":
            continue
        old = text_of(site, arg)
        for other in _guarding_comparisons(site, node, old)[:2]:
            for sign, affinity in (("-", 1.0), ("+", 0.8)):
                yield splice(site, arg, f"{old} {sign} {other}", affinity * (1.0 - 0.2 * made),
                             f"{old} -> {old} {sign} {other}")  # fmt: skip
            made += 1
