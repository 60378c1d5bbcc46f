"""The progress printer and ``inspect`` print what the run says literally: rich markup,
emoji codes and line wrapping never touch a test id, a path or a message."""

import io

from rich.console import Console

from patchwright.console.progress import ProgressReporter, plain_line, print_line
from patchwright.core.events import BudgetEvent, ErrorEvent, Result, Stage, TaskInfo

NASTY = [
    "tests/test_x.py::test_x[a-[b]]",
    "tests/test_x.py::test_y[/bold]",
    "tests/test_x.py::test_z[:thumbs_up:-\\]",
    "tests/test_x.py::test_w[[red]x[/red]]",
]


def _console(width: int = 40) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, force_terminal=False), out


def test_every_event_prints_ids_and_messages_literally_and_unwrapped():
    console, out = _console()
    reporter = ProgressReporter(console)
    long_id = "tests/" + "deep/" * 20 + "test_long.py::test_q[" + "x" * 50 + "]"
    for event in [
        Stage(name="reproduce", detail="[/]"),
        TaskInfo(task_id="t", failing=2, failing_tests=[NASTY[0], NASTY[1]]),
        TaskInfo(task_id="t", failing=1, failing_tests=[long_id]),
        Stage(name="reproduce", phase="end", status="error", detail=NASTY[2]),
        BudgetEvent(name="max_seconds", proposer="[bold]", reason=NASTY[3]),
        ErrorEvent(source="model_call", cap="max_dollars", message="spent [1/2] \\"),
        Result(status="budget_exhausted", message="timed out in reproduce [/red]"),
    ]:
        reporter(event)
    text = out.getvalue()
    for expected in [*NASTY, long_id, "[/]", "[bold]", "spent [1/2] \\",
                     "timed out in reproduce [/red]"]:  # fmt: skip
        assert expected in text, (expected, text)
    assert "\N{THUMBS UP SIGN}" not in text


def test_plain_line_is_text_not_markup():
    console, out = _console(width=20)
    print_line(console, ("bold", "bold"), " ", "[/bold] [link=x]y[/link] :smile:")
    assert out.getvalue() == "bold [/bold] [link=x]y[/link] :smile:\n"
    assert plain_line("a [b]", " ").plain == "a [b]"


def test_benchmark_tables_print_ids_literally(capsys):
    from patchwright.benchmarks.runner import InstanceResult, print_comparison, print_table

    ids = ["bug[/bold]", "bug[a-[b]]"]
    results = [InstanceResult(id=i, status="plausible", rechecked=True) for i in ids]
    summary = {"benchmark": "b", "plausible": 2, "instances": 2, "wall_seconds": 1.0,
               "median_evaluations_to_plausible": 1}  # fmt: skip
    print_table(results, summary)
    print_comparison({"strategies": {}, "common_fixed": [],
                      "fixed_by_some_only": {ids[0]: ["mcts"]},
                      "multi_edit_fixes": {ids[1]: {"mcts": 2}}})  # fmt: skip
    out = capsys.readouterr().out
    for i in ids:
        assert out.count(i) == 2, out
