"""The LLM proposer with a scripted model: fixes checked by running the patched code,
feedback on unusable replies, model errors and budget stops, and a search loop with it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from patchwright.app.components import make_proposers
from patchwright.core.config import RunConfig
from patchwright.core.diff import apply_to_files, make_patch
from patchwright.core.domain import Location, Message, ModelResponse, Node, Task, TestStatus
from patchwright.core.errors import RepairError
from patchwright.core.events import ErrorEvent
from patchwright.core.protocols import ProposalContext, RunLimits
from patchwright.model.errors import BudgetExceeded, ModelUnavailable
from patchwright.model.scripted import ScriptedModel
from patchwright.propose.llm.llm_patch import SAMPLE_TEMPERATURE, LlmPatchProposer, ProposerStop
from patchwright.sandbox.scripted import ScriptedSandbox
from patchwright.search.budget import Budget
from patchwright.search.evaluate import Evaluator
from patchwright.search.expand import Expander
from patchwright.search.llm_rethink import LlmRethinker
from patchwright.search.reward import reward
from patchwright.search.strategies import SearchContext, SearchParams, make_strategy
from patchwright.search.tree import Tree

PATH = "pkg/gcd.py"
BUGGY = (
    "def gcd(a, b):\n    if b == 0:\n        return a\n    else:\n        return gcd(a % b, b)\n"
)
FAILING = ["tests/test_gcd.py::test_gcd"]
FIX_SR = (
    "Swap the arguments of the recursive call.\n\n"
    f"{PATH}\n<<<<<<< SEARCH\n        return gcd(a % b, b)\n=======\n"
    "        return gcd(b, a % b)\n>>>>>>> REPLACE\n"
)
FIX_WHOLE = (
    "Use Euclid's algorithm properly.\n```python\ndef gcd(a, b):\n    while b:\n"
    "        a, b = b, a % b\n    return a\n```\n"
)
WRONG_SR = f"{PATH}\n<<<<<<< SEARCH\n        return a\n=======\n        return b\n>>>>>>> REPLACE\n"


def run_gcd(text: str) -> object:
    """Execute the module text and call gcd; the exception type when it fails."""
    ns: dict[str, object] = {}
    try:
        exec(compile(text, PATH, "exec"), ns)
        return ns["gcd"](12, 18)  # type: ignore[operator]
    except Exception as exc:
        return type(exc)


def make_ctx(
    files: dict[str, str] | None = None, repo: str = "/nonexistent", **kw
) -> ProposalContext:
    base = {PATH: BUGGY}
    return ProposalContext(
        task=Task(id="t", repo=repo, failing_tests=FAILING, description=kw.pop("description", "")),
        base_files=base,
        files=files or dict(base),
        locations=[Location(path=PATH, line=5, end_line=5, symbol="gcd", score=1.0)],
        **kw,
    )


class RecordingModel:
    name = "recording"

    def __init__(self, replies: Sequence[str] = (), error: Exception | None = None) -> None:
        self.replies = list(replies)
        self.error = error
        self.temperatures: list[float] = []
        self.calls: list[list[Message]] = []

    def complete(self, messages, *, max_tokens=1024, temperature=0.0, stop=None) -> ModelResponse:
        self.calls.append(list(messages))
        self.temperatures.append(temperature)
        if self.error is not None:
            raise self.error
        return ModelResponse(text=self.replies[(len(self.calls) - 1) % len(self.replies)])


def test_search_replace_reply_fixes_the_function():
    assert run_gcd(BUGGY) is RecursionError
    prop = LlmPatchProposer(ScriptedModel([FIX_SR]))
    (cand,) = list(prop.propose(make_ctx()))
    fixed = apply_to_files({PATH: BUGGY}, cand.patch.diff)[PATH]
    assert run_gcd(fixed) == 6
    assert cand.template == "llm" and cand.prior > 1.0
    assert cand.thought == "Swap the arguments of the recursive call."
    assert cand.location is not None and cand.location.symbol == "gcd"


def test_whole_function_format():
    model = ScriptedModel([FIX_WHOLE])
    (cand,) = list(LlmPatchProposer(model, format="whole_function").propose(make_ctx()))
    assert run_gcd(apply_to_files({PATH: BUGGY}, cand.patch.diff)[PATH]) == 6
    assert "complete corrected function" in model.calls[0][0].content
    assert "SEARCH" not in model.calls[0][0].content


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        LlmPatchProposer(ScriptedModel([]), format="xml")  # type: ignore[arg-type]


def test_prompt_carries_task_tests_code_plan_and_feedback(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_gcd.py").write_text(
        "from pkg.gcd import gcd\n\ndef test_gcd():\n    assert gcd(12, 18) == 6\n"
    )
    model = ScriptedModel([FIX_SR])
    ctx = make_ctx(repo=str(tmp_path), description="gcd recurses forever", thought="Fix the call",
                   feedback=["swap a and b: tests/test_gcd.py::test_gcd still fails"])  # fmt: skip
    ctx.task.failure_messages = {FAILING[0]: "RecursionError: maximum recursion depth"}
    list(LlmPatchProposer(model).propose(ctx))
    user = model.calls[0][1].content
    for part in ("gcd recurses forever", "tests/test_gcd.py::test_gcd: RecursionError",
                 "assert gcd(12, 18) == 6", "   5 |         return gcd(a % b, b)",
                 "most suspicious lines: 5", "Fix the call", "still fails"):  # fmt: skip
        assert part in user, part


def test_unusable_reply_is_sent_back_and_the_retry_succeeds():
    model = ScriptedModel(["I would change something.", FIX_SR])
    (cand,) = list(LlmPatchProposer(model, retries=1).propose(make_ctx()))
    assert run_gcd(apply_to_files({PATH: BUGGY}, cand.patch.diff)[PATH]) == 6
    retry = model.calls[1]
    assert [m.role for m in retry] == ["system", "user", "assistant", "user"]
    assert "no edit found" in retry[-1].content


def test_failure_is_remembered_for_the_next_call():
    bad = f"{PATH}\n<<<<<<< SEARCH\n        return gcd(a %% b, b)\n=======\nx\n>>>>>>> REPLACE\n"
    model = ScriptedModel([bad, FIX_SR])
    prop = LlmPatchProposer(model, retries=0)
    assert list(prop.propose(make_ctx())) == []
    assert "does not match" in prop.last_failure and "return gcd(a % b, b)" in prop.last_failure
    (cand,) = list(prop.propose(make_ctx()))
    assert "could not be applied" in model.calls[1][1].content
    assert "does not match" in model.calls[1][1].content
    assert prop.last_failure == "" and cand.patch.files == [PATH]


def test_patch_is_cumulative_against_base():
    parent = BUGGY.replace("if b == 0:", "if b == 0:  # base case")
    ctx = make_ctx(files={PATH: parent})
    ctx.parent_patch = make_patch({PATH: BUGGY}, {PATH: parent})
    (cand,) = list(LlmPatchProposer(ScriptedModel([FIX_SR])).propose(ctx))
    new = apply_to_files({PATH: BUGGY}, cand.patch.diff)[PATH]
    assert "# base case" in new and "gcd(b, a % b)" in new


def test_samples_use_a_sampling_temperature_and_are_deduplicated():
    model = RecordingModel([FIX_SR, FIX_SR, FIX_WHOLE])
    cands = list(LlmPatchProposer(model, n=3).propose(make_ctx()))
    assert model.temperatures == [0.0, SAMPLE_TEMPERATURE, SAMPLE_TEMPERATURE]
    assert len(cands) == 2 and cands[0].prior > cands[1].prior


def test_model_errors_yield_nothing_and_disable_after_a_few():
    steps = []
    model = RecordingModel(error=ModelUnavailable("connection refused"))
    prop = LlmPatchProposer(model, max_errors=2, record=steps.append)
    for _ in range(4):
        assert list(prop.propose(make_ctx())) == []
    assert len(model.calls) == 2 and prop.disabled
    assert [type(s) for s in steps][:2] == [ErrorEvent, ErrorEvent]
    assert "connection refused" in steps[0].error


def test_script_exhaustion_is_an_ordinary_error():
    prop = LlmPatchProposer(ScriptedModel([]))
    assert list(prop.propose(make_ctx())) == []


def test_budget_exhaustion_raises_proposer_stop():
    prop = LlmPatchProposer(RecordingModel(error=BudgetExceeded("max_dollars", "task")))
    with pytest.raises(ProposerStop) as info:
        list(prop.propose(make_ctx()))
    assert "max_dollars" in info.value.reason

    class TokenBudgetError(RuntimeError):
        pass

    with pytest.raises(ProposerStop):
        list(LlmPatchProposer(RecordingModel(error=TokenBudgetError("out"))).propose(make_ctx()))


def test_make_proposers_llm_and_mutations_llm_first():
    config = RunConfig.model_validate({"search": {"proposers": ["llm", "mutations"]}})
    with pytest.raises(RepairError, match="needs a model"):
        make_proposers(config)
    proposers = make_proposers(config, model=ScriptedModel([FIX_SR]))
    assert [p.name for p in proposers] == ["llm", "mutations"]
    ctx = make_ctx()
    expander = Expander(ctx.task, ctx.base_files, ctx.locations, proposers)
    cands = expander.candidates(Node(id=0))
    assert cands[0].template == "llm" and len(cands) > 1
    assert all(c.prior < cands[0].prior for c in cands[1:])


def test_mcts_with_llm_proposer_and_rethinker_reaches_the_fix():
    """First reply is wrong; the failure is rethought and fed back; the next reply fixes it."""

    def oracle(files):
        ok = run_gcd(files[PATH]) == 6
        return {FAILING[0]: TestStatus.PASS if ok else TestStatus.FAIL}

    def reply(messages):
        user = messages[1].content
        return FIX_SR if "still fails" in user else WRONG_SR

    model = ScriptedModel([reply], cycle=True)
    task = Task(id="t", repo="/nonexistent", failing_tests=FAILING)
    locs = [Location(path=PATH, line=5, end_line=5, symbol="gcd", score=1.0)]
    sandbox = ScriptedSandbox("/nonexistent", {PATH: BUGGY}, oracle)
    tree = Tree()
    tree.root.result = sandbox.run_tests([], RunLimits())
    tree.root.reward = reward(task, tree.root.result)
    rethink_model = ScriptedModel(["Swap the recursive call's arguments instead."], cycle=True)
    ctx = SearchContext(
        task=task, tree=tree, evaluator=Evaluator(sandbox, task, RunLimits()),
        expander=Expander(task, {PATH: BUGGY}, locs, [LlmPatchProposer(model)]),
        budget=Budget(10, 60.0), params=SearchParams(), rethinker=LlmRethinker(rethink_model),
    )  # fmt: skip
    outcome = make_strategy("mcts").run(ctx)
    assert outcome.plausible, outcome.stopped_by
    best = outcome.plausible[0]
    assert run_gcd(apply_to_files({PATH: BUGGY}, best.patch.diff)[PATH]) == 6
    assert ctx.tree.root.thought.startswith("Swap the recursive call's arguments instead.")


def test_edits_that_do_not_compile_are_skipped_with_feedback():
    broken = f"{PATH}\n<<<<<<< SEARCH\n        return a\n=======\n        return (a\n>>>>>>> REPLACE\n"
    prop = LlmPatchProposer(ScriptedModel([broken]), retries=0)
    assert list(prop.propose(make_ctx())) == []
    assert "does not compile" in prop.last_failure


def test_java_file_with_search_replace():
    path = "src/Max.java"
    base = "class Max {\n    static int max(int a, int b) {\n        return a < b ? a : b;\n    }\n}\n"
    reply = (
        f"Flip the comparison.\n{path}\n<<<<<<< SEARCH\n        return a < b ? a : b;\n"
        "=======\n        return a > b ? a : b;\n>>>>>>> REPLACE\n"
    )
    ctx = ProposalContext(
        task=Task(id="j", repo="/nonexistent"),
        base_files={path: base},
        files={path: base},
        locations=[Location(path=path, line=3, end_line=3, symbol="Max.max", score=0.8)],
    )
    model = ScriptedModel([reply])
    (cand,) = list(LlmPatchProposer(model).propose(ctx))
    assert "a > b" in apply_to_files({path: base}, cand.patch.diff)[path]
    assert "```java" in model.calls[0][1].content


JAVA_PATH = "src/main/java/pkg/Num.java"
JAVA_BASE = (
    "package pkg;\n\npublic class Num {\n    /** Parses an int. */\n"
    "    public static Integer parse(final String s) {\n        return Integer.decode(s);\n    }\n\n"
    "    public static Integer parse(final String s, int radix) {\n"
    "        return Integer.valueOf(s, radix);\n    }\n}\n"
)
JAVA_REPLY = (
    "Return null for a null string.\n\n```java\npublic static Integer parse(final String s) {\n"
    "    if (s == null) {\n        return null;\n    }\n    return Integer.decode(s);\n}\n```\n"
    "The method now handles null.\n"
)


def java_ctx() -> ProposalContext:
    return ProposalContext(
        task=Task(id="j", repo="/nonexistent"),
        base_files={JAVA_PATH: JAVA_BASE},
        files={JAVA_PATH: JAVA_BASE},
        locations=[Location(path=JAVA_PATH, line=6, end_line=6, symbol="Num.parse", score=0.9)],
    )


def test_whole_java_method_replaces_the_overload_with_its_arity():
    """A small model answers with the whole Java method: the overload with one parameter
    is replaced, re-indented, its Javadoc kept; the prompt shows a Java example."""
    model = ScriptedModel([JAVA_REPLY])
    (cand,) = list(LlmPatchProposer(model, format="whole_function").propose(java_ctx()))
    new = apply_to_files({JAVA_PATH: JAVA_BASE}, cand.patch.diff)[JAVA_PATH]
    assert "    /** Parses an int. */\n    public static Integer parse(final String s) {\n" \
        "        if (s == null) {\n            return null;\n        }\n" in new
    assert "return Integer.valueOf(s, radix);" in new and new.count("Integer.decode(s)") == 1
    system = model.calls[0][0].content
    assert "```java" in system and "def function_name" not in system
    assert "public static Integer parse(final String s) {\n    corrected body\n}" in system
    assert cand.thought == "Return null for a null string."


def test_java_method_that_does_not_parse_or_names_nothing_is_sent_back():
    broken = "```java\npublic static Integer parse(final String s) {\n    return (s;\n}\n```\n"
    other = "```java\npublic static int missing(int a) {\n    return a;\n}\n```\n"
    for reply, word in ((broken, "no edit found"), (other, "no method named 'missing'")):
        prop = LlmPatchProposer(ScriptedModel([reply]), format="whole_function", retries=0)
        assert list(prop.propose(java_ctx())) == []
        assert word in prop.last_failure


def test_retry_reminds_of_the_format_in_use():
    model = RecordingModel(["no code here", FIX_WHOLE])
    prop = LlmPatchProposer(model, format="whole_function", retries=1)
    assert len(list(prop.propose(make_ctx()))) == 1
    retry = model.calls[1][-1].content
    assert "whole corrected function" in retry and "SEARCH" not in retry


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("qwen2.5-coder-0.5b", "whole_function"), ("llama-3.2-1b-instruct", "whole_function"),
     ("gpt-4o", "search_replace"), ("Qwen/Qwen2.5-Coder-32B-Instruct", "search_replace"),
     ("mistral-7b", "search_replace")],
)  # fmt: skip
def test_auto_format_gives_small_models_whole_functions(name, fmt):
    from patchwright.propose.llm.llm_patch import resolve_format

    assert resolve_format("auto", name) == fmt
    assert resolve_format("search_replace", name) == "search_replace"
