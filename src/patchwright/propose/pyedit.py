"""Span-based editing of Python source text.

Mutations are described at the AST level (a node and the new sub-tree that replaces it); this
module turns them into the smallest text splices that produce that tree, keeping every
untouched character as it is. Column offsets in the AST are UTF-8 byte offsets; every offset
used here is a character offset into the file text.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

try:  # ast.unparse's implementation and precedence table (moved out of ast in 3.14)
    import _ast_unparse as _unparse_module  # type: ignore[import-not-found]
except ImportError:
    _unparse_module = ast
P: Any = _unparse_module._Precedence
_Unparser: Any = getattr(_unparse_module, "_Unparser", None) or _unparse_module.Unparser


class EditError(ValueError):
    """A mutation that cannot be rendered as a text edit."""


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str


def apply_splices(text: str, splices: Iterable[Splice]) -> str:
    out: list[str] = []
    pos = 0
    for s in sorted(splices, key=lambda s: (s.start, s.end)):
        if s.start < pos:
            raise EditError("overlapping splices")
        out.append(text[pos : s.start])
        out.append(s.text)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split on '\\n' only (as the tokenizer counts them)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


class Source:
    """A file's text with line tables for AST-position to character-offset conversion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.lines = split_lines(text)
        self.starts: list[int] = []
        pos = 0
        for line in self.lines:
            self.starts.append(pos)
            pos += len(line)
        self._ascii = [line.isascii() for line in self.lines]

    @property
    def nlines(self) -> int:
        return len(self.lines)

    def line(self, lineno: int) -> str:
        """Text of line ``lineno`` (1-based) without its ending; '' outside the file."""
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1].rstrip("\r\n")
        return ""

    def offset(self, lineno: int, col: int) -> int:
        if lineno > len(self.lines):
            return len(self.text)
        line = self.lines[lineno - 1]
        if not self._ascii[lineno - 1]:
            col = len(line.encode("utf-8")[:col].decode("utf-8", "replace"))
        return self.starts[lineno - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        end_lineno = getattr(node, "end_lineno", None)
        if end_lineno is None or not hasattr(node, "lineno"):
            raise EditError(f"{type(node).__name__} has no position")
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def line_start(self, lineno: int) -> int:
        return self.starts[lineno - 1] if lineno <= len(self.lines) else len(self.text)

    def line_end(self, lineno: int) -> int:
        """Offset just after the ending of line ``lineno`` (start of the next line)."""
        return self.line_start(lineno + 1)

    def indent(self, lineno: int) -> str:
        line = self.line(lineno)
        return line[: len(line) - len(line.lstrip(" \t"))]

    def is_parenthesized(self, node: ast.AST) -> bool:
        """The node's text is directly enclosed in '(' ... ')' (grouping or call parens)."""
        start, end = self.span(node)
        before = self.text[:start].rstrip(" \t\r\n\\")
        after = self.text[end:].lstrip(" \t\r\n\\")
        return before.endswith("(") and after.startswith(")")

    def owns_lines(self, node: ast.AST) -> bool:
        """Only whitespace before the node on its first line, nothing but a comment after it."""
        start, end = self.span(node)
        first = node.lineno  # type: ignore[attr-defined]
        last = node.end_lineno  # type: ignore[attr-defined]
        if self.text[self.line_start(first) : start].strip():
            return False
        rest = self.text[end : self.line_end(last)].strip()
        return not rest or rest.startswith("#")


# --------------------------------------------------------------------------- precedence

_BINOP_PREC: dict[type[ast.operator], int] = {
    ast.BitOr: P.BOR,
    ast.BitXor: P.BXOR,
    ast.BitAnd: P.BAND,
    ast.LShift: P.SHIFT,
    ast.RShift: P.SHIFT,
    ast.Add: P.ARITH,
    ast.Sub: P.ARITH,
    ast.Mult: P.TERM,
    ast.MatMult: P.TERM,
    ast.Div: P.TERM,
    ast.FloorDiv: P.TERM,
    ast.Mod: P.TERM,
    ast.Pow: P.POWER,
}

OP_TEXT: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.MatMult: "@",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
    ast.Not: "not",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Invert: "~",
}


