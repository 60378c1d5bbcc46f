"""Batch runner: resume by result file, summaries, and the strategy comparison."""

from patchwright.benchmarks.runner import InstanceResult, compare, run_batch, summarize


def _worker(row, folder, config):
    return {"id": row["id"], "status": row["status"], "evaluations": row["e"],
            "evaluations_to_plausible": row["e"] if row["status"] == "plausible" else None,
            "edits": row.get("edits", 1)}


def test_batch_resumes_and_summarizes(tmp_path):
    rows = [{"id": "a", "status": "plausible", "e": 3}, {"id": "b", "status": "not_found", "e": 9}]
    results, _ = run_batch(rows, tmp_path, _worker, {}, jobs=1, log=lambda s: None)
    assert [r.id for r in results] == ["a", "b"]
    calls = []
    again, _ = run_batch(rows, tmp_path, lambda *a: calls.append(a) or {}, {}, jobs=1, log=lambda s: None)
    assert calls == [] and again == results  # nothing re-run
    summary = summarize(results, 1.0, "x", {})
    assert summary["plausible"] == 1 and summary["median_evaluations_to_plausible"] == 3


def _summary(name, fixed):
    results = [InstanceResult(id=i, status="plausible", evaluations=e, evaluations_to_plausible=e,
                              edits=edits) for i, (e, edits) in fixed.items()]
    results.append(InstanceResult(id="never", status="not_found", evaluations=50))
    return summarize(results, 1.0, name, {})


def test_comparison_counts_common_bugs_and_multi_edit_fixes():
    summaries = {
        "mcts": _summary("mcts", {"a": (2, 1), "b": (5, 1), "c": (40, 2)}),
        "greedy": _summary("greedy", {"a": (2, 1), "b": (30, 1)}),
    }
    cmp = compare(summaries)
    assert cmp["common_fixed"] == ["a", "b"]
    assert cmp["strategies"]["mcts"]["median_evaluations_on_common"] == 3.5
    assert cmp["strategies"]["greedy"]["median_evaluations_on_common"] == 16
    assert cmp["fixed_by_some_only"] == {"c": ["mcts"]}
    assert cmp["multi_edit_fixes"] == {"c": {"mcts": 2}}
