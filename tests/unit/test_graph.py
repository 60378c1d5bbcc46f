"""The LangGraph agent compiled with an in-memory checkpointer and a scripted proposer:
routing, the approval interrupt, and resume after a crash inside a stage."""

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from patchwright.agent.graph import after_localize, after_reproduce, after_search, build_graph
from patchwright.app.components import make_testbed
from patchwright.core.config import RunConfig
from patchwright.core.events import Result, Stage, TaskInfo
from patchwright.pipeline.state import RepairDeps
from patchwright.propose.scripted import Edit, ScriptedProposer

SRC = "def inc(x):\n    return x + 2\n"
TEST = "from calc import inc\n\ndef test_inc():\n    assert inc(1) == 2\n\ndef test_other():\n    assert True\n"
FIX = Edit("calc.py", "x + 2", "x + 1", prior=0.5)
WRONG = Edit("calc.py", "x + 2", "x - 2", prior=0.9)


class CrashOnce(ScriptedProposer):
    """Raises on its first call, like a process killed in the middle of the search."""

    def __init__(self, edits):
        super().__init__(edits)
        self.crashed = False

    def propose(self, ctx):
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("crash")
        return super().propose(ctx)


def _deps(proposer, steps, confirm=False):
    config = RunConfig.model_validate({"sandbox": {"plugins": "none"}})
    return RepairDeps(
        config=config,
        make_sandbox=lambda root: make_testbed(config, root),
        make_proposers=lambda task: [proposer],
        record=steps.append,
        confirm=confirm,
    )


def _input(make_repo, tmp_path, files=None):
    proj = make_repo(files or {"calc.py": SRC, "test_calc.py": TEST})
    return {"source": str(proj), "run_dir": str(tmp_path / "run"), "selectors": [], "issue": "", "task_id": "t"}


def _stages(steps):
    """Stage starts and the approval, with "task" where the task's info was recorded."""
    return [
        "task" if isinstance(e, TaskInfo) else e.name
        for e in steps
        if isinstance(e, TaskInfo)
        or (isinstance(e, Stage) and (e.phase == "start" or e.name == "approve"))
    ]


def test_routers_are_pure_functions_of_state():
    assert after_reproduce({"status": "error"}) == "finalize"
    assert after_reproduce({}) == "localize"
    assert after_localize({"locations": []}) == "finalize"
    assert after_localize({"locations": [{"path": "a"}]}) == "search"
    assert after_search({"status": "plausible", "patch": {"diff": "x"}}) == "validate"
    assert after_search({"status": "budget_exhausted"}) == "finalize"


def test_full_run_routes_through_every_stage(make_repo, tmp_path):
    steps = []
    deps = _deps(ScriptedProposer([WRONG, FIX]), steps)
    graph = build_graph(deps, InMemorySaver())
    cfg = {"configurable": {"thread_id": "a"}}
    out = graph.invoke(_input(make_repo, tmp_path), cfg, context=deps)
    deps.close()
    assert out["status"] == "plausible" and out["validated"] is True
    assert "x + 1" in out["patch"]["diff"]
    assert _stages(steps)[:7] == [
        "prepare", "task", "reproduce", "task", "localize", "search", "validate"]  # fmt: skip
    prepared, reproduced = [e for e in steps if isinstance(e, TaskInfo)][:2]
    assert len(prepared.base_commit) == 40  # the header's missing half
    assert reproduced.failing_tests and reproduced.failing == len(reproduced.failing_tests)
    ends = {e.name: e for e in steps if isinstance(e, Stage) and e.phase == "end"}
    assert ends["search"].status == "plausible" and ends["search"].seconds >= 0
    assert next(e for e in steps if isinstance(e, Result)).status == "plausible"
    assert _stages(steps)[-1] == "finalize" and "approve" not in _stages(steps)
    assert (Path(tmp_path) / "run" / "result.json").exists()


def test_already_passing_routes_to_finalize_with_error(make_repo, tmp_path):
    steps = []
    deps = _deps(ScriptedProposer([FIX]), steps)
    graph = build_graph(deps, InMemorySaver())
    files = {"calc.py": SRC, "test_calc.py": "def test_ok():\n    assert True\n"}
    out = graph.invoke(_input(make_repo, tmp_path, files), {"configurable": {"thread_id": "b"}}, context=deps)
    deps.close()
    assert out["status"] == "error" and "already pass" in out["error"]
    assert "search" not in _stages(steps)


def test_no_candidate_fixes_it(make_repo, tmp_path):
    steps = []
    deps = _deps(ScriptedProposer([WRONG]), steps)
    graph = build_graph(deps, InMemorySaver())
    out = graph.invoke(_input(make_repo, tmp_path), {"configurable": {"thread_id": "c"}}, context=deps)
    deps.close()
    assert out["status"] == "not_found" and "validate" not in _stages(steps)


@pytest.mark.parametrize("answer,status", [(True, "plausible"), (False, "rejected")])
def test_approval_interrupt(make_repo, tmp_path, answer, status):
    steps = []
    deps = _deps(ScriptedProposer([FIX]), steps, confirm=True)
    graph = build_graph(deps, InMemorySaver())
    cfg = {"configurable": {"thread_id": "d"}}
    out = graph.invoke(_input(make_repo, tmp_path), cfg, context=deps)
    assert "__interrupt__" in out
    assert "x + 1" in out["__interrupt__"][0].value["patch"]
    assert not (tmp_path / "run" / "result.json").exists()  # paused before finalize
    out = graph.invoke(Command(resume=answer), cfg, context=deps)
    deps.close()
    assert out["status"] == status and out["approved"] is answer


def test_resume_after_a_crash_does_not_redo_finished_stages(make_repo, tmp_path):
    steps = []
    proposer = CrashOnce([WRONG, FIX])
    deps = _deps(proposer, steps)
    saver = InMemorySaver()
    graph = build_graph(deps, saver)
    cfg = {"configurable": {"thread_id": "e"}}
    with pytest.raises(RuntimeError, match="crash"):
        graph.invoke(_input(make_repo, tmp_path), cfg, context=deps)
    assert graph.get_state(cfg).next == ("search",)
    out = graph.invoke(None, cfg, context=deps)
    deps.close()
    assert out["status"] == "plausible"
    assert _stages(steps).count("reproduce") == 1 and _stages(steps).count("search") == 2