def precedence(node: ast.AST) -> int:
    """Binding strength of an expression as written by ``ast.unparse``."""
    if isinstance(node, ast.BinOp):
        return int(_BINOP_PREC[type(node.op)])
    if isinstance(node, ast.BoolOp):
        return int(P.AND if isinstance(node.op, ast.And) else P.OR)
    if isinstance(node, ast.UnaryOp):
        return int(P.NOT if isinstance(node.op, ast.Not) else P.FACTOR)
    if isinstance(node, ast.Compare):
        return int(P.CMP)
    if isinstance(node, ast.IfExp | ast.Lambda):
        return int(P.TEST)
    if isinstance(node, ast.Tuple):
        return int(P.TUPLE)
    if isinstance(node, ast.Yield | ast.YieldFrom):
        return int(P.YIELD)
    if isinstance(node, ast.NamedExpr):
        return int(P.NAMED_EXPR)
    if isinstance(node, ast.Await):
        return int(P.AWAIT)
    if isinstance(node, ast.Starred):
        return int(P.EXPR)
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
        and node.value < 0
    ):
        return int(P.FACTOR)
    return int(P.ATOM)


def slot_precedence(parent: ast.AST | None, field: str) -> int:
    """Least precedence an expression needs to sit unparenthesized in ``parent.field``."""
    if isinstance(parent, ast.BinOp):
        p = _BINOP_PREC[type(parent.op)]
        right_assoc = isinstance(parent.op, ast.Pow)
        if field == "left":
            return int(p) + (1 if right_assoc else 0)
        return int(p) + (0 if right_assoc else 1)
    if isinstance(parent, ast.UnaryOp):
        return int(P.NOT if isinstance(parent.op, ast.Not) else P.FACTOR)
    if isinstance(parent, ast.BoolOp):
        return precedence(parent) + 1
    if isinstance(parent, ast.Compare):
        return int(P.CMP) + 1
    if isinstance(parent, ast.Attribute | ast.Subscript | ast.Await) and field == "value":
        return int(P.ATOM)
    if isinstance(parent, ast.Call) and field == "func":
        return int(P.ATOM)
    if isinstance(parent, ast.IfExp) and field in ("test", "body"):
        return int(P.OR)
    if isinstance(parent, ast.comprehension) and field in ("iter", "ifs"):
        return int(P.OR)
    if isinstance(parent, ast.Starred):
        return int(P.EXPR)
    return int(P.TEST)


class _SourceUnparser(_Unparser):  # type: ignore[misc]
    """``ast.unparse`` that writes nodes of the original tree as their original text."""

    def __init__(self, src: Source, originals: set[int]) -> None:
        super().__init__()
        self._src = src
        self._orig = originals

    def traverse(self, node: ast.AST | list[ast.AST]) -> None:
        if not isinstance(node, list) and id(node) in self._orig and isinstance(node, ast.expr):
            text = self._src.segment(node)
            # multi-line text may have relied on brackets it no longer sits in
            if precedence(node) < self.get_precedence(node) or "\n" in text:
                text = f"({text})"
            self.write(text)
            return
        super().traverse(node)


