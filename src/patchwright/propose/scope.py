"""Names in scope and their rough kinds, for variable-replacement and insertion templates.

Kinds are guessed from cheap local evidence (what a name is assigned, how it is used):
``num``, ``coll`` (sequences, sets, dicts), ``str``, ``bool``, ``func``; ``""`` when unknown.
"""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from dataclasses import dataclass, field

FuncDef = ast.FunctionDef | ast.AsyncFunctionDef

NUM, COLL, STR, BOOL, FUNC = "num", "coll", "str", "bool", "func"

_COLL_CALLS = {
    "list", "dict", "set", "tuple", "frozenset", "sorted", "reversed", "deque", "defaultdict",
    "Counter", "OrderedDict", "zip", "enumerate", "map", "filter", "heapify",
}  # fmt: skip
_NUM_CALLS = {"len", "int", "float", "abs", "sum", "round", "ord", "pow", "divmod", "hash"}
_STR_CALLS = {"str", "repr", "chr", "format", "hex", "bin", "oct"}
_BOOL_CALLS = {"isinstance", "issubclass", "callable", "hasattr", "any", "all", "bool"}
_COLL_ARG_CALLS = {
    "len", "sorted", "reversed", "enumerate", "zip", "sum", "list", "set", "tuple", "iter",
    "heapify", "heappush", "heappop", "any", "all",
}  # fmt: skip
_COLL_METHODS = {
    "append", "extend", "pop", "insert", "add", "remove", "discard", "update", "sort",
    "reverse", "clear", "popleft", "appendleft", "keys", "values", "items", "get",
    "setdefault", "copy",
}  # fmt: skip
_STR_METHODS = {
    "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
    "isdigit", "isalpha", "isspace", "replace", "encode", "title", "capitalize",
}  # fmt: skip
_NUM_ANN = {"int", "float", "complex"}
_COLL_ANN = {"list", "dict", "set", "tuple", "List", "Dict", "Set", "Tuple", "Sequence"}
_COLL_ANN |= {"Mapping", "Iterable", "deque", "frozenset"}


def expr_kind(node: ast.AST | None, kinds: dict[str, str]) -> str:
    """Best guess of the kind of value an expression produces ('' when unknown)."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return BOOL
        if isinstance(v, int | float | complex):
            return NUM
        return STR if isinstance(v, str | bytes) else ""
    if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict | ast.ListComp):
        return COLL
    if isinstance(node, ast.SetComp | ast.DictComp | ast.GeneratorExp):
        return COLL
    if isinstance(node, ast.JoinedStr):
        return STR
    if isinstance(node, ast.Name):
        return kinds.get(node.id, "")
    if isinstance(node, ast.Compare):
        return BOOL
    if isinstance(node, ast.UnaryOp):
        return BOOL if isinstance(node.op, ast.Not) else NUM
    if isinstance(node, ast.BoolOp):
        ks = {expr_kind(v, kinds) for v in node.values}
        return ks.pop() if len(ks) == 1 else ""
    if isinstance(node, ast.IfExp):
        return expr_kind(node.body, kinds) or expr_kind(node.orelse, kinds)
    if isinstance(node, ast.BinOp):
        ks = {expr_kind(node.left, kinds), expr_kind(node.right, kinds)} - {""}
        if isinstance(node.op, ast.Mod) and expr_kind(node.left, kinds) == STR:
            return STR
        for k in (STR, COLL, NUM):
            if k in ks:
                return k
        return ""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        return expr_kind(node.value, kinds)
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name):
            for names, kind in ((_COLL_CALLS, COLL), (_NUM_CALLS, NUM), (_STR_CALLS, STR)):
                if f.id in names:
                    return kind
            if f.id in _BOOL_CALLS:
                return BOOL
            if f.id in ("min", "max") and len(node.args) > 1:
                return expr_kind(node.args[0], kinds) or expr_kind(node.args[1], kinds)
        if isinstance(f, ast.Attribute):
            if f.attr in ("join", "format", "lower", "upper", "strip", "replace"):
                return STR
            if f.attr in ("split", "keys", "values", "items", "copy"):
                return COLL
            if f.attr in ("count", "index", "find", "rfind"):
                return NUM
            if f.attr in ("startswith", "endswith", "isdigit", "isalpha"):
                return BOOL
    return ""


def _ann_kind(ann: ast.AST | None) -> str:
    if isinstance(ann, ast.Subscript):
        ann = ann.value
    if isinstance(ann, ast.Name):
        if ann.id in _NUM_ANN:
            return NUM
        if ann.id in _COLL_ANN:
            return COLL
        return {"str": STR, "bool": BOOL}.get(ann.id, "")
    return ""


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [n for e in node.elts for n in _targets(e)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []


def own_nodes(root: ast.AST) -> list[ast.AST]:
    """Nodes of ``root``'s body, not descending into nested functions, classes, lambdas."""
    out: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(root))
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, FuncDef | ast.ClassDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _num_like(node: ast.AST, kinds: dict[str, str]) -> bool:
    return expr_kind(node, kinds) == NUM


