"""The model solver for GitChameleon: write the function for ``library==version``, run the
visible test in the problem's environment, and feed the failure back (RethinkMCTS-style
verbal feedback, one conversation) until it passes or the attempts run out.

With ``docs``, the prompt carries the *target version's* documentation, read from the
package installed in the environment (:mod:`patchwright.propose.migrate.docs`): the APIs that best
match the task first, then, after a failure, the APIs the error names (or the names closest
to a missing one). Without it, the model has only what it remembers.
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import Any

from patchwright.benchmarks.gitchameleon import Recorder, Solution
from patchwright.benchmarks.gitchameleon_data import Problem
from patchwright.benchmarks.gitchameleon_score import run_visible
from patchwright.core.config import RunConfig
from patchwright.core.domain import Message
from patchwright.core.events import ErrorEvent, ToolCall
from patchwright.envs import Env
from patchwright.model.errors import ModelError
from patchwright.prompts import render

ATTEMPTS = 3
"""Model replies per problem (the first, then one per visible-test failure)."""
SEARCH_HITS = 6
ERROR_HITS = 5
REFERENCE_CHARS = 2400
ERROR_LINES = 12
RETRY_TEMPERATURE = 0.7

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)


# -- assembling an answer -------------------------------------------------------------------


def extract_code(text: str, name: str) -> str:
    """The code block of a reply that defines ``name`` (else the longest block, else the
    whole reply)."""
    blocks = [body for lang, body in _FENCE.findall(text or "") if lang.lower() in
              ("", "python", "py", "python3")]  # fmt: skip
    if not blocks:
        return (text or "").strip("\n")
    defining = [b for b in blocks if any(m.group(2) == name for m in _DEF.finditer(b))]
    return max(defining or blocks, key=len).strip("\n")


def _last_def(code: str) -> re.Match[str] | None:
    found = list(_DEF.finditer(code))
    return found[-1] if found else None


def _function_span(lines: list[str], start: int) -> int:
    """End (exclusive) of the function whose ``def`` is at ``lines[start]``: the first later
    line at or left of its indentation that is not blank and not a continuation."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    depth = 0
    for i in range(start, len(lines)):
        line = lines[i]
        if i > start and depth == 0 and line.strip():
            here = len(line) - len(line.lstrip())
            if here <= indent and not line.lstrip().startswith((")", "]", "}")):
                return i
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        depth = max(depth, 0)
    return len(lines)


def assemble(starting_code: str, reply_code: str) -> str:
    """The module for a reply: the starting code with its last (open) function replaced by
    the reply's function of that name, plus the reply's imports; a reply with no such
    function is taken as that function's body."""
    head = _last_def(starting_code)
    if head is None:
        return starting_code.rstrip() + "\n\n" + reply_code.strip("\n") + "\n"
    indent, name = head.group(1), head.group(2)
    prefix = starting_code[: head.start()].rstrip("\n")
    lines = reply_code.split("\n")
    at = next((i for i, line in enumerate(lines)
               if (m := _DEF.match(line)) and m.group(2) == name), None)  # fmt: skip
    if at is None:  # a bare body
        body = textwrap.indent(textwrap.dedent(reply_code).strip("\n"), indent + "    ")
        return starting_code.rstrip() + "\n" + body + "\n"
    start = at
    while start > 0 and lines[start - 1].lstrip().startswith("@"):
        start -= 1
    end = _function_span(lines, at)
    func = textwrap.indent(textwrap.dedent("\n".join(lines[start:end])).strip("\n"), indent)
    have = set(prefix.split("\n"))
    imports = [line for line in lines[:start] if line.startswith(("import ", "from "))
               and line not in have]  # fmt: skip
    parts = [*imports, prefix] if imports else [prefix]
    return "\n".join(p for p in parts if p) + ("\n" if prefix or imports else "") + func + "\n"


def syntax_error(code: str) -> str:
    """A one-line syntax error, with the offending line, or ''."""
    try:
        ast.parse(code)
    except SyntaxError as exc:
        lines = code.split("\n")
        where = lines[exc.lineno - 1].strip() if exc.lineno and exc.lineno <= len(lines) else ""
        return f"SyntaxError: {exc.msg} (line {exc.lineno}: {where[:120]})"
    return ""


def _unfinished(starting_code: str, answer: str) -> bool:
    """Whether the answer's code is just the starting code again."""
    squash = lambda text: "".join(text.split())  # noqa: E731
    return squash(answer).endswith(squash(starting_code)) or squash(starting_code).endswith(
        squash(answer)
    )


# -- documentation ----------------------------------------------------------------------------


