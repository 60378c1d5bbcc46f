"""Statement insertion (TBar "insert missing statement", PAR "expression adder", ssFix and
the plastic-surgery hypothesis: the missing code is often made of what the method already
says; Pan et al.'s "missing update" and "missing method call" fix patterns): a statement of
the method copied next to the suspicious one, a collection that is tested but never filled
gets its ``add``, a loop-carried variable gets its missing update."""

from __future__ import annotations

from collections.abc import Iterator

from patchwright.propose.templates.java.base import (
    JavaEdit,
    JavaSite,
    Node,
    java_template,
    text_of,
)

_SITES = ("expression_statement", "local_variable_declaration", "if_statement",
          "for_statement", "enhanced_for_statement", "while_statement", "return_statement",
          "throw_statement", "break_statement", "continue_statement")  # fmt: skip
_JUMPS = ("return_statement", "throw_statement", "break_statement", "continue_statement")
_LOOPS = ("for_statement", "enhanced_for_statement", "while_statement", "do_statement")
_FILLED = {"Set": "add", "HashSet": "add", "TreeSet": "add", "LinkedHashSet": "add",
           "List": "add", "ArrayList": "add", "LinkedList": "add", "Collection": "add",
           "Queue": "add", "Deque": "add", "ArrayDeque": "add", "Stack": "push",
           "PriorityQueue": "add"}  # fmt: skip
_MAX_COLLECT = 4
_MAX_CARRY = 3


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.named_children:
        yield from _walk(child)


def _newline(site: JavaSite) -> str:
    return "\r\n" if b"\r\n" in site.src else "\n"


def _own(site: JavaSite, node: Node) -> bool:
    """The statement to insert next to: the innermost one starting on the line, in a block,
    alone on its lines (nothing but blanks before it, nothing but a comment after it)."""
    if node != site.stmt or node.parent is None or node.parent.type != "block":
        return False
    start = node.start_byte - node.start_point[1]
    if site.src[start : node.start_byte].strip():
        return False
    end = site.src.find(b"\n", node.end_byte)
    rest = site.src[node.end_byte : end if end >= 0 else len(site.src)].strip()
    return not rest or rest.startswith(b"//")


def _insert(site: JavaSite, node: Node, code: str, after: bool) -> tuple[int, int, str]:
    """A splice putting ``code`` on a line of its own before or after ``node``'s lines."""
    indent = site.src[node.start_byte - node.start_point[1] : node.start_byte].decode()
    nl = _newline(site)
    if after:
        end = site.src.find(b"\n", node.end_byte)
        at = end + 1 if end >= 0 else len(site.src)
    else:
        at = node.start_byte - node.start_point[1]
    return (at, at, f"{indent}{code}{nl}")


def _names(site: JavaSite, node: Node) -> set[str]:
    return {text_of(site, n) for n in _walk(node) if n.type == "identifier"}


def _insertions(site: JavaSite, node: Node, code: str, affinity: float) -> Iterator[JavaEdit]:
    """``code`` after the statement (before it, for a jump), and before it at less."""
    if node.type not in _JUMPS:
        yield JavaEdit(affinity, f"insert '{code}' after line {site.line}",
                       [_insert(site, node, code, after=True)])  # fmt: skip
    yield JavaEdit(affinity * 0.8, f"insert '{code}' before line {site.line}",
                   [_insert(site, node, code, after=False)])  # fmt: skip


def _block_texts(site: JavaSite, node: Node) -> set[str]:
    return {text_of(site, c).strip() for c in node.parent.named_children} if node.parent else set()


@java_template("stmt.copy", weight=0.2, on=_SITES,
               example=("a = a + b;\nb = b * 2;\nreturn a;",
                        "a = a + b;\nb = b * 2;\na = a + b;\nreturn a;"))  # fmt: skip
