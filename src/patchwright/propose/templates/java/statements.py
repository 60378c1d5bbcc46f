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


_MOVABLE = ("expression_statement", "local_variable_declaration", "if_statement")
_BLOCKS = ("if_statement", "for_statement", "enhanced_for_statement", "while_statement",
           "do_statement", "try_statement")  # fmt: skip


def _line_span(site: JavaSite, node: Node) -> tuple[int, int]:
    """The node's whole lines: from its line's start to past its newline."""
    start = node.start_byte - node.start_point[1]
    end = node.end_byte + (1 if site.src[node.end_byte : node.end_byte + 1] == b"\n" else 0)
    return start, end


def _moved(site: JavaSite, node: Node, anchor: Node, after: bool, affinity: float,
           desc: str) -> JavaEdit:  # fmt: skip
    """``node``'s lines cut and put before (or after) ``anchor``'s lines, re-indented."""
    start, end = _line_span(site, node)
    a_start, a_end = _line_span(site, anchor)
    lines = site.src[start:end].decode("utf-8", "replace")
    if not lines.endswith("\n"):
        lines += "\n"
    old, new = node.start_point[1], anchor.start_point[1]
    body = "".join(
        (" " * new + ln[old:] if ln[:old].strip() == "" else ln) + "\n"
        for ln in lines.splitlines()
    )  # fmt: skip
    at = a_end if after else a_start
    return JavaEdit(affinity, desc, [(start, end, ""), (at, at, body)])


@java_template("stmt.move_far", weight=0.25, on=_MOVABLE,
               example=("a = a + 1;\nif (a > b) {\n    b = a;\n}\nb = b * 2;\nreturn b;",
                        "if (a > b) {\n    b = a;\n}\nb = b * 2;\na = a + 1;\nreturn b;"))  # fmt: skip
def move_far(site: JavaSite, node: Node) -> Iterator[JavaEdit]:
    """Move the statement two or three places up or down its block, or out of the block
    it is in (before or after the enclosing if/loop) (TBar "move statement")."""
    parent = node.parent
    if parent is None or parent.type != "block":
        return
    stmts = [c for c in parent.named_children if c.type != "line_comment" and c.type != "block_comment"]
    if node not in stmts:
        return
    i = stmts.index(node)
    for step in (2, 3, -2, -3):
        j = i + step
        if not 0 <= j < len(stmts) or (step > 0 and "return" in stmts[j].type):
            continue
        if any(s.type in ("return_statement", "throw_statement") for s in stmts[min(i, j):max(i, j) + 1] if s != node):
            continue
        yield _moved(site, node, stmts[j], step > 0, 0.5 - 0.05 * abs(step), f"move {step:+d}")
    outer = parent.parent
    if outer is not None and outer.type in _BLOCKS and outer.parent is not None and (
        outer.parent.type == "block"
    ):
        yield _moved(site, node, outer, False, 0.5, "move before the enclosing statement")
        yield _moved(site, node, outer, True, 0.55, "move after the enclosing statement")
