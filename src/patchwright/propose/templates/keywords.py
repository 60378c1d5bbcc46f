"""Keyword-argument templates: an argument added to or dropped from one call.

TBar's "mutate method invocation: add / remove parameter", PraPR's argument-list mutation
and the "change number of arguments" / "missing argument" classes of the bug-fix pattern
studies (ManySStuBs4J, PySStuBs; PyTER's and BugsInPy's taxonomies count a missing or
extra argument among the most frequent one-call fixes): a parameter of the enclosing
function that is not passed on to a callee that takes it (``fetch(url)`` ->
``fetch(url, timeout=timeout)``, ``**kwargs`` not forwarded), a keyword argument too many,
and a flag of a callee in the same file left at its default.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import FuncDef
from patchwright.propose.templates.builders import name, per_tree
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template

_MAX_PER_CALL = 3


def _callee_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _definitions(tree: ast.AST) -> dict[str, list[FuncDef]]:
    """Function and method definitions of the file by name; a class's ``__init__`` also
    under the class's name (key ``"class:NAME"``)."""
    out: dict[str, list[FuncDef]] = {}
    for n in ast.walk(tree):
        if isinstance(n, FuncDef):
            out.setdefault(n.name, []).append(n)
        elif isinstance(n, ast.ClassDef):
            inits = [b for b in n.body if isinstance(b, FuncDef) and b.name == "__init__"]
            out.setdefault(f"class:{n.name}", []).extend(inits)
    return out


def _callees(site: Site, node: ast.Call) -> list[FuncDef]:
    """Definitions in this file the call may reach: a function (or a class's ``__init__``)
    of that name for a plain call, a method of that name for ``x.m(...)``."""
    fname = _callee_name(node)
    if not fname:
        return []
    defs = per_tree(site.facts.tree, "definitions", _definitions)
    found = list(defs.get(fname, []))
    if isinstance(node.func, ast.Name):
        found += defs.get(f"class:{fname}", [])
    return found


def _plain(node: ast.Call) -> bool:
    """No ``*args`` / ``**kwargs`` in the call (their contents are unknown)."""
    return not any(isinstance(a, ast.Starred) for a in node.args) and all(
        k.arg is not None for k in node.keywords
    )


def _taken(fn: FuncDef, node: ast.Call) -> dict[str, ast.expr | None]:
    """Parameters of ``fn`` the call leaves unset that it may set by keyword, with their
    defaults (None: a keyword-only parameter without one)."""
    a = fn.args
    pos = [*a.posonlyargs, *a.args]
    skip = (
        1 if pos and pos[0].arg in ("self", "cls") and isinstance(node.func, ast.Attribute) else 0
    )
    set_by_position = {p.arg for p in pos[skip : skip + len(node.args)]}
    passed = {k.arg for k in node.keywords} | set_by_position
    out: dict[str, ast.expr | None] = {}
    defaults = dict(
        zip([p.arg for p in a.args[len(a.args) - len(a.defaults) :]], a.defaults, strict=True)
    )
    for p in a.args[skip:]:
        if p.arg not in passed and p.arg in defaults:
            out[p.arg] = defaults[p.arg]
    for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if p.arg not in passed:
            out[p.arg] = d
    return out


def _with_keyword(node: ast.Call, kw: ast.keyword) -> ast.Call:
    return ast.Call(func=node.func, args=list(node.args), keywords=[*node.keywords, kw])


@template(
    "args.forward", weight=0.40, on=ast.Call,
    example=(
        "def get(url, timeout=None):\n    return fetch(url)\n\n\n"
        "def fetch(url, timeout=None):\n    return url, timeout\n",
        "def get(url, timeout=None):\n    return fetch(url, timeout=timeout)\n\n\n"
        "def fetch(url, timeout=None):\n    return url, timeout\n",
    ),
)  # fmt: skip
def forward_parameter(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """fetch(url) -> fetch(url, timeout=timeout): a parameter of the enclosing function
    that a callee of this file also takes is not passed on; for any callee, a parameter the
    function never reads (``p=p``) and an unread ``**kwargs`` (``**kwargs``)."""
    fn = site.func
    if fn is None or not _plain(node):
        return
    a = fn.args
    mine = [p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs] if p.arg not in ("self", "cls")]
    passed = {k.arg for k in node.keywords} | {x.id for x in node.args if isinstance(x, ast.Name)}
    unread = {p for p in mine if p not in site.scope.loads}
    callees = _callees(site, node)
    takes: dict[str, None] = {}
    open_kwargs = False
    for callee in callees:
        if callee is fn:
            continue
        takes.update(dict.fromkeys(_taken(callee, node)))
        open_kwargs = open_kwargs or callee.args.kwarg is not None
    made = 0
    ranked = [(1.0 if p in unread else 0.8, p) for p in mine if p in takes]
    if not callees or open_kwargs:
        ranked += [(0.6, p) for p in mine if p in unread and p not in takes]
    for aff, p in sorted(ranked, key=lambda x: -x[0]):
        if p in passed or made >= _MAX_PER_CALL:
            continue
        made += 1
        kw = ast.keyword(arg=p, value=name(p))
        yield Mutation(aff * (1.0 - 0.1 * (made - 1)), target=node, new=_with_keyword(node, kw))
    if a.kwarg is not None and a.kwarg.arg not in site.scope.loads and (open_kwargs or not callees):
        kw = ast.keyword(arg=None, value=name(a.kwarg.arg))
        yield Mutation(0.9, target=node, new=_with_keyword(node, kw))