def copy(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """A one-line expression statement of the same method that shares names with the
    statement, inserted after (or before) it: the two most alike."""
    if site.method is None or not _own(site, node):
        return
    mine = _names(site, node)
    own = text_of(site, node).strip()
    donors: dict[str, tuple[float, int]] = {}
    for other in _walk(site.method):
        if other.type != "expression_statement" or other == node:
            continue
        if other.start_point[0] != other.end_point[0]:
            continue
        code = text_of(site, other).strip()
        theirs = _names(site, other)
        shared = mine & theirs
        if not shared or code == own or code in donors:
            continue
        score = len(shared) / len(mine | theirs)
        donors[code] = (score, -abs(other.start_point[0] + 1 - site.line))
    ranked = sorted(donors, key=lambda c: donors[c], reverse=True)[:2]
    for rank, code in enumerate(ranked):
        yield from _insertions(site, node, code, 1.0 - 0.2 * rank)


def _base_type(kind: str) -> str:
    return kind.split("<", 1)[0].rsplit(".", 1)[-1].strip()


def _element_type(kind: str) -> str:
    if "<" not in kind or not kind.endswith(">"):
        return ""
    return kind[kind.index("<") + 1 : -1].strip()


def _calls_on(site: JavaSite, scope: Node, receiver: str, methods: tuple[str, ...]) -> list[Node]:
    """The argument nodes of ``receiver.m(x)`` calls in ``scope`` (one argument, m in methods)."""
    found = []
    for n in _walk(scope):
        if n.type != "method_invocation":
            continue
        obj, name, args = (n.child_by_field_name(f) for f in ("object", "name", "arguments"))
        if obj is None or name is None or args is None or obj.type != "identifier":
            continue
        named = text_of(site, obj) == receiver and text_of(site, name) in methods
        if named and len(args.named_children) == 1:
            found.append(args.named_children[0])
    return found


def _enclosing_loop_vars(site: JavaSite, node: Node) -> list[str]:
    names, parent = [], node.parent
    while parent is not None and parent != site.method:
        if parent.type == "enhanced_for_statement" and (n := parent.child_by_field_name("name")):
            names.append(text_of(site, n))
        parent = parent.parent
    return names


_FILL_CALLS = ("add", "push", "addFirst", "addLast", "offer", "offerFirst", "offerLast")
_DRAIN_CALLS = ("pop", "poll", "peek", "getLast", "getFirst", "peekFirst", "peekLast",
                "pollFirst", "pollLast", "removeFirst", "removeLast", "element")  # fmt: skip


def _declared_before(site: JavaSite, node: Node) -> list[str]:
    """Locals declared earlier in the blocks around ``node`` (nearest first)."""
    names: list[str] = []
    child, parent = node, node.parent
    while parent is not None and parent != site.method:
        if parent.type == "block":
            for stmt in parent.named_children:
                if stmt.start_byte >= child.start_byte:
                    break
                if stmt.type == "local_variable_declaration":
                    names[:0] = [text_of(site, d.child_by_field_name("name"))
                                 for d in stmt.named_children if d.type == "variable_declarator"]  # fmt: skip
        child, parent = parent, parent.parent
    return names


def _is_container(kind: str) -> bool:
    return _base_type(kind) in _FILLED or _base_type(kind).endswith("Map") or kind.endswith("]")


@java_template("stmt.collect", weight=0.3, on=_SITES,
               example=("class A {\n    boolean f(java.util.List<Integer> xs) {\n"
                        "        java.util.Set<Integer> seen = new java.util.HashSet<>();\n"
                        "        for (Integer x : xs) {\n            if (seen.contains(x)) {\n"
                        "                return true;\n            }\n        }\n"
                        "        return false;\n    }\n}\n",
                        "class A {\n    boolean f(java.util.List<Integer> xs) {\n"
                        "        java.util.Set<Integer> seen = new java.util.HashSet<>();\n"
                        "        for (Integer x : xs) {\n            if (seen.contains(x)) {\n"
                        "                return true;\n            }\n            seen.add(x);\n"
                        "        }\n        return false;\n    }\n}\n"))  # fmt: skip
def collect(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """``coll.add(x);`` (or ``push``, as the method fills it elsewhere) after (or before) the
    statement, where the method tests the collection's membership, fills it elsewhere, or
    only ever takes from it, for an ``x`` of its element type (any type for a raw one): the
    element it tests first, then the loop's variables, the locals just declared, the rest
    (a visited set never filled, a stack only popped, a result missing an element)."""
    if site.method is None or not _own(site, node):
        return
    present = _block_texts(site, node)
    loop_vars = _enclosing_loop_vars(site, node)
    declared = _declared_before(site, node)
    out: dict[str, float] = {}
    for coll, kind in site.types.items():
        default = _FILLED.get(_base_type(kind))
        if default is None:
            continue
        tested = _calls_on(site, site.method, coll, ("contains",))
        fills = [a.parent.parent for a in _calls_on(site, site.method, coll, _FILL_CALLS)]
        drained = any(
            n.type == "method_invocation" and (o := n.child_by_field_name("object")) is not None
            and text_of(site, o) == coll and (m := n.child_by_field_name("name")) is not None
            and text_of(site, m) in _DRAIN_CALLS
            for n in _walk(site.method)
        )  # fmt: skip
        if not tested and not fills and not drained:
            continue
        if fills:
            method = text_of(site, fills[0].child_by_field_name("name"))
        else:  # a stack that is popped is pushed onto
            method = "push" if drained and default == "add" and "Deque" in kind else default
        scale = 0.7 if fills else 1.0  # one never filled is the likelier culprit
        elem = _element_type(kind)

        def fits(v: str, elem: str = elem) -> bool:
            t = site.types.get(v, "")
            return t == elem if elem else bool(t) and not _is_container(t)

        options: list[tuple[str, float]] = [(text_of(site, a), 1.0) for a in tested]
        options += [(v, 0.9) for v in loop_vars if fits(v)]
        options += [(v, 0.75) for v in declared if fits(v)]
        options += [(v, 0.6) for v in site.types if elem and fits(v)]
        for value, affinity in options:
            code = f"{coll}.{method}({value});"
            if value == coll or code in present or out.get(code, 0.0) >= affinity * scale:
                continue
            out[code] = affinity * scale
    for code, affinity in sorted(out.items(), key=lambda kv: -kv[1])[:_MAX_COLLECT]:
        yield from _insertions(site, node, code, affinity)


def _loop_of(site: JavaSite, node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent != site.method:
        if parent.type in _LOOPS:
            return parent
        parent = parent.parent
    return None


def _assigned(site: JavaSite, scope: Node) -> set[str]:
    """Names a scope assigns, updates or declares."""
    out = set()
    for n in _walk(scope):
        if n.type == "assignment_expression" and (left := n.child_by_field_name("left")):
            out.add(text_of(site, left))
        elif n.type == "update_expression":
            out |= {text_of(site, c) for c in n.named_children if c.type == "identifier"}
        elif n.type in ("variable_declarator", "enhanced_for_statement") and (
            name := n.child_by_field_name("name")
        ):
            out.add(text_of(site, name))
    return out


@java_template("stmt.carry", weight=0.3, on=_SITES,
               example=("class N {\n    N next;\n    N last;\n    N f(N x) {\n        N prev = null;\n"
                        "        while (x != null) {\n            x.last = prev;\n            x = x.next;\n"
                        "        }\n        return prev;\n    }\n}\n",
                        "class N {\n    N next;\n    N last;\n    N f(N x) {\n        N prev = null;\n"
                        "        while (x != null) {\n            x.last = prev;\n            prev = x;\n"
                        "            x = x.next;\n        }\n        return prev;\n    }\n}\n"))  # fmt: skip
def carry(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """``a = b;`` inside a loop, after (or before) the statement, where the local ``a`` is
    declared before the loop and read in it but never updated there, and ``b`` is a
    variable of its type that the loop updates (a loop-carried value left stale)."""
    if site.method is None or node.type in _LOOPS or not _own(site, node):
        return
    loop = _loop_of(site, node)
    if loop is None:
        return
    inside = _assigned(site, loop)
    read = _names(site, loop)
    before = _assigned(site, site.method) - inside
    receivers = {text_of(site, n.child_by_field_name("object")) for n in _walk(loop)
                 if n.type == "method_invocation" and n.child_by_field_name("object") is not None}  # fmt: skip
    carried = [a for a in site.types if a in before and a in read and a not in receivers]
    made = 0
    for a in carried[:2]:
        for b in sorted(inside):
            if b == a or made >= _MAX_CARRY or site.types.get(b) != site.types[a]:
                continue
            made += 1
            yield from _insertions(site, node, f"{a} = {b};", 1.0 - 0.15 * (made - 1))
