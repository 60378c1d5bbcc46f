"""The Textual application: the set-up screen for a project, the run screen for a run
directory; help, the command palette, and quitting that leaves a run resumable."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from patchwright.tui.launch import LaunchSpec
from patchwright.tui.screens import HelpScreen, RunScreen, SetupScreen

CSS = """
#title { height: 1; padding: 0 1; }
#setup { height: 1fr; }
#options { width: 60; padding: 0 1; }
#options Label { margin: 1 0 0 0; }
#options Button { margin: 1 0 0 0; }
#options .pair { height: auto; }
#options .pair Input { width: 1fr; margin: 0 1 0 0; }
#tests-box { width: 1fr; padding: 0 1; }
#tests { height: 1fr; }
#status { height: 1; background: $panel; }
#main { height: 1fr; }
#nodes { width: 2fr; border: round $primary; scrollbar-size-horizontal: 0; }
#detail { width: 3fr; }
#diff-box { height: 2fr; border: round $secondary; }
#tests { height: 1fr; }
RunScreen #tests { height: 9; border: round $secondary; }
#thought-box { height: 7; border: round $secondary; }
#bottom { height: 10; }
#gauges { width: 40; border: round $accent; }
#calls { width: 46; height: 100%; border: round $accent; }
#gauges { height: 100%; }
#log { width: 1fr; border: round $accent; }
#dialog, #help { width: 110; height: auto; max-height: 90%; border: thick $primary;
                 background: $surface; padding: 0 1; }
ApproveScreen, HelpScreen { align: center middle; }
#approve-diff { height: auto; max-height: 25; }
"""


class PatchwrightTui(App[None]):
    """``patchwright tui [PATH|RUN_DIR]``."""

    CSS = CSS
    TITLE = "patchwright"
    BINDINGS = [Binding("question_mark", "help", "Help", show=False)]

    def __init__(self, *, spec: LaunchSpec | None = None, run_dir: Path | None = None,
                 start: bool = False, collect: bool = True, follow: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.spec = spec
        self.run_dir = run_dir
        self.start = start
        self.collect = collect
        self.follow = follow

    def first_screen(self) -> Screen[None]:
        if self.run_dir is not None:
            return RunScreen(self.run_dir, follow=self.follow)
        assert self.spec is not None
        if self.start:
            return RunScreen(self.spec.run_dir, argv=self.spec.argv(), follow=self.follow)
        return SetupScreen(self.spec, collect=self.collect)

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(self.first_screen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[None]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, RunScreen):
            for title, help_text, action in (
                ("Approve the patch", "apply it to the project (the --apply checks)", screen.action_approve),
                ("Reject the patch", "answer no at the approval step", screen.action_reject),
                ("Stop the run", "SIGINT: stop, keep the tree, resumable", screen.action_stop),
                ("Resume the run", "repair --resume RUN_DIR", screen.action_resume),
                ("Copy the diff", "the selected node's diff to the clipboard (OSC 52)", screen.action_copy),
                ("Best node", "select the best node so far", screen.action_best),
            ):  # fmt: skip
                yield SystemCommand(title, help_text, action)
        yield SystemCommand("Help", "keys and what they do", self.action_help)

    async def action_quit(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, RunScreen):
                screen.close()
        self.exit()