@template(
    "args.drop", weight=0.30, on=ast.Call,
    example=(
        "import json\n\n\ndef f(d):\n    return json.dumps(d, sort_keys=True)\n",
        "import json\n\n\ndef f(d):\n    return json.dumps(d)\n",
    ),
)  # fmt: skip
def drop_argument(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """f(x, flag=True) -> f(x): one keyword argument too many; f(a, b) -> f(a) where the
    function of this file of that name accepts one argument fewer."""
    if not _plain(node):
        return
    for i in range(min(len(node.keywords), _MAX_PER_CALL)):
        keywords = [k for j, k in enumerate(node.keywords) if j != i]
        new = ast.Call(func=node.func, args=list(node.args), keywords=keywords)
        yield Mutation(1.0 - 0.15 * i, target=node, new=new)
    fname = _callee_name(node)
    least = (
        site.facts.arity.get(fname, (1 << 30, 0))[0] if isinstance(node.func, ast.Name) else 1 << 30
    )
    if node.args and least <= len(node.args) - 1:
        new = ast.Call(func=node.func, args=list(node.args[:-1]), keywords=list(node.keywords))
        yield Mutation(0.7, target=node, new=new)


@template(
    "args.flag", weight=0.30, on=ast.Call,
    example=(
        "def load(text, strict=False):\n    return text.strip() if strict else text\n\n\n"
        "def f(t):\n    return load(t)\n",
        "def load(text, strict=False):\n    return text.strip() if strict else text\n\n\n"
        "def f(t):\n    return load(t, strict=True)\n",
    ),
)  # fmt: skip
def set_flag(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """load(t) -> load(t, strict=True): a boolean parameter of a callee in this file left
    at its default (False / True / None -> the other truth value)."""
    if not _plain(node):
        return
    made = 0
    seen: set[str] = set()
    for callee in _callees(site, node):
        if callee is site.func:
            continue
        for p, default in _taken(callee, node).items():
            if p in seen or not isinstance(default, ast.Constant) or made >= _MAX_PER_CALL:
                continue
            if not (isinstance(default.value, bool) or default.value is None):
                continue
            seen.add(p)
            made += 1
            kw = ast.keyword(arg=p, value=ast.Constant(value=not default.value))
            yield Mutation(1.0 - 0.15 * (made - 1), target=node, new=_with_keyword(node, kw))


@template(
    "args.rename", weight=0.30, on=ast.Call,
    example=(
        "def show(text, width=80, indent=0):\n    return ' ' * indent + text[:width]\n\n\n"
        "def f(t):\n    return show(t, width=4)\n",
        "def show(text, width=80, indent=0):\n    return ' ' * indent + text[:width]\n\n\n"
        "def f(t):\n    return show(t, indent=4)\n",
    ),
)  # fmt: skip
def rename_keyword(site: Site, node: ast.Call) -> Iterator[Mutation]:
    """show(t, width=4) -> show(t, indent=4): the value given to the wrong parameter of a
    callee of this file (PySStuBs "change keyword argument used")."""
    if not _plain(node) or not node.keywords:
        return
    made = 0
    for callee in _callees(site, node):
        if callee is site.func:
            continue
        free = list(_taken(callee, node))
        for i, kw in enumerate(node.keywords):
            for p in free:
                if made >= _MAX_PER_CALL:
                    return
                made += 1
                keywords = list(node.keywords)
                keywords[i] = ast.keyword(arg=p, value=kw.value)
                new = ast.Call(func=node.func, args=list(node.args), keywords=keywords)
                yield Mutation(1.0 - 0.15 * (made - 1), target=node, new=new)
        return
