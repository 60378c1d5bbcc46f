"""Wrapper templates: a call added around an expression, or a method call added after it.

Two of the most frequent single-statement fix patterns of PySStuBs (Kamienski et al.,
MSR'21, the Python counterpart of ManySStuBs4J): "add function around expression"
(``x`` -> ``str(x)``, ``list(x)``) and "add method call" (``name`` -> ``name.strip()``).
The functions come from the conversions the file itself calls, the methods from the
zero-argument methods it calls, so the edit stays in the project's vocabulary.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from patchwright.propose.scope import FUNC
from patchwright.propose.templates.builders import call, per_tree
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template

_CONVERSIONS = ("str", "list", "int", "tuple", "float", "bool", "set", "dict", "len", "repr")
_MAX = 2


def _wrappable(site: Site, node: ast.expr) -> bool:
    """A value read as an argument, an operand or a returned / assigned value."""
    if not isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call):
        return False
    if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
        return False
    if isinstance(node, ast.Name) and site.scope.kind(node.id) == FUNC:
        return False
    parent, field, _ = site.parent(node)
    if isinstance(parent, ast.Call) and field == "func":
        return False
    if isinstance(parent, ast.Attribute | ast.Subscript) and field == "value":
        return False
    return isinstance(
        parent, ast.Call | ast.BinOp | ast.Compare | ast.Return | ast.Assign | ast.keyword
    )


def _conversions(tree: ast.AST) -> list[str]:
    """Names of the conversion builtins the file calls, most used first."""
    counts: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _CONVERSIONS:
            counts[n.func.id] = counts.get(n.func.id, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])


def _bare_methods(tree: ast.AST) -> list[str]:
    """Public methods the file calls without arguments, most used first."""
    counts: dict[str, int] = {}
    for n in ast.walk(tree):
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and not n.args
            and not n.keywords
            and not n.func.attr.startswith("_")
        ):
            counts[n.func.attr] = counts.get(n.func.attr, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])


@template(
    "expr.wrap", weight=0.08, on=(ast.Name, ast.Attribute, ast.Subscript, ast.Call),
    example=(
        "def f(n, parts):\n    parts.append(str(len(parts)))\n    return '-'.join(parts) + n\n",
        "def f(n, parts):\n    parts.append(str(len(parts)))\n    return '-'.join(parts) + str(n)\n",
    ),
)  # fmt: skip
def wrap_call(site: Site, node: ast.expr) -> Iterator[Mutation]:
    """x -> str(x) / list(x) / int(x) ...: a conversion the file calls elsewhere, put around
    a value that is passed, combined, compared, returned or assigned (not one already
    wrapped by it)."""
    if not _wrappable(site, node):
        return
    parent = site.parent(node)[0]
    inner = (
        parent.func.id if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) else ""
    )
    made = 0
    for fn in per_tree(site.facts.tree, "conversions", _conversions):
        if fn == inner or made >= _MAX:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == fn:
            continue
        made += 1
        yield Mutation(1.0 - 0.15 * (made - 1), target=node, new=call(fn, node))


@template(
    "expr.method", weight=0.08, on=(ast.Name, ast.Attribute),
    example=(
        "def f(line, key):\n    k = key.strip()\n    return line == k\n",
        "def f(line, key):\n    k = key.strip()\n    return line.strip() == k\n",
    ),
)  # fmt: skip
def add_method_call(site: Site, node: ast.Name | ast.Attribute) -> Iterator[Mutation]:
    """s -> s.strip(): a zero-argument method the file calls on other values, called on a
    value that is compared, passed, returned or assigned."""
    if not _wrappable(site, node):
        return
    for i, meth in enumerate(per_tree(site.facts.tree, "bare_methods", _bare_methods)[:_MAX]):
        attr = ast.Attribute(value=node, attr=meth, ctx=ast.Load())
        new = ast.Call(func=attr, args=[], keywords=[])
        yield Mutation(1.0 - 0.15 * i, target=node, new=new)
