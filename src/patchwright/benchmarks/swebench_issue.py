"""``--mode issue``: the model sees the problem statement and the repository only. A BM25
funnel (files, then the functions of the best files, over tree-sitter chunks) picks the code
shown to the model; the model writes reproduction tests (Agentless-style, several
candidates); a candidate is kept only when it fails at base; the kept tests are committed
into the workspace's base and drive the same search as the repair (the graded patch never
contains them: grading starts from the clone again)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from patchwright.core.config import RunConfig
from patchwright.core.domain import Message, TestStatus
from patchwright.envs import Env
from patchwright.localize.bm25 import Bm25Index, Bm25Localizer
from patchwright.pipeline.deadline import Deadline
from patchwright.repo.git import init_repo
from patchwright.repo.index import CodeIndex

CANDIDATES = 3
REPLY_TOKENS = 768
"""A reproduction test is short; a small model that rambles stops here."""
PROMPT_CHARS = 14000
TOP_FILES = 5
TOP_FUNCTIONS = 6
_BLOCK = re.compile(r"```(?:python|py)?\n(.*?)```", re.S)
_TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_test\.py$|conftest\.py$")
SYSTEM = ("You write one pytest test file that reproduces a reported bug. The test must fail "
          "on the current code and pass once the bug is fixed. Import the project as installed. "
          "Do not repeat the project's code. Reply with one ```python block holding the imports "
          "and a function def test_issue(), and nothing else.")  # fmt: skip
SIGNATURE_LINES = 3
"""``--repro-code signatures``: the first lines of each function shown (a small model copies
whole bodies back instead of writing a test)."""


def funnel(workspace: Path, issue: str) -> list[tuple[str, str]]:
    """(path:symbol, code) of the functions the issue text points at, best first."""
    index = CodeIndex.from_repo(workspace)
    paths = sorted(p for p in index.files if p.endswith(".py") and not _TEST_PATH.search(p))
    files = Bm25Index([f"{p}\n{index.files[p]}" for p in paths]).top(issue, TOP_FILES)
    chunks = [c for i, _ in files for c in index.chunks(paths[i])]
    out = []
    for loc in Bm25Localizer(top=TOP_FUNCTIONS).rank(issue, chunks):
        lines = index.files[loc.path].splitlines()[loc.line - 1 : loc.end_line]
        out.append((f"{loc.path}:{loc.symbol}", "\n".join(lines[:60])))
    if not out:  # no function matched: the best files' first lines
        out = [(paths[i], "\n".join(index.files[paths[i]].splitlines()[:60])) for i, _ in files[:2]]
    return out


def prompt(
    row: dict[str, Any], code: list[tuple[str, str]], chars: int = PROMPT_CHARS, *,
    signatures: bool = False,
) -> list[Message]:  # fmt: skip
    """The issue (3/7 of ``chars``) and the funnel's code (the rest; with ``signatures``
    only each function's first lines)."""
    if signatures:
        code = [(w, "\n".join(t.splitlines()[:SIGNATURE_LINES])) for w, t in code]
    shown = "\n\n".join(f"# {where}\n{text}" for where, text in code)
    issue = row.get("problem_statement", "")[: chars * 3 // 7]
    user = (f"Repository: {row['repo']}\n\nIssue:\n{issue}\n\n"
            f"Code that may be involved:\n{shown[: chars - len(issue)]}\n\n"
            "Write the reproduction test file.")  # fmt: skip
    return [Message(role="system", content=SYSTEM), Message(role="user", content=user)]


def extract(text: str) -> str:
    blocks = _BLOCK.findall(text)
    code = max(blocks, key=len) if blocks else ""
    return code if "def test" in code else ""


def _record(path: Path, entry: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def reproduction_tests(
    row: dict[str, Any], work: Path, env: Env, data: dict[str, Any], seconds: float | None = None
) -> list[str]:  # fmt: skip
    """Node ids of the model's reproduction tests that fail at base (committed into the
    workspace's base commit); the calls are counted into ``data["issue_usage"]`` and each
    candidate (reply, tokens, seconds, outcome) goes to ``reproduction.jsonl`` beside the
    workspace. ``seconds``: the time they may take in all (each model call and test run
    gets what is left; none starts once it is spent)."""
    from patchwright.app.paths import resolve_paths
    from patchwright.benchmarks.bugsinpy_env import VERIFY_LIMITS, run_tests
    from patchwright.model.errors import ModelError
    from patchwright.model.factory import make_model

    config = RunConfig.model_validate(data["run"])
    model = make_model(config, home=resolve_paths().home)
    if model is None:
        return []
    chars = int(data["bench"].get("repro_prompt_chars") or PROMPT_CHARS)
    signatures = data["bench"].get("repro_code") == "signatures"
    messages = prompt(row, funnel(work, row.get("problem_statement", "")), chars,
                      signatures=signatures)  # fmt: skip
    kept: list[str] = []
    # this instance's own counts (``data`` is shared by the instances a worker runs)
    usage = data["issue_usage"] = {"calls": 0, "tokens": 0, "candidates": 0, "kept": 0}
    wanted = int(data["bench"].get("repro_candidates") or CANDIDATES)
    log = work.parent / "reproduction.jsonl"
    deadline = Deadline.after(seconds)
    with model:
        for k in range(wanted):
            entry: dict[str, Any] = {"version": 1, "candidate": k}
            started = time.monotonic()
            if deadline.remaining() <= 1.0:
                _record(log, {**entry, "error": f"no time left (--max-seconds {deadline.seconds:g})"})
                break
            left = None if seconds is None else deadline.remaining()
            try:
                reply = model.complete(messages, max_tokens=REPLY_TOKENS,
                                       temperature=0.0 if k == 0 else 0.8, timeout=left)  # fmt: skip
            except ModelError as exc:
                _record(log, {**entry, "error": str(exc)[:300]})
                break
            usage["calls"] += 1
            usage["tokens"] += (reply.prompt_tokens or 0) + (reply.completion_tokens or 0)
            entry.update(seconds=round(time.monotonic() - started, 1), reply=reply.text,
                         prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens)  # fmt: skip
            code = extract(reply.text)
            if not code:
                _record(log, {**entry, "kept": False, "why": "no ```python block with a test"})
                continue
            usage["candidates"] += 1
            rel = f"test_patchwright_repro_{k}.py"
            (work / rel).write_text(code, encoding="utf-8")
            res = run_tests(work, env.python, [rel], deadline.limits(VERIFY_LIMITS))
            failing = [t for t, o in res.tests.items()
                       if "::" in t and o.status in (TestStatus.FAIL, TestStatus.ERROR)]  # fmt: skip
            _record(log, {**entry, "kept": bool(failing), "failing": failing,
                          "outcomes": {t: o.status.value for t, o in res.tests.items()}})  # fmt: skip
            if failing:
                kept += failing
                usage["kept"] += 1
            else:
                (work / rel).unlink()
    if kept:
        init_repo(work, f"{row['id']} base + reproduction tests", force=True)
    return kept
