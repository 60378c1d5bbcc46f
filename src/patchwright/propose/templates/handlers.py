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
from collections.abc import Iterator

from patchwright.propose.pyedit import Splice
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
