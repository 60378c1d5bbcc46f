"""Exception-handler and constant-condition templates, the low-prior "plausibility" edits of
the repair literature.

Pan et al.'s bug-fix patterns ("add try-catch", exception-handling changes) and FixMiner's
mined "wrap with try" pattern: a statement whose exception must not escape is wrapped in
``try: ... except Exception: ...``. Kali's (Qi et al., ISSTA'15) and PraPR's condition
operators: the test of an ``if`` replaced by ``True`` or ``False`` (a check that must
always or never fire). Both produce patches that often only pass the tests, so they rank
below every other family.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from patchwright.propose.pyedit import Splice
from patchwright.propose.scope import FuncDef
from patchwright.propose.templates.context import Mutation, Site
from patchwright.propose.templates.registry import template
from patchwright.propose.templates.statements import Lines, editable_block

_WRAPPABLE = ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Return


def _handler_body(stmt: ast.stmt) -> str:
    """What the ``except`` branch does: the assigned name gets None, a return returns
    None, anything else passes."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return f"{target.id} = None"
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return f"{stmt.target.id} = None"
    if isinstance(stmt, ast.Return):
        return "return None"
    return "pass"


@template(
    "stmt.try", weight=0.12, on=ast.stmt,
    example=(
        "def f(path):\n    os.remove(path)\n    return path\n",
        "def f(path):\n    try:\n        os.remove(path)\n    except Exception:\n        pass\n"
        "    return path\n",
    ),
)  # fmt: skip
def wrap_in_try(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """A call statement / assignment / return inside a function wrapped in ``try: ...
    except Exception:`` (pass, the target set to None, or return None)."""
    if site.func is None or not isinstance(stmt, _WRAPPABLE) or editable_block(site) is None:
        return
    value = getattr(stmt, "value", None)
    if isinstance(stmt, ast.Expr) and not isinstance(value, ast.Call | ast.Await):
        return
    if isinstance(stmt, ast.Return) and not isinstance(
        value, ast.Call | ast.Attribute | ast.Subscript
    ):
        return
    parent = site.parent(stmt)[0]
    if isinstance(parent, ast.Try) and stmt in parent.body:
        return  # already guarded
    lines = Lines(site)
    start, end = lines.span(stmt)
    indent = site.src.indent(stmt.lineno)
    unit, nl = site.indent_unit, site.src.newline
    body = "".join(
        (unit + ln if ln.strip() else ln) for ln in lines.block(stmt).splitlines(keepends=True)
    )
    code = f"{indent}try:{nl}{body}{indent}except Exception:{nl}{indent}{unit}{_handler_body(stmt)}{nl}"
    desc = f"wrap line {stmt.lineno} in try/except Exception"
    yield Mutation(1.0, desc, splices=[Splice(start, end, code)])


@template(
    "cond.constant", weight=0.12, on=ast.If,
    example=(
        "def f(x, cache):\n    if x in cache:\n        return cache[x]\n    return x\n",
        "def f(x, cache):\n    if False:\n        return cache[x]\n    return x\n",
    ),
)  # fmt: skip
def constant_condition(site: Site, stmt: ast.If) -> Iterator[Mutation]:
    """if c: -> if False: / if True: (Kali / PraPR: a check that must never or always
    fire); not for a test that is already a constant."""
    if isinstance(stmt.test, ast.Constant) or site.func is None:
        return
    for value, aff in ((False, 1.0), (True, 0.8)):
        yield Mutation(aff, target=stmt.test, new=ast.Constant(value=value))


SIBLING_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "ValueError": ("TypeError",),
    "TypeError": ("ValueError", "AttributeError"),
    "KeyError": ("IndexError", "AttributeError", "TypeError"),
    "IndexError": ("KeyError", "TypeError"),
    "AttributeError": ("TypeError", "KeyError"),
    "ImportError": ("AttributeError",),
    "OSError": ("ValueError",),
    "UnicodeDecodeError": ("UnicodeEncodeError",),
    "UnicodeEncodeError": ("UnicodeDecodeError",),
}
"""Exceptions a handler catching the first one often also had to catch (Python's
exception-handling fixes: a missing exception type in an ``except`` is their most common
repair; the pairs are ones the standard library raises for the same misuse)."""


def _enclosing_try(site: Site, stmt: ast.stmt) -> ast.Try | None:
    """The ``try`` whose body holds ``stmt`` (directly or inside a nested block)."""
    node: ast.AST = stmt
    for parent in site.ancestors(stmt):
        if isinstance(parent, FuncDef):
            return None
        if isinstance(parent, ast.Try) and any(node is s for s in parent.body):
            return parent
        node = parent
    return None


@template(
    "handler.widen", weight=0.25, on=ast.stmt,
    example=(
        "def f(x):\n    try:\n        return int(x)\n    except ValueError:\n        return 0\n",
        "def f(x):\n    try:\n        return int(x)\n    except (ValueError, TypeError):\n"
        "        return 0\n",
    ),
)  # fmt: skip
def widen_handler(site: Site, stmt: ast.stmt) -> Iterator[Mutation]:
    """except E: -> except (E, F): for an exception F the same misuse often raises, where
    a statement of the try's body is the suspect (the exception escaped the handler)."""
    block = _enclosing_try(site, stmt)
    if block is None:
        return
    for handler in block.handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
        have = {n.id for n in names if isinstance(n, ast.Name)}
        extra = [s for n in have for s in SIBLING_EXCEPTIONS.get(n, ()) if s not in have]
        for i, sibling in enumerate(dict.fromkeys(extra)):
            new = ast.Tuple(elts=[*map(copy.deepcopy, names), ast.Name(sibling, ast.Load())],
                            ctx=ast.Load())  # fmt: skip
            yield Mutation(1.0 - 0.1 * i, target=caught, new=new)
