"""Expression-level fix templates: operators, literals, off-by-one, identifiers, builtin duals.

Each template yields :class:`Mutation` objects that replace one node of the suspicious
statement by a new sub-tree built around the original nodes (rendered minimally later).
Weights live in :data:`patchwright.propose.site.WEIGHTS`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.identifiers import attribute_mutations, name_mutations
from patchwright.propose.scope import COLL, NUM, STR, expr_kind
from patchwright.propose.site import (
    Mutation,
    Site,
    call,
    const,
    is_int,
    name,
    plus,
    plus_const,
)

Op = type[ast.AST]

# Alternatives for each operator with their affinity (semantic closeness).
COMPARE_ALTS: dict[Op, list[tuple[Op, float]]] = {
    ast.Lt: [(ast.LtE, 1.0), (ast.Gt, 0.55), (ast.GtE, 0.5), (ast.NotEq, 0.4), (ast.Eq, 0.3)],
    ast.LtE: [(ast.Lt, 1.0), (ast.GtE, 0.55), (ast.Gt, 0.5), (ast.Eq, 0.4), (ast.NotEq, 0.3)],
    ast.Gt: [(ast.GtE, 1.0), (ast.Lt, 0.55), (ast.LtE, 0.5), (ast.NotEq, 0.4), (ast.Eq, 0.3)],
    ast.GtE: [(ast.Gt, 1.0), (ast.LtE, 0.55), (ast.Lt, 0.5), (ast.Eq, 0.4), (ast.NotEq, 0.3)],
    ast.Eq: [(ast.NotEq, 0.9), (ast.LtE, 0.45), (ast.GtE, 0.45), (ast.Lt, 0.35), (ast.Gt, 0.35)],
    ast.NotEq: [(ast.Eq, 0.9), (ast.Lt, 0.45), (ast.Gt, 0.45), (ast.LtE, 0.3), (ast.GtE, 0.3)],
    ast.Is: [(ast.IsNot, 1.0), (ast.Eq, 0.4)],
    ast.IsNot: [(ast.Is, 1.0), (ast.NotEq, 0.4)],
    ast.In: [(ast.NotIn, 1.0)],
    ast.NotIn: [(ast.In, 1.0)],
}
BINOP_ALTS: dict[Op, list[tuple[Op, float]]] = {
    ast.Add: [(ast.Sub, 1.0), (ast.Mult, 0.4)],
    ast.Sub: [(ast.Add, 1.0), (ast.Mult, 0.3)],
    ast.Mult: [(ast.FloorDiv, 0.6), (ast.Div, 0.6), (ast.Add, 0.5), (ast.Pow, 0.4)],
    ast.Div: [(ast.FloorDiv, 1.0), (ast.Mult, 0.5)],
    ast.FloorDiv: [(ast.Div, 0.9), (ast.Mod, 0.5), (ast.Mult, 0.4)],
    ast.Mod: [(ast.FloorDiv, 0.6), (ast.Div, 0.4)],
    ast.Pow: [(ast.Mult, 0.6)],
    ast.BitAnd: [(ast.BitOr, 0.9), (ast.BitXor, 0.6)],
    ast.BitOr: [(ast.BitAnd, 0.9), (ast.BitXor, 0.6)],
    ast.BitXor: [(ast.BitAnd, 0.7), (ast.BitOr, 0.6)],
    ast.LShift: [(ast.RShift, 0.9)],
    ast.RShift: [(ast.LShift, 0.9)],
}
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift)
FUNC_DUALS = {"any": "all", "all": "any", "min": "max", "max": "min"}
TYPE_DUALS = {"list": "tuple", "tuple": "list", "int": "float", "float": "int", "str": "bytes"}
NO_OFF1_CALLS = {
    "print", "len", "str", "repr", "isinstance", "issubclass", "type", "range", "bool", "list",
    "set", "dict", "tuple", "sorted", "reversed", "enumerate", "zip", "map", "filter", "iter",
    "next", "hasattr", "getattr", "setattr", "format", "id", "hash", "open", "super",
}  # fmt: skip


def _cmpop(cls: Op) -> ast.cmpop:
    op = cls()
    assert isinstance(op, ast.cmpop)
    return op


def _binop(cls: Op) -> ast.operator:
    op = cls()
    assert isinstance(op, ast.operator)
    return op


def expression_mutations(site: Site) -> Iterator[Mutation]:
    for node in site.nodes:
        if isinstance(node, ast.Compare):
            yield from _compare(site, node)
        elif isinstance(node, ast.BinOp):
            yield from _binop_mutations(site, node)
        elif isinstance(node, ast.BoolOp):
            yield from _boolop(node)
        elif isinstance(node, ast.UnaryOp):
            yield from _unary(site, node)
        elif isinstance(node, ast.Constant):
            yield from _constant(site, node)
        elif isinstance(node, ast.Name):
            yield from name_mutations(site, node)
        elif isinstance(node, ast.Attribute):
            yield from attribute_mutations(site, node)
        elif isinstance(node, ast.Subscript):
            yield from _subscript(site, node)
        elif isinstance(node, ast.Call):
            yield from _call(site, node)
        elif isinstance(node, ast.List):
            yield from _list(node)
    stmt = site.stmt
    if isinstance(stmt, ast.AugAssign):
        yield from _augassign(site, stmt)
    elif isinstance(stmt, ast.Assign):
        yield from _assign(site, stmt)


# ------------------------------------------------------------------------------ operators


def _compare(site: Site, node: ast.Compare) -> Iterator[Mutation]:
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        right = operands[i + 1]
        alts = list(COMPARE_ALTS.get(type(op), []))
        if (
            isinstance(op, ast.Eq | ast.NotEq)
            and isinstance(right, ast.Constant)
            and (right.value is None or isinstance(right.value, bool))
        ):
            alts.insert(1, (ast.Is if isinstance(op, ast.Eq) else ast.IsNot, 0.6))
        for alt, aff in alts:
            ops = list(node.ops)
            ops[i] = _cmpop(alt)
            new = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
            yield Mutation("op.compare", aff, target=node, new=new)
    if len(node.ops) == 1:
        left, right = node.left, node.comparators[0]
        if isinstance(node.ops[0], ast.In | ast.NotIn):
            new = ast.Compare(left=right, ops=node.ops, comparators=[left])
            yield Mutation("swap.operands", 0.5, target=node, new=new)
        elif isinstance(node.ops[0], ast.Lt | ast.LtE | ast.Gt | ast.GtE | ast.Eq | ast.NotEq):
            for side, other in (("left", right), ("right", left)):
                operand = left if side == "left" else right
                kind = expr_kind(operand, site.scope.kinds)
                if kind not in ("", NUM) or isinstance(operand, ast.Constant):
                    continue
                if plus_const(operand) or expr_kind(other, site.scope.kinds) in (STR, COLL):
                    continue
                aff = 1.0 if kind == NUM else 0.7
                for delta in (1, -1):
                    if side == "left":
                        new = ast.Compare(left=plus(left, delta), ops=node.ops, comparators=[right])
                    else:
                        new = ast.Compare(left=left, ops=node.ops, comparators=[plus(right, delta)])
                    yield Mutation("off1.compare", aff, target=node, new=new)
        if _is_type_call(node.left) and isinstance(node.ops[0], ast.Eq | ast.Is):
            arg = node.left.args[0]  # type: ignore[attr-defined]
            yield Mutation(
                "builtin.isinstance", 1.0, target=node, new=call("isinstance", arg, right)
            )


def _is_type_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "type"
        and len(node.args) == 1
    )


def _binop_mutations(site: Site, node: ast.BinOp) -> Iterator[Mutation]:
    kinds = {expr_kind(node.left, site.scope.kinds), expr_kind(node.right, site.scope.kinds)}
    textual = bool(kinds & {STR, COLL})
    for alt, aff in BINOP_ALTS.get(type(node.op), []):
        if textual and isinstance(node.op, ast.Add):
            continue
        new = ast.BinOp(left=node.left, op=_binop(alt), right=node.right)
        yield Mutation("op.binop", aff, target=node, new=new)
    swappable = isinstance(node.op, NON_COMMUTATIVE) or (isinstance(node.op, ast.Add) and textual)
    if swappable and not (
        isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant)
    ):
        new = ast.BinOp(left=node.right, op=node.op, right=node.left)
        yield Mutation("swap.operands", 1.0, target=node, new=new)


def _boolop(node: ast.BoolOp) -> Iterator[Mutation]:
    other: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    yield Mutation("op.boolop", 1.0, target=node, new=ast.BoolOp(op=other, values=node.values))
    for i in range(len(node.values)):
        rest = node.values[:i] + node.values[i + 1 :]
        new = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
        yield Mutation("cond.drop", 1.0 - 0.05 * i, target=node, new=new)


def _unary(site: Site, node: ast.UnaryOp) -> Iterator[Mutation]:
    parent = site.parent(node)[0]
    if isinstance(node.op, ast.Not):
        is_test = isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert)
        yield Mutation("cond.negate" if is_test else "op.unary", 1.0, target=node, new=node.operand)
    elif isinstance(node.op, ast.USub | ast.Invert):
        yield Mutation("op.unary", 0.8, target=node, new=node.operand)


def _augassign(site: Site, stmt: ast.AugAssign) -> Iterator[Mutation]:
    for alt, aff in BINOP_ALTS.get(type(stmt.op), []):
        aug = ast.AugAssign(target=stmt.target, op=_binop(alt), value=stmt.value)
        yield Mutation("op.augassign", aff, target=stmt, new=aug)
    yield Mutation(
        "op.assign", 1.0, target=stmt, new=ast.Assign(targets=[stmt.target], value=stmt.value)
    )
    tid = _tid(stmt.target)
    if (
        isinstance(stmt.op, ast.Add | ast.Sub)
        and site.scope.kind(tid) == NUM
        and not isinstance(stmt.value, ast.Constant)
    ):
        value = ast.BinOp(left=name(tid), op=stmt.op, right=stmt.value)
        for fn, aff in (("max", 1.0), ("min", 0.6)):
            clamp = ast.Assign(targets=[stmt.target], value=call(fn, ast.Constant(0), value))
            yield Mutation("builtin.clamp", aff * 0.9, target=stmt, new=clamp)


def _tid(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _assign(site: Site, stmt: ast.Assign) -> Iterator[Mutation]:
    kinds = site.scope.kinds
    target = stmt.targets[0] if len(stmt.targets) == 1 else None
    tid = _tid(target) if target is not None else ""
    value = stmt.value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        for i in range(min(len(value.elts) - 1, 2)):
            elts = list(value.elts)
            elts[i], elts[i + 1] = elts[i + 1], elts[i]
            yield Mutation(
                "swap.tuple", 1.0, target=value, new=ast.Tuple(elts=elts, ctx=ast.Load())
            )
    if not tid:
        return
    kind = site.scope.kind(tid)
    bound_before = site.available(tid) and not isinstance(value, ast.Constant)
    if isinstance(value, ast.Name) and value.id != tid:
        swapped = ast.Assign(targets=[name(value.id, store=True)], value=name(tid))
        yield Mutation("swap.assign", 1.0, target=stmt, new=swapped)
    if bound_before and kind in (NUM, COLL, STR) and tid in names_loaded(site):
        ops: list[tuple[ast.operator, float]] = [(ast.Add(), 1.0), (ast.Sub(), 0.7)]
        for op, aff in ops:
            if kind == NUM or isinstance(op, ast.Add):
                new = ast.AugAssign(target=name(tid, store=True), op=op, value=value)
                yield Mutation("op.assign", 0.7 * aff, target=stmt, new=new)
    if expr_kind(value, kinds) == NUM and not isinstance(value, ast.Constant):
        if not plus_const(value):
            for delta in (1, -1):
                yield Mutation("off1.value", 1.0, target=value, new=plus(value, delta))
        if kind == NUM and any(isinstance(n, ast.Name) and n.id == tid for n in ast.walk(value)):
            for fn, aff in (("max", 1.0), ("min", 0.6)):
                new_value = call(fn, ast.Constant(0), value)
                yield Mutation("builtin.clamp", aff, target=value, new=new_value)


def names_loaded(site: Site) -> set[str]:
    """Names read anywhere in the enclosing function."""
    return set(site.scope.loads)


# ------------------------------------------------------------------------------ literals


def _constant(site: Site, node: ast.Constant) -> Iterator[Mutation]:
    parent, field, _ = site.parent(node)
    if isinstance(node.value, bool):
        yield Mutation("lit.bool", 1.0, target=node, new=ast.Constant(value=not node.value))
        return
    if isinstance(node.value, str) and node.value in ("inf", "-inf"):
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name):
            flipped = "-inf" if node.value == "inf" else "inf"
            yield Mutation("builtin.inf", 1.0, target=node, new=ast.Constant(value=flipped))
        return
    if not is_int(node) or isinstance(parent, ast.UnaryOp):
        return
    value = node.value
    assert isinstance(value, int)
    index_slot = isinstance(parent, ast.Subscript | ast.Slice) and field != "value"
    for delta in (1, -1):
        new_value = value + delta
        if new_value < 0 and not index_slot:
            continue
        if (
            new_value == 0
            and isinstance(parent, ast.BinOp)
            and isinstance(parent.op, ast.Add | ast.Sub)
            and field == "right"
        ):
            yield Mutation("lit.int", 1.0, target=parent, new=parent.left)
            continue
        yield Mutation("lit.int", 1.0, target=node, new=const(new_value))


def _list(node: ast.List) -> Iterator[Mutation]:
    if not node.elts:
        new = ast.List(elts=[ast.List(elts=[], ctx=ast.Load())], ctx=ast.Load())
        yield Mutation("lit.container", 1.0, target=node, new=new)
    elif len(node.elts) == 1 and isinstance(node.elts[0], ast.List) and not node.elts[0].elts:
        yield Mutation("lit.container", 1.0, target=node, new=node.elts[0])


# ------------------------------------------------------------------------------ subscripts, calls


def _num_or_unknown(site: Site, node: ast.expr) -> float:
    kind = expr_kind(node, site.scope.kinds)
    if isinstance(node, ast.Constant | ast.Starred | ast.Slice) or plus_const(node):
        return 0.0
    return 1.0 if kind == NUM else (0.6 if kind == "" else 0.0)


def _subscript(site: Site, node: ast.Subscript) -> Iterator[Mutation]:
    if not isinstance(node.ctx, ast.Load | ast.Store):
        return
    sl = node.slice
    if isinstance(sl, ast.Slice):
        for part in ("lower", "upper"):
            bound = getattr(sl, part)
            if bound is None or not _num_or_unknown(site, bound):
                continue
            for delta in (1, -1):
                yield Mutation("off1.slice", 1.0, target=bound, new=plus(bound, delta))
        if sl.step is None and (sl.lower is None) != (sl.upper is None):
            flipped = ast.Slice(lower=sl.upper, upper=sl.lower, step=None)
            yield Mutation("swap.slice", 1.0, target=sl, new=flipped)
    elif _num_or_unknown(site, sl) and not isinstance(sl, ast.Tuple):
        for delta in (1, -1):
            yield Mutation("off1.index", 1.0, target=sl, new=plus(sl, delta))


def _call(site: Site, node: ast.Call) -> Iterator[Mutation]:
    f = node.func
    fname = f.id if isinstance(f, ast.Name) else ""
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if len(positional) == len(node.args) and len(node.args) >= 2:
        for i in range(min(len(node.args) - 1, 3)):
            args = list(node.args)
            args[i], args[i + 1] = args[i + 1], args[i]
            if site.text(args[i]) == site.text(args[i + 1]):
                continue
            new = ast.Call(func=f, args=args, keywords=node.keywords)
            yield Mutation("swap.args", 1.0 - 0.1 * i, target=node, new=new)
    if fname in FUNC_DUALS:
        yield Mutation("builtin.dual", 1.0, target=f, new=name(FUNC_DUALS[fname]))
    if fname == "isinstance" and len(node.args) == 2 and isinstance(node.args[1], ast.Name):
        current = node.args[1].id
        others = [t for t, _ in site.facts.isinstance_types.most_common() if t != current]
        if not others and current in TYPE_DUALS:
            others = [TYPE_DUALS[current]]
        for i, t in enumerate(others[:2]):
            yield Mutation("builtin.isinstance", 1.0 - 0.2 * i, target=node.args[1], new=name(t))
    if fname == "sorted" or (isinstance(f, ast.Attribute) and f.attr == "sort"):
        kws = [k for k in node.keywords if k.arg != "reverse"]
        if len(kws) == len(node.keywords):
            kws = [*kws, ast.keyword(arg="reverse", value=ast.Constant(value=True))]
        yield Mutation(
            "builtin.sorted", 1.0, target=node, new=ast.Call(func=f, args=node.args, keywords=kws)
        )
    if isinstance(f, ast.Attribute) and f.attr == "pop" and not node.keywords:
        pop_args: list[ast.expr] = [] if node.args else [ast.Constant(value=0)]
        yield Mutation(
            "builtin.dual", 1.0, target=node, new=ast.Call(func=f, args=pop_args, keywords=[])
        )
    if isinstance(f, ast.Attribute) and f.attr in ("append", "insert") and not node.keywords:
        if f.attr == "append" and len(node.args) == 1:
            new_f = ast.Attribute(value=f.value, attr="insert", ctx=ast.Load())
            new = ast.Call(func=new_f, args=[ast.Constant(value=0), node.args[0]], keywords=[])
            yield Mutation("builtin.dual", 0.6, target=node, new=new)
        elif f.attr == "insert" and len(node.args) == 2 and is_int(node.args[0]):
            new_f = ast.Attribute(value=f.value, attr="append", ctx=ast.Load())
            new = ast.Call(func=new_f, args=[node.args[1]], keywords=[])
            yield Mutation("builtin.dual", 0.6, target=node, new=new)
    if fname == "len" and len(node.args) == 1:
        parent = site.parent(node)[0]
        if not plus_const(parent or node):
            for delta in (1, -1):
                yield Mutation("off1.len", 1.0, target=node, new=plus(node, delta))
        return
    off1 = "off1.range" if fname == "range" else "off1.arg"
    if fname in NO_OFF1_CALLS and fname != "range":
        return
    count = 0
    for i, arg in enumerate(node.args):
        aff = _num_or_unknown(site, arg)
        if not aff or count >= 2:
            continue
        count += 1
        for delta in (1, -1):
            args = list(node.args)
            args[i] = plus(arg, delta)
            new = ast.Call(func=f, args=args, keywords=node.keywords)
            yield Mutation(off1, aff, target=node, new=new)
    if fname == "range" and len(node.args) == 1 and _num_or_unknown(site, node.args[0]):
        new = ast.Call(func=f, args=[ast.Constant(value=1), node.args[0]], keywords=[])
        yield Mutation("off1.range", 0.6, target=node, new=new)
