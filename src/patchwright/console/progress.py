"""Progress on standard error while a run goes on (rich); standard output stays clean."""

from __future__ import annotations

from rich.console import Console
from rich.status import Status

from patchwright.core.types import Step


class ProgressReporter:
    """Observer of trajectory steps: a live status line on a terminal, plain lines otherwise."""

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

    def _line(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, highlight=False)

    def __call__(self, step: Step) -> None:
        if step.kind == "stage":
            self.stage = step.name
            detail = " ".join(f"{k}={v}" for k, v in step.data.items())
            self._line(f"[bold]{step.name}[/bold] {detail}".rstrip())
        elif step.kind == "evaluation":
            self.evals += 1
            self.best = max(self.best, float(step.data.get("reward") or 0.0))
            if step.data.get("plausible"):
                self._line(
                    f"[green]plausible[/green] after {self.evals} evaluations: {step.data.get('thought')}"
                )
        if self._status is not None:
            self._status.update(
                f"{self.stage}: {self.evals} evaluated, best reward {self.best:.2f}"
            )
