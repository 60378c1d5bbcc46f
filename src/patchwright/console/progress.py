"""Progress on standard error while a run goes on (rich); standard output stays clean."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.status import Status

from patchwright.core.events import (
    AnyEvent,
    BudgetEvent,
    ErrorEvent,
    Evaluation,
    Result,
    Resume,
    Stage,
    TaskInfo,
)

SHOWN_TESTS = 3


class ProgressReporter:
    """Observer of trajectory events: a live status line on a terminal, plain lines otherwise.
    Every text that comes from the run (test ids, thoughts, messages) is escaped: ``[...]``
    in a parametrized test id is not rich markup."""

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.evals = 0
        self.best = 0.0
        self.stage = ""
        self._status: Status | None = None

    def __enter__(self) -> ProgressReporter:
        if not self.quiet and self.console.is_terminal:
            self._status = self.console.status("starting")
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def _line(self, markup: str) -> None:
        if not self.quiet:
            self.console.print(markup, highlight=False)

    def __call__(self, event: AnyEvent) -> None:
        match event:
            case Stage(phase="start"):
                self.stage = event.name
                self._line(f"[bold]{event.name}[/bold] {escape(event.detail)}".rstrip())
            case Stage(phase="end", status=status) if status and event.name != "finalize":
                self._line(f"{event.name}: {escape(status)} {escape(event.detail)}".rstrip())
            case TaskInfo(failing=failing) if failing:
                shown = ", ".join(event.failing_tests[:SHOWN_TESTS])
                more = f" (+{failing - SHOWN_TESTS})" if failing > SHOWN_TESTS else ""
                self._line(
                    f"  failing={failing} passing={event.passing}: {escape(shown)}{more}"
                )
            case Evaluation(cached=False):
                self.evals += 1
                self.best = max(self.best, event.reward)
                if event.plausible:
                    self._line(
                        f"[green]plausible[/green] after {self.evals} evaluations: "
                        f"{escape(event.thought)}"
                    )
            case Resume():
                self._line(f"resumed: {event.nodes} nodes, {event.cached} evaluations cached")
            case BudgetEvent():
                self._line(f"{escape(event.name)}: {escape(event.proposer)} {escape(event.reason)}")
            case ErrorEvent(cap=cap) if cap:
                self._line(f"[yellow]model budget[/yellow] {escape(cap)}: {escape(event.message)}")
            case Result():
                self._line(f"[bold]{escape(event.status)}[/bold] {escape(event.message)}".rstrip())
        if self._status is not None:
            self._status.update(
                f"{self.stage}: {self.evals} evaluated, best reward {self.best:.2f}"
            )
