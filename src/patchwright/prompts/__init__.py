"""Prompt templates: ``<name>.txt`` files beside this module with ``{name}`` placeholders.

The loader is strict: a placeholder without a value, a value without a placeholder, and any
placeholder that is not a plain identifier (``{a.b}``, ``{a[0]}``, ``{x!r}``, ``{x:>4}``,
``{}``) raise :class:`PromptError`. Literal braces are written ``{{`` and ``}}``.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources

__all__ = ["PromptError", "fields", "load", "names", "render", "render_text"]


class PromptError(ValueError):
    """A template that is missing, malformed, or rendered with the wrong variables."""


def names() -> list[str]:
    """Names of every bundled template."""
    root = resources.files(__name__)
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".txt"))


@lru_cache(maxsize=64)
def load(name: str) -> str:
    if not name.isidentifier():
        raise PromptError(f"invalid prompt name: {name!r}")
    path = resources.files(__name__) / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"no prompt template named {name!r}")
    text = path.read_text(encoding="utf-8")
    fields(text, name)  # validate once, at load
    return text


def fields(template: str, name: str = "<template>") -> set[str]:
    """The placeholders of ``template``; raises on any that is not a plain identifier."""
    out: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PromptError(f"prompt {name}: {exc}") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "") + \
                (f":{spec}" if spec else "") + "}"  # fmt: skip
            raise PromptError(f"prompt {name}: placeholder {shown} is not a plain name")
        out.add(field)
    return out


def render(name: str, /, **values: object) -> str:
    """The template ``name`` with every placeholder filled; raises :class:`PromptError`
    when a placeholder has no value or a value has no placeholder."""
    return render_text(load(name), name, **values)


def render_text(template: str, name: str = "<template>", /, **values: object) -> str:
    wanted = fields(template, name)
    missing = sorted(wanted - values.keys())
    unused = sorted(values.keys() - wanted)
    if missing:
        raise PromptError(f"prompt {name}: missing value for {', '.join(missing)}")
    if unused:
        raise PromptError(f"prompt {name}: unused value for {', '.join(unused)}")
    return template.format_map({k: str(v) for k, v in values.items()})