class _Docs:
    """The target version's API docs for one problem, loaded on first use."""

    def __init__(self, row: Problem, env: Env, record: Recorder) -> None:
        self.row, self.env, self.record = row, env, record
        self._api: Any = None
        self.shown: set[str] = set()

    @property
    def api(self) -> Any:
        if self._api is None:
            from patchwright.propose.migrate.docs import ApiDocs, import_name

            module = import_name(self.env.python, self.row.library)
            try:
                self._api = ApiDocs.load(self.env.python, module, cache_dir=self.env.path)
            except Exception as exc:  # no docs is a weaker prompt, not a failed problem
                self.record(ErrorEvent(source="docs", error=f"{type(exc).__name__}: {exc}"[:300]))
                self._api = ApiDocs([], module)
        return self._api

    def section(self, entries: list[Any]) -> str:
        from patchwright.propose.migrate.docs import render as render_entries

        fresh = [e for e in entries if e.name not in self.shown]
        if not fresh:
            return ""
        text = render_entries(fresh, REFERENCE_CHARS)
        self.shown.update(e.name for e in fresh if e.render() in text)
        self.record(ToolCall(tool="docs", entries=[e.name for e in fresh]))
        return render("versioned_reference", library=self.row.library,
                      version=self.row.version, entries=text)  # fmt: skip

    def for_task(self) -> str:
        query = f"{self.row.problem}\n{self.row.starting_code}"
        return self.section(self.api.search(query, SEARCH_HITS))

    def for_error(self, output: str, code: str) -> str:
        hits = self.api.for_error(output, ERROR_HITS)
        if not hits:  # what the failing code calls, as the target version has it
            called = re.findall(r"\b(?:\w+\.)+(\w+)\(", code)
            hits = [e for name in dict.fromkeys(called) for e in self.api.lookup(name, 1)]
        return self.section(hits[:ERROR_HITS])


# -- the solver -------------------------------------------------------------------------------


def _error_text(output: str, error: str) -> str:
    lines = [line for line in (output or "").strip().split("\n") if line.strip()]
    tail = "\n".join(lines[-ERROR_LINES:])
    return tail or error or "the visible test failed"


def solve(row: Problem, env: Env, config: RunConfig, docs: bool, record: Recorder) -> Solution:
    from patchwright.app.paths import resolve_paths
    from patchwright.model.factory import make_model

    model = make_model(config, record, home=resolve_paths().home)
    if model is None:
        raise ValueError("--solver model needs a model (set --model)")
    reference = _Docs(row, env, record) if docs else None
    head = _last_def(row.starting_code)
    name = head.group(2) if head else ""
    user = render(
        "versioned_user", problem=row.problem.strip(), python_version=row.python_version,
        library=row.library, version=row.version, starting_code=row.starting_code.rstrip(),
        reference=reference.for_task() if reference else "",
    )  # fmt: skip
    convo = [Message(role="system", content=render("versioned_system")),
             Message(role="user", content=user)]  # fmt: skip
    best, passed, attempts = "", False, 0
    with model:
        for attempts in range(1, ATTEMPTS + 1):
            temperature = config.llm.temperature
            if attempts > 1 and temperature == 0:
                temperature = RETRY_TEMPERATURE  # greedy decoding would repeat itself
            try:
                resp = model.complete(convo, max_tokens=config.llm.max_tokens,
                                      temperature=temperature)  # fmt: skip
            except ModelError as exc:
                record(ErrorEvent(source="model", error=f"{type(exc).__name__}: {exc}"[:300]))
                break
            code = extract_code(resp.text, name)
            answer = assemble(row.starting_code, code)
            problem = syntax_error(answer)
            if problem:
                output = problem
                if _unfinished(row.starting_code, answer):
                    output += "\nThe code repeats the starting code without finishing it."
            else:
                best = answer
                score = run_visible(env, row, answer)
                record(score.event("visible", attempt=attempts))
                if score.passed:
                    passed = True
                    break
                output = _error_text(score.output_tail, score.error)
            more = reference.for_error(output, answer) if reference else ""
            convo += [
                Message(role="assistant", content=resp.text[:4000]),
                Message(role="user", content=render(
                    "versioned_retry", library=row.library, version=row.version,
                    error=output[-2000:], reference=more)),
            ]  # fmt: skip
    answer = best or row.starting_code.rstrip() + "\n    pass\n"
    return Solution(
        answer=answer,
        attempts=attempts,
        model_calls=model.calls,
        tokens=model.tokens,
        info={"visible_passed": passed, "docs_shown": sorted(reference.shown) if reference else []},
    )
