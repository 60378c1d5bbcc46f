"""LLM proposer: the model reads the task, the failing tests, the suspicious functions (with
line numbers) and the node's plan and lessons (RethinkMCTS), and answers with edits in a
SEARCH/REPLACE or whole-function format (:mod:`patchwright.propose.llm.edits`).

Replies that cannot be used never raise: the problem is sent back to the model once more
(``retries``), and remembered for the next call's prompt. A model error is reported through
``record`` and the call yields nothing; a spent budget raises :class:`ProposerStop` so that
the search can stop cleanly.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from patchwright.core.diff import PatchError, make_patch
from patchwright.core.domain import Candidate, Location, Message
from patchwright.core.errors import RepairError
from patchwright.core.events import ErrorEvent, Note, Record
from patchwright.core.protocols import BuildContext, Model, ProposalContext, ProposerStop
from patchwright.model.errors import BudgetExceeded
from patchwright.prompts import render
from patchwright.propose.llm.edit_apply import apply_reply
from patchwright.propose.llm.edits import EditFailure, EditResult
from patchwright.repo.index import CodeIndex
from patchwright.repo.lang import language_of

__all__ = ["EditFormat", "LlmPatchProposer", "ProposerStop", "is_budget_error"]

EditFormat = Literal["search_replace", "whole_function", "auto"]
FORMATS: tuple[str, ...] = ("search_replace", "whole_function", "auto")
SAMPLE_TEMPERATURE = 0.8
"""Temperature of the samples after the first when ``n > 1`` and ``temperature`` is 0."""
MAX_ECHO = 4000


SMALL_MODEL_BILLIONS = 3.0


def resolve_format(format: EditFormat, model_name: str) -> str:
    """``auto``: whole functions for small models (a size of at most 3B in the name, like
    "qwen2.5-coder-0.5b"), which copy SEARCH text badly; SEARCH/REPLACE blocks otherwise."""
    if format != "auto":
        return format
    sizes = re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)b(?![a-z])", model_name.lower())
    small = any(float(x) <= SMALL_MODEL_BILLIONS for x in sizes)
    return "whole_function" if small else "search_replace"


def is_budget_error(exc: BaseException) -> bool:
    """Whether a model-layer exception means a budget cap was reached:
    :class:`~patchwright.model.errors.BudgetExceeded`, or any exception whose class (or a
    base class) has "Budget" in its name or that sets ``budget_exhausted = True``."""
    if isinstance(exc, BudgetExceeded) or getattr(exc, "budget_exhausted", False) is True:
        return True
    return any("budget" in cls.__name__.lower() for cls in type(exc).__mro__)


def _line_map(base: str | None, current: str) -> Callable[[int], int | None]:
    """Base-commit line number -> line number in ``current`` (the parent's patched text)."""
    if base is None or base == current:
        return lambda line: line
    table: dict[int, int] = {}
    a, b = base.split("\n"), current.split("\n")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        for i in range(i1, i2):
            if tag == "equal":
                table[i + 1] = j1 + (i - i1) + 1
            elif tag == "replace" and j2 > j1:
                table[i + 1] = j1 + min(i - i1, j2 - j1 - 1) + 1
    return table.get


def _numbered(lines: Sequence[str], first: int, last: int) -> str:
    return "\n".join(f"{n:4d} | {lines[n - 1]}" for n in range(first, last + 1))


def llm_options(ctx: BuildContext) -> dict[str, Any]:
    """The LLM proposers' options from the run's ``llm`` settings."""
    llm = ctx.config.llm
    return dict(n=llm.samples, max_tokens=llm.max_tokens, temperature=llm.temperature,
                format=llm.edit_format, record=ctx.record, time_share=llm.time_share)  # fmt: skip


class LlmPatchProposer:
    """Candidates from a chat model's edits; ``prior`` sits above the mutation proposer's
    maximum (Ochiai 1 x weight 1) so LLM candidates are tried first when both run."""

    name = "llm"
    uses_feedback = True

    @classmethod
    def build(cls, ctx: BuildContext) -> LlmPatchProposer:
        if ctx.model is None:
            raise RepairError(f"the {cls.name} proposer needs a model (set --model)")
        return cls(ctx.model, **llm_options(ctx))

    def __init__(
        self,
        model: Model,
        n: int = 1,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        format: EditFormat = "auto",
        *,
        prior: float = 1.05,
        retries: int = 1,
        max_functions: int = 3,
        max_code_lines: int = 160,
        whole_file_lines: int = 80,
        max_errors: int = 3,
        record: Record | None = None,
        time_share: float = 1.0,
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"unknown edit format {format!r} (choose from {', '.join(FORMATS)})")
        self.model = model
        self.n = max(1, n)
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.format: EditFormat = format
        self.prior = prior
        self.retries = max(0, retries)
        self.max_functions = max_functions
        self.max_code_lines = max_code_lines
        self.whole_file_lines = whole_file_lines
        self.max_errors = max_errors
        self.time_share = time_share
        """See ``llm.time_share``: the expander holds this proposer back past it."""
        self.record: Record = record or (lambda event: None)
        self.last_failure = ""
        """Why the last reply could not be used; shown in the next prompt, then cleared."""
        self.failures: list[str] = []
        """Every rejected reply's feedback (the last 50), for inspection."""
        self.errors = 0
        """Consecutive model errors; at ``max_errors`` the proposer stops calling the model."""
        self.disabled = False

    # ------------------------------------------------------------------------------ propose

    def propose(self, ctx: ProposalContext) -> Iterator[Candidate]:
        if self.disabled or not ctx.files:
            return
        code, focus = self.code_section(ctx)
        messages = self.messages(ctx, code)
        seen: set[str] = set()
        limit = ctx.limit or self.n
        for i in range(self.n):
            convo = list(messages)
            temperature = self.temperature if i == 0 or self.temperature > 0 else SAMPLE_TEMPERATURE
            for _ in range(self.retries + 1):
                reply = self._complete(convo, temperature)
                if reply is None:
                    return
                text, cut = reply
                try:
                    result = apply_reply(text, ctx.files, focus)
                except Exception as exc:  # a parser bug must not take the search down
                    self.record(ErrorEvent(source="llm edit parser",
                                           error=f"{type(exc).__name__}: {exc}"[:500]))  # fmt: skip
                    result = EditResult(
                        failures=[EditFailure("no_edits", "the reply could not be read")]
                    )
                cand = self._candidate(ctx, result, prior=self.prior - i * 1e-3)
                if result.failures:
                    note = ("- the reply was cut off at the token limit; keep it short\n"
                            if cut and cand is None else "") + result.feedback()  # fmt: skip
                    self._remember(note)
                if cand is not None:
                    if not result.failures:
                        self.last_failure = ""
                    if cand.patch.hash not in seen and len(seen) < limit:
                        seen.add(cand.patch.hash)
                        yield cand
                    break
                problems = self.last_failure or "- the edit did not change the code"
                convo += [
                    Message(role="assistant", content=text[:MAX_ECHO]),
                    Message(
                        role="user",
                        content=render(
                            "propose_retry", problems=problems, reminder=self._reminder()
                        ),
                    ),
                ]

    def _complete(self, messages: list[Message], temperature: float) -> tuple[str, bool] | None:
        try:
            resp = self.model.complete(
                messages, max_tokens=self.max_tokens, temperature=temperature
            )
        except ProposerStop:
            raise
        except Exception as exc:  # the model layer must never take the search down
            self.record(ErrorEvent(source=self.name, error=f"{type(exc).__name__}: {exc}"[:500]))
            if is_budget_error(exc):
                raise ProposerStop(str(exc) or type(exc).__name__) from exc
            self.errors += 1
            if self.errors >= self.max_errors:
                self.disabled = True
                self.record(Note(name="llm proposer disabled",
                                 message=f"{self.errors} model errors in a row"))  # fmt: skip
            return None
        self.errors = 0
        text = resp.text if isinstance(resp.text, str) else ""
        return text, resp.finish_reason == "length"

    def _remember(self, feedback: str) -> None:
        self.last_failure = feedback
        self.failures = [*self.failures[-49:], feedback]
        self.record(Note(name="llm edit rejected", message=feedback))

    def _candidate(self, ctx: ProposalContext, result: EditResult, prior: float)\
            -> Candidate | None:  # fmt: skip
        if not result.files:
            return None
        changed = {p: t for p, t in ctx.files.items() if ctx.base_files.get(p) != t}
        changed.update(result.files)
        try:
            patch = make_patch(ctx.base_files, changed)
        except PatchError:
            return None
        if patch.empty or (ctx.parent_patch is not None and patch.hash == ctx.parent_patch.hash):
            return None
        location = next((loc for loc in ctx.locations if loc.path in result.files), None)
        thought = result.thought or (
            f"LLM edit of {', '.join(sorted(result.files))}"
            + (f" in {location.symbol}" if location is not None and location.symbol else "")
        )
        return Candidate(
            thought=thought, patch=patch, template="llm", prior=prior, location=location
        )

    # ------------------------------------------------------------------------------ prompt

    def _format(self) -> str:
        return resolve_format(self.format, getattr(self.model, "name", ""))

    def _reminder(self) -> str:
        if self._format() == "whole_function":
            return "Write the whole corrected function in one fenced code block."
        return "Copy the SEARCH lines exactly from the code section."

    def messages(self, ctx: ProposalContext, code: str) -> list[Message]:
        fmt = self._format()
        lang = _language(ctx)
        fields = (
            {"fence": lang, "example": _example(ctx, lang)} if fmt == "whole_function" else {}
        )
        system = render("propose_system", format_instructions=render(f"format_{fmt}", **fields))
        feedback = [f"- {fb.strip()[:500]}" for fb in list(ctx.feedback)[-3:] if fb.strip()]
        if self.last_failure:
            feedback.append("- Your previous reply could not be applied:\n" + self.last_failure)
            self.last_failure = ""
        user = render(
            "propose_user",
            description=(ctx.task.description.strip()[:4000] or "Make the failing tests pass."),
            tests=self.tests_section(ctx),
            code=code,
            plan=ctx.thought.strip()[:1500] or "(none yet)",
            feedback="\n".join(feedback) or "(none)",
        )
        return [Message(role="system", content=system), Message(role="user", content=user)]

    def code_section(self, ctx: ProposalContext) -> tuple[str, dict[str, list[tuple[int, int]]]]:
        """The suspicious functions with line numbers, most suspicious first, and the spans
        shown per path (lines of ``ctx.files``)."""
        index = CodeIndex(ctx.files)
        maps: dict[str, Callable[[int], int | None]] = {}
        spans: dict[tuple[str, int, int], tuple[str, list[int]]] = {}
        budget = self.max_code_lines
        ranked = sorted(enumerate(ctx.locations), key=lambda il: (-il[1].score, il[0]))
        for _, loc in ranked:
            if loc.path not in ctx.files:
                continue
            if loc.path not in maps:
                maps[loc.path] = _line_map(ctx.base_files.get(loc.path), ctx.files[loc.path])
            line = maps[loc.path](loc.line) or loc.line
            total = len(ctx.files[loc.path].splitlines())
            if total <= self.whole_file_lines:  # small file: all of it (docstrings, helpers)
                span = (1, max(1, total))
            else:
                span = _span_of(index, loc, line, self.max_code_lines // 2)
            key = (loc.path, *span)
            if key in spans:
                spans[key][1].append(line)
                continue
            size = span[1] - span[0] + 1
            if len(spans) >= self.max_functions or size > budget:
                continue
            budget -= size
            chunk = index.enclosing(loc.path, line)
            what = "whole file" if span[0] == 1 and span[1] >= total else "code"
            spans[key] = (f"{what}; function {chunk.name}" if chunk else what, [line])
        if not spans:  # no usable location: show the start of the first file
            path = sorted(ctx.files)[0]
            total = max(1, len(ctx.files[path].splitlines()))
            spans[(path, 1, min(total, self.max_code_lines))] = ("code", [])
        parts: list[str] = []
        focus: dict[str, list[tuple[int, int]]] = {}
        for (path, first, last), (what, lines) in spans.items():
            text = ctx.files[path].splitlines()
            last = min(last, len(text))
            marks = ", ".join(str(n) for n in sorted(set(lines))[:8]) or "unknown"
            lang = "java" if path.endswith(".java") else "python"
            parts.append(f"{path} ({what}, lines {first}-{last}; most suspicious lines: {marks})"
                         f"\n```{lang}\n{_numbered(text, first, last)}\n```")  # fmt: skip
            focus.setdefault(path, []).append((first, last))
        return "\n\n".join(parts), focus

    def tests_section(self, ctx: ProposalContext) -> str:
        messages = ctx.task.failure_messages
        out = []
        for test_id in ctx.task.failing_tests[:8]:
            msg = str(messages.get(test_id, "")).strip().splitlines()
            out.append(f"- {test_id}" + (f": {msg[0][:300]}" if msg else ""))
        shown: set[tuple[str, str]] = set()
        for test_id in ctx.task.failing_tests[:8]:
            src = _test_source(ctx.task.repo, test_id, shown)
            if src:
                out.append(f"```python\n{src}\n```")
            if len(shown) >= 2:
                break
        return "\n".join(out) or "(not given)"


FUNCTION_EXAMPLES = {
    "python": "def function_name(arguments):\n    corrected body",
    "java": "ReturnType methodName(Type argument) {\n    corrected body\n}",
}
"""The shape of a whole function, per language, in the whole-function format's prompt."""


def _language(ctx: ProposalContext) -> str:
    """The language of the most suspicious file shown (python when none is known)."""
    for path in [*(loc.path for loc in ctx.locations), *ctx.files]:
        if path in ctx.files and (lang := language_of(path)) in FUNCTION_EXAMPLES:
            return lang
    return "python"


def _example(ctx: ProposalContext, lang: str) -> str:
    """The whole-function format's example. For Java, the most suspicious method's own
    signature: a 0.5B model copied the placeholder ``methodName(Type argument)`` literally."""
    if lang == "java":
        index = CodeIndex(ctx.files)
        for loc in sorted(ctx.locations, key=lambda loc: -loc.score):
            if loc.path in ctx.files and language_of(loc.path) == lang:
                chunk = index.enclosing(loc.path, loc.line)
                if chunk is not None and chunk.kind != "class":
                    return f"{' '.join(chunk.signature.split())} {{\n    corrected body\n}}"
    return FUNCTION_EXAMPLES[lang]


def _span_of(index: CodeIndex, loc: Location, line: int, half: int) -> tuple[int, int]:
    chunk = index.enclosing(loc.path, line)
    if chunk is not None and chunk.end_line - chunk.line <= 2 * half:
        return chunk.line, chunk.end_line
    first = max(1, line - (half if chunk is not None else 10))
    return first, line + (half if chunk is not None else 10)


def _test_source(repo: str, test_id: str, shown: set[tuple[str, str]], max_lines: int = 30)\
        -> str:  # fmt: skip
    """The source of the test function ``test_id`` names, read from the workspace."""
    parts = test_id.split("::")
    if len(parts) < 2 or not repo:
        return ""
    path, name = parts[0], parts[-1].split("[", 1)[0]
    if (path, name) in shown or path.startswith("/") or ".." in Path(path).parts:
        return ""
    shown.add((path, name))
    try:
        text = (Path(repo) / path).read_text(encoding="utf-8", errors="replace")
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError, RecursionError):
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            lines = text.split("\n")[node.lineno - 1 : node.end_lineno][:max_lines]
            return "\n".join(lines)
    return ""