class Renderer:
    """Renders new sub-trees built from original nodes, and minimal splices for mutations."""

    def __init__(self, src: Source, tree: ast.AST) -> None:
        self.src = src
        self.originals = {id(n) for n in ast.walk(tree)}

    def render(self, node: ast.AST, slot: int = int(P.TEST)) -> str:
        """Text of ``node`` (original sub-nodes as written), parenthesized below ``slot``."""
        if id(node) in self.originals:
            text = self.src.segment(node)
            if isinstance(node, ast.expr) and (precedence(node) < slot or "\n" in text):
                text = f"({text})"
            return text
        self._prepare(node)
        unparser = _SourceUnparser(self.src, self.originals)
        if isinstance(node, ast.expr):
            unparser.set_precedence(P(max(min(slot, int(P.ATOM)), 1)), node)
        return str(unparser.visit(node))

    def _prepare(self, node: ast.AST) -> None:
        """Give new statements the optional attributes ``ast.unparse`` reads."""
        todo = [node]
        while todo:
            n = todo.pop()
            if id(n) in self.originals:
                continue
            if isinstance(n, ast.stmt):
                if not hasattr(n, "lineno"):
                    n.lineno = 0
                if "type_comment" in n._fields and not hasattr(n, "type_comment"):
                    n.type_comment = None  # type: ignore[attr-defined]
            todo.extend(ast.iter_child_nodes(n))

    def replace(self, old: ast.AST, new: ast.AST, parent: ast.AST | None, field: str) -> Splice:
        start, end = self.src.span(old)
        slot = slot_precedence(parent, field)
        if self.src.is_parenthesized(old):
            slot = int(P.TEST)
        return Splice(start, end, self.render(new, slot))

    # ----------------------------------------------------------------- minimal diff

    def splices(
        self, old: ast.AST, new: ast.AST, parent: ast.AST | None, field: str
    ) -> list[Splice]:
        """Smallest splices turning the text of ``old`` into a text that parses as ``new``."""
        if new is old:
            return []
        if type(old) is not type(new) or not _same_shape(old, new):
            return [self.replace(old, new, parent, field)]
        if any(n is old for n in ast.walk(new)):  # new wraps old: render the wrapper
            return [self.replace(old, new, parent, field)]
        if (
            isinstance(old, ast.Attribute)
            and isinstance(new, ast.Attribute)
            and old.attr != new.attr
        ):
            inner = self.splices(old.value, new.value, old, "value")
            _, end = self.src.span(old)
            return [*inner, Splice(end - len(old.attr), end, new.attr)]
        out: list[Splice] = []
        for name in old._fields:
            a, b = getattr(old, name, None), getattr(new, name, None)
            if isinstance(a, list) and isinstance(b, list):
                pairs: list[tuple[int | None, tuple[Any, Any]]] = list(enumerate(zip(a, b)))
            else:
                pairs = [(None, (a, b))]
            for index, (x, y) in pairs:
                if not isinstance(x, ast.AST) or x is y or isinstance(x, ast.expr_context):
                    continue
                if isinstance(x, ast.operator | ast.cmpop | ast.boolop | ast.unaryop):
                    if type(x) is not type(y):
                        out.extend(self._op_splices(old, name, index, y, parent, field))
                    continue
                assert isinstance(y, ast.AST)
                out.extend(self.splices(x, y, old, name))
        return out

    def _op_splices(
        self,
        node: ast.AST,
        name: str,
        index: int | None,
        new_op: object,
        parent: ast.AST | None,
        field: str,
    ) -> list[Splice]:
        gaps: list[tuple[ast.AST, ast.AST]] = []
        if isinstance(node, ast.BinOp):
            gaps = [(node.left, node.right)]
        elif isinstance(node, ast.AugAssign):
            gaps = [(node.target, node.value)]
        elif isinstance(node, ast.Compare) and index is not None:
            operands = [node.left, *node.comparators]
            gaps = [(operands[index], operands[index + 1])]
        elif isinstance(node, ast.BoolOp):
            gaps = list(zip(node.values, node.values[1:]))
        if not gaps:
            new = old_with(node, name, index, new_op)
            return [self.replace(node, new, parent, field)]
        old_op: ast.AST = getattr(node, name) if index is None else getattr(node, name)[index]
        old_text = OP_TEXT[type(old_op)] + ("=" if isinstance(node, ast.AugAssign) else "")
        assert isinstance(new_op, ast.AST)
        new_text = OP_TEXT[type(new_op)] + ("=" if isinstance(node, ast.AugAssign) else "")
        out = []
        for left, right in gaps:
            lo, hi = self.src.span(left)[1], self.src.span(right)[0]
            gap = self.src.text[lo:hi]
            core = gap.strip(" \t\r\n\\()")
            if " ".join(core.split()) != old_text:
                raise EditError(f"operator token not found in {gap!r}")
            at = lo + gap.index(core)
            out.append(Splice(at, at + len(core), new_text))
        return out


_SKIP_FIELDS = ("ctx", "kind", "type_comment")


def _same_shape(old: ast.AST, new: ast.AST) -> bool:
    """Same scalar fields, same list lengths, AST children where ``old`` has them."""
    for name in old._fields:
        if name in _SKIP_FIELDS:
            continue
        a, b = getattr(old, name, None), getattr(new, name, None)
        if isinstance(a, list) or isinstance(b, list):
            if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
                return False
            items = list(zip(a, b))
        else:
            items = [(a, b)]
        for x, y in items:
            if isinstance(x, ast.AST) or isinstance(y, ast.AST):
                if not (isinstance(x, ast.AST) and isinstance(y, ast.AST)):
                    return False
            elif type(x) is not type(y) or x != y:
                return False
    return True


def old_with(node: ast.AST, name: str, index: int | None, value: object) -> ast.AST:
    """A shallow copy of ``node`` with one field (or one list item) replaced."""
    fields = {f: getattr(node, f, None) for f in node._fields}
    if index is None:
        fields[name] = value
    else:
        items = list(getattr(node, name))
        items[index] = value
        fields[name] = items
    copy = type(node)(**fields)
    return ast.copy_location(copy, node)


def reindent(lines: Sequence[str], indent: str) -> str:
    """Lines of a rendered statement placed at ``indent`` (each ending in a newline)."""
    return "".join(f"{indent}{line}\n" if line.strip() else "\n" for line in lines)