def infer_kinds(root: ast.AST, seed: dict[str, str] | None = None) -> dict[str, str]:
    """Kinds of the names bound or used in ``root`` (two passes so evidence propagates)."""
    kinds: dict[str, str] = dict(seed or {})
    nodes = own_nodes(root)
    for _ in range(2):
        votes: dict[str, Counter[str]] = defaultdict(Counter)

        def vote(
            target: ast.AST, kind: str, w: int = 1, votes: dict[str, Counter[str]] = votes
        ) -> None:
            if kind and isinstance(target, ast.Name):
                votes[target.id][kind] += w

        if isinstance(root, FuncDef):
            args = root.args
            positional = args.posonlyargs + args.args
            defaulted = positional[len(positional) - len(args.defaults) :]
            for param, default in zip(defaulted, args.defaults):
                votes[param.arg][expr_kind(default, kinds)] += 1
            for param in [*positional, *args.kwonlyargs]:
                if _ann_kind(param.annotation):
                    votes[param.arg][_ann_kind(param.annotation)] += 3
            if args.vararg:
                votes[args.vararg.arg][COLL] += 3
            if args.kwarg:
                votes[args.kwarg.arg][COLL] += 3
        for node in nodes:
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    vote(t, expr_kind(node.value, kinds), 2)
            elif isinstance(node, ast.AnnAssign):
                vote(node.target, _ann_kind(node.annotation) or expr_kind(node.value, kinds), 3)
            elif isinstance(node, ast.AugAssign):
                vote(node.target, expr_kind(node.value, kinds), 1)
            elif isinstance(node, ast.For | ast.comprehension):
                it = node.iter
                if isinstance(it, ast.Call) and isinstance(it.func, ast.Name):
                    if it.func.id == "range":
                        vote(node.target, NUM, 2)
                    elif it.func.id == "enumerate" and isinstance(node.target, ast.Tuple):
                        vote(node.target.elts[0], NUM, 2)
                else:
                    vote(it, COLL, 2)
            elif isinstance(node, ast.Subscript):
                vote(node.value, COLL, 1)
                if isinstance(node.slice, ast.Name) and not isinstance(node.slice, ast.Slice):
                    vote(node.slice, NUM, 1)
            elif isinstance(node, ast.Slice):
                for part in (node.lower, node.upper, node.step):
                    if part is not None:
                        vote(part, NUM, 2)
            elif isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name):
                    if f.id in _COLL_ARG_CALLS and node.args:
                        vote(node.args[0], COLL, 2)
                    elif f.id == "range":
                        for a in node.args:
                            vote(a, NUM, 2)
                    elif f.id not in kinds or kinds.get(f.id) == FUNC:
                        vote(f, FUNC, 1)
                elif isinstance(f, ast.Attribute):
                    if f.attr in _COLL_METHODS:
                        vote(f.value, COLL, 2)
                    elif f.attr in _STR_METHODS:
                        vote(f.value, STR, 2)
            elif isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Add | ast.Mod):
                vote(node.left, NUM, 1)
                vote(node.right, NUM, 1)
            elif isinstance(node, ast.BinOp):
                for a, b in ((node.left, node.right), (node.right, node.left)):
                    vote(a, expr_kind(b, kinds), 1)
            elif isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                for op, a, b in zip(node.ops, operands, operands[1:]):
                    if isinstance(op, ast.In | ast.NotIn):
                        vote(b, COLL, 2)
                    elif isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE | ast.Eq | ast.NotEq):
                        vote(a, NUM if _num_like(b, kinds) else "", 1)
                        vote(b, NUM if _num_like(a, kinds) else "", 1)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                votes[node.name][FUNC] += 5
        for name, counter in votes.items():
            counter.pop("", None)
            if not counter:
                continue
            best = counter.most_common(2)
            if len(best) == 1 or best[0][1] > best[1][1]:
                kinds[name] = best[0][0]
    return kinds


@dataclass
class Scope:
    """Variables visible in a function (or the module) and their kinds."""

    params: list[str] = field(default_factory=list)
    locals: list[str] = field(default_factory=list)
    outer: list[str] = field(default_factory=list)
    globals: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    loads: dict[str, list[int]] = field(default_factory=dict)
    """Lines where each name is read (inside the function)."""
    binds: dict[str, list[int]] = field(default_factory=dict)
    """Lines where each local is assigned (inside the function)."""

    def bound_before(self, name: str, line: int, loop: tuple[int, int] | None = None) -> bool:
        """``name`` may hold a value at ``line``: not a local, or assigned before the line
        (or anywhere in the enclosing loop ``(first, last)``)."""
        lines = self.binds.get(name)
        if name in self.params or not lines:
            return True
        if min(lines) < line:
            return True
        return loop is not None and any(loop[0] <= n <= loop[1] for n in lines)

    def kind(self, name: str) -> str:
        return self.kinds.get(name, "")

    def variables(self) -> list[str]:
        seen: dict[str, None] = {}
        for n in [*self.params, *self.locals, *self.outer, *self.globals]:
            if n not in ("self", "cls", "_") and not n.startswith("__"):
                seen.setdefault(n, None)
        return list(seen)

    def locality(self, name: str) -> float:
        if name in self.params or name in self.locals:
            return 1.0
        if name in self.outer:
            return 0.7
        return 0.5 if name in self.globals else 0.0


