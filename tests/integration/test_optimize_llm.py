"""optimize with a model (scripted replies, offline): the model's proposer gets the
profile's hot path as its goal; its first edit breaks a test, the rethink is told so and
its second edit (order-keeping dedup in linear time) is measured, accepted and validated."""

import json

from patchwright.app.optimize import OptimizeRequest, optimize
from patchwright.core.config import RunConfig
from patchwright.core.domain import OptimizeSpec

UNIQ = '''def uniq(xs):
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out
'''
TESTS = '''from dedup import uniq


def test_keeps_first_occurrence_order():
    assert uniq([3, 1, 3, 2, 1]) == [3, 1, 2]
    assert uniq([]) == []
'''
WORKLOAD = "from dedup import uniq\nuniq([i % 1500 for i in range(12000)])\n"
BROKEN = "```python\ndef uniq(xs):\n    return sorted(set(xs))\n```\n"
GOOD = "```python\ndef uniq(xs):\n    return list(dict.fromkeys(xs))\n```\n"


def test_model_rethinks_after_a_broken_test(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "dedup.py").write_text(UNIQ)
    (proj / "test_dedup.py").write_text(TESTS)
    (proj / "workload.py").write_text(WORKLOAD)
    script = tmp_path / "script.json"
    script.write_text(json.dumps([BROKEN, GOOD]))
    config = RunConfig.model_validate({"model": {"name": f"scripted:{script}", "cache": False},
                                       "llm": {"edit_format": "whole_function"}})  # fmt: skip
    lines = []
    outcome = optimize(OptimizeRequest(source=proj, run_dir=tmp_path / "run", config=config,
                                       spec=OptimizeSpec(workload="python workload.py"),
                                       proposers=("perf_rewrites",)), lines.append)  # fmt: skip
    assert outcome.patch is not None, "\n".join(lines)
    assert "dict.fromkeys" in outcome.patch.diff and outcome.result.validated
    assert outcome.result.model_calls == 2 and outcome.speedup > 1.5
    llm = [c for c in outcome.report["candidates"] if c["template"] == "llm"]
    assert [c["status"] for c in llm] == ["broken", "accepted"]
    assert "workload.py" in outcome.report["protected"]
    notes = [json.loads(x) for x in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    assert notes[0]["kind"] == "header"
    assert any(n.get("message", "").startswith("hot: dedup.py:1 uniq") for n in notes[1:])
