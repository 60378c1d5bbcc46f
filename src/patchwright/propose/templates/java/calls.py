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
