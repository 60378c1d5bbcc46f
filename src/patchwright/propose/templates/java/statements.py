"""Statement deletion and movement (TBar "remove buggy statement", "move statement";
ManySStuBs4J "swap statements")."""

from __future__ import annotations

from collections.abc import Iterator

from patchwright.propose.templates.java.base import JavaEdit, JavaSite, Node, java_template

_SIMPLE = ("expression_statement", "local_variable_declaration", "return_statement",
           "break_statement", "continue_statement", "if_statement", "throw_statement")  # fmt: skip


@java_template("stmt.delete", weight=0.3,
               on=("expression_statement", "if_statement", "break_statement",
                   "continue_statement"),
               example=("a = a + 1;\nreturn a;", "return a;"))  # fmt: skip
def delete(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Delete the statement (with its line)."""
    if node.parent is None or node.parent.type != "block":
        return
    start = node.start_byte - node.start_point[1]
    end = node.end_byte
    if site.src[end : end + 1] == b"\n":
        end += 1
    yield JavaEdit(0.7, "delete the statement", [(start, end, "")])


@java_template("stmt.move", weight=0.3, on=_SIMPLE,
               example=("a = a + 1;\nb = a;\nreturn b;", "b = a;\na = a + 1;\nreturn b;"))  # fmt: skip
def move(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Swap the statement with the one before it, or the one after it."""
    parent = node.parent
    if parent is None or parent.type != "block":
        return
    for other, affinity in ((node.prev_named_sibling, 0.6), (node.next_named_sibling, 0.5)):
        if other is None or other.type not in _SIMPLE or "return" in other.type:
            continue
        a, b = sorted((node, other), key=lambda n: n.start_byte)
        ta = site.src[a.start_byte : a.end_byte].decode("utf-8", "replace")
        tb = site.src[b.start_byte : b.end_byte].decode("utf-8", "replace")
        yield JavaEdit(affinity, "swap two statements",
                       [(a.start_byte, a.end_byte, tb), (b.start_byte, b.end_byte, ta)])  # fmt: skip
