"""What a template sees at one suspicious line, plus the prior-weight table and AST builders."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from patchwright.propose.pyedit import Renderer, Source, Splice
from patchwright.propose.scope import FuncDef, ModuleFacts, Scope

# Template weights (the prior of a candidate is location score x weight x affinity, where the
# affinity in [0, 1] ranks alternatives inside a template, e.g. '<' -> '<=' above '<' -> '==').
# Ordering follows what the literature finds most often in one-hunk fixes: operator, condition
# and literal mutations first (Pan et al. 2009 IF-CC / AS-CE; ManySStuBs4J and PySStuBs:
# change-binary-operator, change-identifier, change-numeric-literal, more/less specific if),
# identifier/argument mutations next (TBar FP "mutate variable", "mutate method invocation";
# ssFix / SimFix donor code), return and guard insertion (TBar "insert null/range checker",
# "mutate return statement"), and statement moves/deletions/insertions last (GenProg-style
# edits: rarely the fix, and the most numerous).
WEIGHTS: dict[str, float] = {
    # family: replace an operator
    "op.compare": 1.00,  # < <= > >= == != is in: IF-CC, "change binary operator"
    "op.binop": 0.90,  # + - * / // % ** & | ^ << >>
    "op.boolop": 0.85,  # and <-> or
    "op.augassign": 0.85,  # += -= ... (the operator of an augmented assignment)
    "op.unary": 0.70,  # drop 'not' / '-' / '~'
    "op.assign": 0.55,  # 'x += e' <-> 'x = e'
    # family: literals and off-by-one
    "lit.int": 0.85,  # integer literal +-1 (0 <-> 1)
    "lit.bool": 0.85,  # True <-> False
    "lit.container": 0.45,  # [] <-> [[]] (wrong data-structure constant)
    "off1.range": 0.75,  # range(...) argument +-1
    "off1.index": 0.70,  # a[i] -> a[i +- 1]
    "off1.slice": 0.60,  # a[i:j] bounds +-1
    "off1.len": 0.55,  # len(x) -> len(x) +- 1
    "off1.compare": 0.50,  # operand of a comparison +-1
    "off1.arg": 0.40,  # numeric call argument +-1
    "off1.value": 0.30,  # assigned / returned number +-1
    # family: conditions
    "cond.negate": 0.70,  # if c -> if not c (and back)
    "cond.drop": 0.70,  # drop one operand of and/or (less specific if)
    "cond.loop": 0.60,  # while True -> while <collection>
    "cond.expand": 0.45,  # add a conjunct / disjunct (more specific if)
    "cond.name": 0.30,  # condition replaced by a boolean name in scope
    # family: swaps
    "swap.args": 0.60,  # f(a, b) -> f(b, a)
    "swap.operands": 0.55,  # a - b -> b - a
    "swap.tuple": 0.50,  # a, b = x, y -> a, b = y, x
    "swap.slice": 0.35,  # a[i:] <-> a[:i]
    "swap.assign": 0.30,  # a = b -> b = a
    "swap.stmt": 0.30,  # move a statement up / down by one
    # family: identifiers
    "var.name": 0.70,  # wrong variable (same kind, in scope)
    "var.attr": 0.50,  # x.foo -> x.bar (attribute used in the same file)
    "var.method": 0.50,  # x.foo() -> x.bar()
    "var.func": 0.45,  # f(x) -> g(x) (function defined in the module)
    "var.self": 0.45,  # x <-> self.x
    "var.store": 0.35,  # assign to another local
    # family: builtin duals
    "builtin.dual": 0.65,  # any/all, min/max, append/extend, startswith/endswith, pop()/pop(0)
    "builtin.sorted": 0.50,  # sorted(x) <-> sorted(x, reverse=True)
    "builtin.inf": 0.50,  # float('inf') <-> float('-inf')
    "builtin.isinstance": 0.45,  # type(x) == T -> isinstance(x, T); isinstance(x, A) -> (x, B)
    "builtin.clamp": 0.40,  # s = s + x -> s = max(0, s + x)
    "builtin.reversed": 0.30,  # for x in xs -> for x in reversed(xs)
    # family: returned expression
    "ret.unwrap": 0.45,  # return [x] -> return x
    "ret.var": 0.40,  # return <expr> -> return <variable>
    "ret.wrap": 0.35,  # return x -> return [x]
    "ret.call": 0.35,  # return f(x) / yield f(x) -> x
    "ret.compare": 0.35,  # return True -> return depth == 0
    "ret.value": 0.35,  # bare return -> return <value returned elsewhere>
    "ret.missing": 0.35,  # f(x) as a statement -> return f(x) (missing return)
    # family: guards (inserted before the statement)
    "guard.empty": 0.45,  # if not xs: return ...
    "guard.none": 0.35,  # if x is None: return ...
    # family: statements
    "stmt.flow": 0.40,  # break <-> continue
    "stmt.delete": 0.30,
    "stmt.elif": 0.30,  # if <-> elif (independent vs exclusive branches)
    "stmt.increment": 0.25,  # missing i += 1 in a while loop
    "stmt.copy": 0.20,  # statement copied from the same function
    "stmt.assign": 0.20,  # missing update a = b / a = a.attr
    "stmt.call": 0.20,  # missing container.append(x)
}


@dataclass
class Mutation:
    """One proposed edit: an AST replacement (``target`` -> ``new``) or ready splices."""

    template: str
    affinity: float
    desc: str = ""
    target: ast.AST | None = None
    new: ast.AST | None = None
    splices: list[Splice] | None = None

    @property
    def weight(self) -> float:
        return WEIGHTS[self.template] * self.affinity


Parents = dict[int, tuple[ast.AST, str, int | None]]


@dataclass
class Site:
    """A suspicious line resolved to its statement, expressions and scope."""

    path: str
    line: int
    src: Source
    renderer: Renderer
    facts: ModuleFacts
    scope: Scope
    stmt: ast.stmt
    nodes: list[ast.expr]
    """Expression nodes owned by the statement on this line, in source order."""
    parents: Parents
    chain: list[FuncDef] = field(default_factory=list)
    indent_unit: str = "    "
    symbol: str = ""
    comprehension_names: set[str] = field(default_factory=set)

    @property
    def func(self) -> FuncDef | None:
        return self.chain[-1] if self.chain else None

    def parent(self, node: ast.AST) -> tuple[ast.AST | None, str, int | None]:
        return self.parents.get(id(node), (None, "", None))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        p = self.parent(node)[0]
        while p is not None:
            yield p
            p = self.parent(p)[0]

    def loop_span(self) -> tuple[int, int] | None:
        """Lines of the innermost loop around the statement (within its function)."""
        for anc in self.ancestors(self.stmt):
            if isinstance(anc, FuncDef | ast.ClassDef):
                return None
            if isinstance(anc, ast.For | ast.AsyncFor | ast.While):
                return anc.lineno, anc.end_lineno or anc.lineno
        return None

    def available(self, var: str) -> bool:
        """``var`` may be read at this statement without being unbound."""
        return self.scope.bound_before(var, self.stmt.lineno, self.loop_span())

    def text(self, node: ast.AST) -> str:
        return self.src.segment(node)

    def stmt_names(self) -> list[str]:
        return [n.id for n in self.nodes if isinstance(n, ast.Name)]


# ------------------------------------------------------------------------------ AST builders


def name(ident: str, store: bool = False) -> ast.Name:
    return ast.Name(id=ident, ctx=ast.Store() if store else ast.Load())


def const(value: int | float | bool | str | None) -> ast.expr:
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def plus(node: ast.expr, delta: int) -> ast.expr:
    op: ast.operator = ast.Add() if delta > 0 else ast.Sub()
    return ast.BinOp(left=node, op=op, right=ast.Constant(value=abs(delta)))


def call(func: str | ast.expr, *args: ast.expr, **kw: ast.expr) -> ast.Call:
    f = name(func) if isinstance(func, str) else func
    keywords = [ast.keyword(arg=k, value=v) for k, v in kw.items()]
    return ast.Call(func=f, args=list(args), keywords=keywords)


def negate(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return node.operand
    return ast.UnaryOp(op=ast.Not(), operand=node)


def is_int(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    )


def plus_const(node: ast.AST) -> bool:
    """``x + k`` / ``x - k`` with an integer literal k (its own literal template covers it)."""
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add | ast.Sub)
        and (is_int(node.right) or is_int(node.left))
    )


def names_in(node: ast.AST) -> list[str]:
    out: dict[str, None] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.setdefault(n.id, None)
    return list(out)
