"""LLM migration proposer: the LLM proposer plus the *target version's own documentation*.

The model sees the failing calls and their errors (as the LLM proposer does) and, beside
them, signatures and docstrings read from the library installed in the target environment
(:class:`~patchwright.propose.migrate.docs.ApiDocs`): the APIs the errors name, or the names closest
to one that no longer exists, and the target version of every library call in the code it
is shown. Execution feedback reaches it through the node's lessons (rethink), as for the
plain LLM proposer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from patchwright.core.domain import Message
from patchwright.core.errors import RepairError
from patchwright.core.events import ErrorEvent, Record, ToolCall
from patchwright.core.protocols import BuildContext, Model, ProposalContext
from patchwright.prompts import render
from patchwright.propose.llm.llm_patch import LlmPatchProposer, llm_options
from patchwright.propose.migrate.migrate_rules import migrate_spec

REFERENCE_CHARS = 2400
MAX_ENTRIES = 8
_ALIAS = re.compile(r"^\s*import\s+([\w.]+)(?:\s+as\s+(\w+))?", re.MULTILINE)
_FROM = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+([\w, ]+)", re.MULTILINE)


def library_calls(code: str, module: str) -> list[str]:
    """Qualified names of ``module``'s APIs used in ``code`` (``np.float_`` with
    ``import numpy as np`` -> ``numpy.float_``), in order of appearance."""
    aliases = {module: module}
    for m in _ALIAS.finditer(code):
        if m.group(1) == module or m.group(1).startswith(module + "."):
            aliases[m.group(2) or m.group(1)] = m.group(1)
    for m in _FROM.finditer(code):
        if m.group(1) == module or m.group(1).startswith(module + "."):
            for name in m.group(2).split(","):
                name = name.strip().split(" as ")[0].strip()
                if name:
                    aliases[name] = f"{m.group(1)}.{name}"
    body = re.sub(r"^\s*(?:import|from)\s.*$", "", code, flags=re.MULTILINE)
    hits: list[tuple[int, str]] = []
    for alias, full in aliases.items():
        for m in re.finditer(rf"(?<![\w.]){re.escape(alias)}((?:\.\w+)*)", body):
            if full + m.group(1) != module:
                hits.append((m.start(), full + m.group(1)))
    return list(dict.fromkeys(name for _, name in sorted(hits)))


class LlmMigrateProposer(LlmPatchProposer):
    name = "llm_migrate"

    @classmethod
    def build(cls, ctx: BuildContext) -> LlmMigrateProposer:
        """Docs are read from the target environment (the spec's interpreter) for the
        library of the spec's rules."""
        from pathlib import Path

        from patchwright.propose.migrate.docs import ApiDocs, import_name

        spec = migrate_spec(ctx, cls.name)
        if ctx.model is None:
            raise RepairError(f"the {cls.name} proposer needs a model (set --model)")
        if not spec.python:
            raise RepairError(f"the {cls.name} proposer needs the target environment")
        python, library = spec.python, spec.library
        env_dir = Path(python).parent.parent

        def load() -> ApiDocs:
            return ApiDocs.load(python, import_name(python, library), cache_dir=env_dir)

        return cls(ctx.model, load, library, spec.version, **llm_options(ctx))

    def __init__(
        self,
        model: Model,
        docs: Callable[[], Any],
        library: str,
        version: str,
        *,
        record: Record | None = None,
        **kwargs: Any,
    ) -> None:
        """``docs`` loads the target's :class:`ApiDocs` (called once, on first use)."""
        super().__init__(model, record=record, **kwargs)
        self._load_docs = docs
        self._docs: Any = None
        self.library = library
        self.version = version

    @property
    def docs(self) -> Any:
        if self._docs is None:
            from patchwright.propose.migrate.docs import ApiDocs

            try:
                self._docs = self._load_docs()
            except Exception as exc:  # no docs is a weaker prompt, not a failed search
                self.record(ErrorEvent(source="migration docs",
                                       error=f"{type(exc).__name__}: {exc}"[:300]))  # fmt: skip
                self._docs = ApiDocs([], self.library)
        return self._docs

    def reference(self, ctx: ProposalContext, code: str) -> str:
        from patchwright.propose.migrate.docs import render as render_entries

        errors = "\n".join(ctx.task.failure_messages.values())
        errors += "\n" + "\n".join(ctx.feedback)
        docs = self.docs
        entries = list(docs.for_error(errors, MAX_ENTRIES))
        paths = dict.fromkeys(loc.path for loc in ctx.locations if loc.path in ctx.files)
        source = "\n".join(ctx.files[p] for p in list(paths)[:3]) or code
        for name in library_calls(source, docs.library or self.library):
            found = docs.lookup(name, 1)
            if not found and "." in name:  # gone in the target: what is near it
                owner, attr = name.rsplit(".", 1)
                found = docs.near(owner, attr, 2)
            entries += found
        unique = list({e.name: e for e in entries}.values())[:MAX_ENTRIES]
        if not unique:
            return ""
        self.record(ToolCall(tool="docs", summary="target docs", entries=[e.name for e in unique]))
        return render("versioned_reference", library=self.library, version=self.version,
                      entries=render_entries(unique, REFERENCE_CHARS))  # fmt: skip

    def messages(self, ctx: ProposalContext, code: str) -> list[Message]:
        messages = super().messages(ctx, code)
        extra = self.reference(ctx, code)
        if extra:
            last = messages[-1]
            messages[-1] = Message(role=last.role, content=last.content + "\n" + extra)
        return messages
