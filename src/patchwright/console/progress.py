"""Progress on standard error while a run goes on (rich); standard output stays clean."""

from __future__ import annotations

from rich.console import Console
from rich.status import Status
from rich.text import Text

from patchwright.core.events import (
    AnyEvent,
    BudgetEvent,
    ErrorEvent,
    Evaluation,
    Note,
    Result,
    Resume,
    Stage,
    TaskInfo,
)

SHOWN_TESTS = 3

Part = str | tuple[str, str]
"""A piece of a line: plain text, or (text, style). Never parsed as markup."""


def plain_line(*parts: Part) -> Text:
    """One line of literal text: ``[...]`` in a test id, ``:name:`` and backslashes stay
    as they are (a :class:`~rich.text.Text`, never markup, emoji codes or highlighting)."""
    line = Text.assemble(*parts, end="")
    line.rstrip()
    return line


def print_line(console: Console, *parts: Part) -> None:
    """Print :func:`plain_line` whole: no wrapping at the console's width, no cropping."""
    console.print(plain_line(*parts), soft_wrap=True, highlight=False, markup=False, emoji=False)


class ProgressReporter:
    """Observer of trajectory events: a live status line on a terminal, plain lines otherwise.
    Every text that comes from the run (test ids, thoughts, paths, messages) is printed as
    a :class:`~rich.text.Text`: ``[...]`` in a parametrized test id is not rich markup."""

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.evals = 0
        self.best = 0.0
        self.stage = ""
        self._status: Status | None = None

    def __enter__(self) -> ProgressReporter:
        if not self.quiet and self.console.is_terminal:
            self._status = self.console.status(Text("starting"))
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def _line(self, *parts: Part) -> None:
        if not self.quiet:
            print_line(self.console, *parts)

    def __call__(self, event: AnyEvent) -> None:
        match event:
            case Stage(phase="start"):
                self.stage = event.name
                self._line((event.name, "bold"), " ", event.detail)
            case Stage(phase="end", status=status) if status and event.name != "finalize":
                self._line(f"{event.name}: ", status, " ", event.detail)
            case TaskInfo(failing=failing) if failing:
                shown = ", ".join(event.failing_tests[:SHOWN_TESTS])
                more = f" (+{failing - SHOWN_TESTS})" if failing > SHOWN_TESTS else ""
                self._line(f"  failing={failing} passing={event.passing}: ", shown, more)
            case Evaluation(cached=False):
                self.evals += 1
                self.best = max(self.best, event.reward)
                if event.plausible:
                    self._line(("plausible", "green"), f" after {self.evals} evaluations: ",
                               event.thought)  # fmt: skip
            case Note(name="reproduce" | "environment" | "file skipped"):
                self._line((event.name, "yellow"), ": ", event.message)
            case Resume():
                self._line(f"resumed: {event.nodes} nodes, {event.cached} evaluations cached")
            case BudgetEvent(proposer=proposer) if proposer:  # the run's own caps: stage lines
                self._line(event.name, ": ", proposer, " ", event.reason)
            case ErrorEvent(cap=cap) if cap:
                self._line(("model budget", "yellow"), " ", cap, ": ", event.message)
            case Result():
                self._line((event.status, "bold"), " ", event.message)
        if self._status is not None:
            self._status.update(
                Text(f"{self.stage}: {self.evals} evaluated, best reward {self.best:.2f}")
            )