def bound_names(root: ast.AST) -> list[str]:
    """Names assigned in ``root`` (not in nested scopes or comprehensions), in order."""
    return list(bindings(root))


def bindings(root: ast.AST) -> dict[str, list[int]]:
    """Lines where each name is assigned in ``root``, names in order of first assignment."""
    found: list[tuple[int, int, str]] = []
    for node in own_nodes(root):
        names: list[str] = []
        if isinstance(node, ast.Assign):
            names = [n for t in node.targets for n in _targets(t)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
            names = _targets(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            names = _targets(node.optional_vars)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names = [node.name]
        elif isinstance(node, ast.NamedExpr):
            names = _targets(node.target)
        pos = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        found.extend((pos[0], pos[1], n) for n in names)
    out: dict[str, list[int]] = {}
    for line, _, n in sorted(found):
        out.setdefault(n, []).append(line)
    return out


def comprehension_names(root: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(root):
        if isinstance(node, ast.comprehension):
            out.update(_targets(node.target))
        elif isinstance(node, ast.Lambda):
            out.update(a.arg for a in node.args.args)
    return out


def _params(fn: FuncDef) -> list[str]:
    a = fn.args
    names = [x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return names


@dataclass
class ModuleFacts:
    """Per-file facts shared by all locations of the file."""

    tree: ast.Module
    globals: list[str]
    functions: list[str]
    kinds: dict[str, str]
    attrs: Counter[str]
    """Attribute names read (not called) in the file."""
    methods: Counter[str]
    """Attribute names called as methods in the file."""
    attr_bases: dict[str, set[str]]
    """Text of a simple base (``self``, ``node``) -> attribute names used on it."""
    isinstance_types: Counter[str]
    """Class names used as the second argument of ``isinstance`` in the file."""
    arity: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Function name -> (least, most) positional arguments it accepts."""


def module_facts(tree: ast.Module) -> ModuleFacts:
    gl = [n for n in bound_names(tree)]
    funcs = [n.name for n in tree.body if isinstance(n, FuncDef)]
    kinds = infer_kinds(tree)
    for f in funcs:
        kinds[f] = FUNC
    attrs: Counter[str] = Counter()
    methods: Counter[str] = Counter()
    bases: dict[str, set[str]] = defaultdict(set)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    types: Counter[str] = Counter()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
        ):
            second = node.args[1]
            elts = second.elts if isinstance(second, ast.Tuple) else [second]
            types.update(e.id for e in elts if isinstance(e, ast.Name))
        if isinstance(node, ast.Attribute):
            (methods if id(node) in called else attrs)[node.attr] += 1
            if isinstance(node.value, ast.Name):
                bases[node.value.id].add(node.attr)
    arity: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, FuncDef) and node.name not in arity:
            a = node.args
            most = len(a.posonlyargs) + len(a.args)
            arity[node.name] = (most - len(a.defaults), 1 << 30 if a.vararg else most)
    return ModuleFacts(tree, gl, funcs, kinds, attrs, methods, dict(bases), types, arity)


def function_scope(facts: ModuleFacts, chain: list[FuncDef]) -> Scope:
    """Scope of the innermost function in ``chain`` (outermost first); module if empty."""
    if not chain:
        return Scope(
            locals=list(facts.globals),
            functions=list(facts.functions),
            kinds=dict(facts.kinds),
            loads=_loads(facts.tree),
            binds=bindings(facts.tree),
        )
    fn = chain[-1]
    outer: list[str] = []
    for f in chain[:-1]:
        outer += _params(f) + bound_names(f)
    seed = {k: v for k, v in facts.kinds.items() if k not in outer}
    for f in chain[:-1]:
        seed.update(infer_kinds(f, seed))
    kinds = infer_kinds(fn, seed)
    params = _params(fn)
    locals_ = [n for n in bound_names(fn) if n not in params]
    nested = [n.name for n in own_nodes(fn) if isinstance(n, FuncDef)]
    return Scope(
        params=params,
        locals=locals_,
        outer=[n for n in dict.fromkeys(outer) if n not in params and n not in locals_],
        globals=[g for g in facts.globals if facts.kinds.get(g) != FUNC],
        functions=[*nested, *facts.functions],
        kinds=kinds,
        loads=_loads(fn),
        binds=bindings(fn),
    )


def _loads(root: ast.AST) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for node in ast.walk(root):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out[node.id].append(node.lineno)
    return dict(out)
