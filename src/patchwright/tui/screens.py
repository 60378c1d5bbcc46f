"""The screens: set-up (tests, kind, model, budgets), the run (tree, diff, tests, thought,
model calls, budgets, log), approval and help. They render :class:`RunView` and send the
user's decisions to the run process; the domain sits in model/follow/launch/approval."""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    Log,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)

from patchwright.core.errors import PatchwrightError
from patchwright.tui.follow import RunFollower, Update
from patchwright.tui.launch import LaunchSpec, RunProcess, collect_tests, resume_argv
from patchwright.tui.model import NodeView, RunView
from patchwright.tui.widgets import Calls, DiffView, Gauges, NodeList

POLL_SECONDS = 0.2
TITLES = (("#nodes", "search tree"), ("#diff-box", "diff"), ("#tests", "tests"),
          ("#thought-box", "thought & feedback"), ("#gauges", "budgets"),
          ("#calls", "model calls"), ("#log", "log"))  # fmt: skip


class Polled(Message):
    """The follower thread found new events or a new tree."""

    def __init__(self, update: Update) -> None:
        super().__init__()
        self.update = update


class ProcessLine(Message):
    def __init__(self, line: str) -> None:
        super().__init__()
        self.line = line


class ProcessEnded(Message):
    def __init__(self, returncode: int) -> None:
        super().__init__()
        self.returncode = returncode


class TestsCollected(Message):
    __test__ = False

    def __init__(self, tests: list[str]) -> None:
        super().__init__()
        self.tests = tests


# -- set-up ----------------------------------------------------------------------------------
class SetupScreen(Screen[None]):
    """Pick the failing tests (collected from the project), the task kind, model, budgets."""

    BINDINGS = [Binding("f5", "start", "Start"), Binding("question_mark", "app.help", "Help"),
                Binding("ctrl+q", "app.quit", "Quit")]  # fmt: skip

    def __init__(self, spec: LaunchSpec, collect: bool = True) -> None:
        super().__init__()
        self.spec = spec
        self.collect = collect

    def compose(self) -> ComposeResult:
        s = self.spec
        yield Static(Text.assemble(("patchwright tui", "bold"), "  set up a run of ",
                                   (str(s.path), "bold")), id="title")  # fmt: skip
        with Horizontal(id="setup"):
            with VerticalScroll(id="options"):
                yield Label("Task kind")
                with RadioSet(id="kind", compact=True):
                    yield RadioButton("repair: make the failing tests pass", value=s.kind == "repair", id="kind-repair")
                    yield RadioButton("migrate --to LIB==VERSION", value=s.kind == "migrate", id="kind-migrate")
                    yield RadioButton("optimize --target MODULE:FUNCTION", value=s.kind == "optimize", id="kind-optimize")
                yield Label("Target: LIB==VERSION (migrate), MODULE:FUNCTION (optimize)")
                yield Input(s.target, placeholder="numpy==2.0.0", id="target", compact=True)
                yield Label("Model (empty: none, fix templates only)")
                yield Input(s.model, placeholder="none | local | scripted:FILE | NAME", id="model", compact=True)
                yield Label("Strategy")
                yield Input(s.strategy, placeholder="mcts", id="strategy", compact=True)
                yield Label("Budget: evaluations / seconds")
                with Horizontal(classes="pair"):
                    yield Input("" if s.max_evals is None else str(s.max_evals), placeholder="250", id="max-evals", type="integer", compact=True)
                    yield Input("" if s.max_seconds is None else f"{s.max_seconds:g}", placeholder="900", id="max-seconds", type="number", compact=True)
                yield Label("Run directory")
                yield Input(str(s.run_dir), id="run-dir", compact=True)
                yield Button("Start (F5)", variant="primary", id="start")
            with Vertical(id="tests-box"):
                yield Label("Failing tests to fix (none ticked: every failing test)", id="tests-label")
                yield SelectionList[str](id="tests", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        if self.collect:
            self.query_one("#tests-label", Label).update("collecting the project's tests...")
            self._collect()
        else:
            self._fill(list(self.spec.tests))

    @work(thread=True, exclusive=True, group="collect")
    def _collect(self) -> None:
        self.post_message(TestsCollected(collect_tests(self.spec.path)))

    def on_tests_collected(self, message: TestsCollected) -> None:
        self._fill(message.tests)

    def _fill(self, tests: list[str]) -> None:
        box = self.query_one("#tests", SelectionList)
        box.clear_options()
        for t in tests:
            box.add_option((Text(t), t, t in self.spec.tests))
        note = f"{len(tests)} tests collected" if tests else "no tests collected"
        self.query_one("#tests-label", Label).update(
            f"Failing tests to fix ({note}; none ticked: every failing test)")

    @on(Button.Pressed, "#start")
    def _pressed(self) -> None:
        self.action_start()

    def chosen(self) -> LaunchSpec:
        def value(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value.strip()

        kind = next((k for k in ("migrate", "optimize")
                     if self.query_one(f"#kind-{k}", RadioButton).value), "repair")  # fmt: skip
        evals, secs = value("max-evals"), value("max-seconds")
        try:
            max_evals = int(evals) if evals else None
            max_seconds = float(secs) if secs else None
        except ValueError:
            raise PatchwrightError("the budgets must be numbers") from None
        return LaunchSpec(
            path=self.spec.path, run_dir=Path(value("run-dir")).expanduser(), kind=kind,
            tests=list(self.query_one("#tests", SelectionList).selected), target=value("target"),
            model=value("model"), strategy=value("strategy"), max_evals=max_evals,
            max_seconds=max_seconds, configs=self.spec.configs, sets=self.spec.sets,
        )  # fmt: skip

    def action_start(self) -> None:
        try:
            spec = self.chosen()
            argv = spec.argv()
            if spec.run_dir.exists() and any(spec.run_dir.iterdir()):
                raise PatchwrightError(f"run directory is not empty: {spec.run_dir}")
        except PatchwrightError as exc:
            self.notify(str(exc), severity="error")
            return
        self.app.switch_screen(RunScreen(spec.run_dir, argv=argv))


# -- the run ----------------------------------------------------------------------------------
class RunScreen(Screen[None]):
    """The live (or finished, or killed) run: the tree grows as evaluations arrive."""

    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("r", "reject", "Reject"),
        Binding("s", "stop", "Stop"),
        Binding("R", "resume", "Resume"),
        Binding("c", "copy", "Copy diff"),
        Binding("p", "next_plausible", "Next plausible"),
        Binding("b", "best", "Best"),
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, run_dir: Path, argv: list[str] | None = None,
                 follow: bool = True, poll: float = POLL_SECONDS) -> None:  # fmt: skip
        super().__init__()
        self.run_dir = Path(run_dir)
        self.view = RunView()
        self.follower = RunFollower(self.run_dir)
        self.argv = argv
        self.follow = follow
        self.poll = poll
        self.process: RunProcess | None = None
        self.decision = ""
        """What approval chose: "apply" (write into the project) or "keep" (patch.diff)."""
        self.applied: list[str] | None = None
        self.exit_code: int | None = None
        self._structure = -1
        self._shown: tuple[int, int] | None = None
        self._pointed = False

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="main"):
            yield NodeList(id="nodes")
            with Vertical(id="detail"):
                with VerticalScroll(id="diff-box"):
                    yield DiffView(id="diff")
                yield DataTable(id="tests", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="thought-box"):
                    yield Static(id="thought")
        with Horizontal(id="bottom"):
            yield Gauges(id="gauges")
            yield Calls(id="calls")
            yield Log(id="log", max_lines=2000)
        yield Footer()

    def on_mount(self) -> None:
        for wid, title in TITLES:
            self.query_one(wid).border_title = title
        self.query_one("#tests", DataTable).add_columns("test", "status", "message")
        self.query_one("#nodes", NodeList).focus()
        self.ingest(self.follower.poll())
        if self.argv is not None:
            self._start(self.argv)
        if self.follow:
            self._follow()
        self.set_interval(1.0, self._tick)

    # -- the worker: typed messages from the follower thread ------------------------------
    @work(thread=True, exclusive=True, group="follow")
    def _follow(self) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        while not worker.is_cancelled:
            update = self.follower.poll()
            if update:
                self.post_message(Polled(update))
            time.sleep(self.poll)

    def on_polled(self, message: Polled) -> None:
        self.ingest(message.update)

    def ingest(self, update: Update) -> None:
        """Fold new events into the view and repaint what changed."""
        if update.header is not None:
            self.view.set_header(update.header)
        start = len(self.view.log)
        self.view.apply_all(update.events)
        if update.tree is not None:
            self.view.load_tree(update.tree)
        log = self.query_one("#log", Log)
        log.write_lines(self.view.log[start:] if len(self.view.log) > start else [])
        self.refresh_view()

    def refresh_view(self) -> None:
        nodes = self.query_one("#nodes", NodeList)
        keep = nodes.selected.id if nodes.selected else None
        if self.view.structure != self._structure:
            self._structure = self.view.structure
            nodes.set_rows(self.view.rows(nodes.folded), keep)
        else:
            nodes.refresh()
        done = self.view.result is not None and self.view.result.status == "plausible"
        if (self.view.awaiting_approval or done) and not self._pointed:
            self._pointed = True
            self.action_best()
        self._show_selected()
        self._show_status()

    def _tick(self) -> None:
        if self.process is not None and self.process.running:
            self._show_status()

    def _now(self) -> float | None:
        return time.time() if self.process is not None and self.process.running else None

    def _show_status(self) -> None:
        v = self.view
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {v.task_id or self.run_dir.name} ", "bold reverse")
        text.append(f" {v.kind}  ")
        line = v.status_line()
        if v.result is None and not (self.process and self.process.running):
            stopped = _interrupted(self.run_dir)
            line = stopped or ("waiting for approval (R resumes the run to answer)"
                               if v.awaiting_approval else "not running (R resumes)")  # fmt: skip
        style = "green bold" if v.awaiting_approval or (v.result and v.result.status == "plausible") else ""
        text.append(line, style)
        text.append(f"   nodes {len(v.nodes)}  evaluated {v.evaluations}  plausible {len(v.plausible)}")
        if self.applied is not None:
            text.append(f"   applied to {', '.join(self.applied)}", "green")
        self.query_one("#status", Static).update(text)
        self.query_one("#gauges", Gauges).show(v.gauges(self._now()))
        self.query_one("#calls", Calls).show(v.calls, v.tokens, v.cost)

    def _show_selected(self) -> None:
        node = self.query_one("#nodes", NodeList).selected
        if node is None:
            return
        key = (node.id, self.view.version if node.id == 0 else hash((node.evaluated, node.thought, len(node.feedback), node.diff)))
        if key == self._shown:
            return
        self._shown = key
        self.query_one("#diff", DiffView).show(node.diff)
        table = self.query_one("#tests", DataTable)
        table.clear()
        for tid, status, msg in node.tests:
            colour = "green" if status == "pass" else ("yellow" if status == "skip" else "red")
            table.add_row(Text(tid), Text(status, colour), Text(msg))
        self.query_one("#thought", Static).update(_thought(node))

    def on_node_list_selected(self, message: NodeList.Selected) -> None:
        self._show_selected()

    def on_node_list_folded(self, message: NodeList.Folded) -> None:
        nodes = self.query_one("#nodes", NodeList)
        nodes.set_rows(self.view.rows(nodes.folded), nodes.selected.id if nodes.selected else None)

    # -- the process ----------------------------------------------------------------------
    def _start(self, argv: list[str]) -> None:
        def line(text: str) -> None:  # on the reader thread: post_message is thread-safe
            self.post_message(ProcessLine(text))

        def ended(rc: int) -> None:
            self.post_message(ProcessEnded(rc))

        try:
            self.process = RunProcess(argv, line, ended)
        except PatchwrightError as exc:
            self.notify(str(exc), severity="error")
            return
        self.exit_code = None
        self.query_one("#log", Log).write_line(f"started: {' '.join(argv[2:])}")

    def on_process_line(self, message: ProcessLine) -> None:
        if message.line.startswith("patchwright:"):
            self.query_one("#log", Log).write_line(message.line)
            stopped = "interrupted" in message.line or "stopped by" in message.line
            self.notify(message.line, severity="warning" if stopped else "error")

    def on_process_ended(self, message: ProcessEnded) -> None:
        self.exit_code = message.returncode
        self.ingest(self.follower.poll())
        self.query_one("#log", Log).write_line(f"run process ended with exit code {message.returncode}")
        if self.decision == "apply" and message.returncode == 0:
            self._apply()
        elif self.decision == "branch" and message.returncode == 0:
            self._branch()
        self._show_status()

    @work(thread=True, exclusive=True, group="apply")
    def _apply(self) -> None:
        from patchwright.tui.approval import apply_run

        try:
            written = apply_run(self.run_dir)
        except PatchwrightError as exc:
            self.app.call_from_thread(self._applied, None, str(exc))
            return
        self.app.call_from_thread(self._applied, written, "")

    @work(thread=True, exclusive=True, group="apply")
    def _branch(self) -> None:
        from patchwright.tui.approval import branch_run

        try:
            name = branch_run(self.run_dir)
        except PatchwrightError as exc:
            self.app.call_from_thread(self._branched, "", str(exc))
            return
        self.app.call_from_thread(self._branched, name, "")

    def _branched(self, name: str, error: str) -> None:
        log = self.query_one("#log", Log)
        if not name:
            log.write_line(f"no branch written: {error}")
            self.notify(f"no branch written: {error}", severity="error")
        else:
            log.write_line(f"written to branch {name}")
            self.notify(f"written to branch {name}")
        self._show_status()

    def _applied(self, written: list[str] | None, error: str) -> None:
        log = self.query_one("#log", Log)
        if written is None:
            log.write_line(f"not applied: {error}")
            self.notify(f"not applied: {error}", severity="error")
        else:
            self.applied = written
            log.write_line(f"applied to {', '.join(written)}")
            self.notify(f"applied to {', '.join(written)}")
        self._show_status()

    # -- decisions ------------------------------------------------------------------------
    def _asked(self) -> bool:
        if self.process is not None and self.process.running and self.view.awaiting_approval:
            return True
        if self.view.awaiting_approval:
            self.notify("the run is not running: press R to resume it, then approve")
        elif self.view.result is not None:
            self.notify(f"the run has ended ({self.view.result.status})")
        else:
            self.notify("the run asks for approval after validate and minimize")
        return False

    def action_approve(self) -> None:
        if not self._asked():
            return
        best = self.view.best()
        diff = self.process.asked_diff if self.process is not None else ""

        def chosen(decision: str | None) -> None:
            if decision and self.process is not None:
                self.decision = decision
                self.process.answer(True)
                self.query_one("#log", Log).write_line(f"approved ({decision})")

        self.app.push_screen(ApproveScreen(diff or (best.diff if best else "")), chosen)

    def action_reject(self) -> None:
        if self._asked() and self.process is not None:
            self.process.answer(False)
            self.query_one("#log", Log).write_line("rejected")

    def action_stop(self) -> None:
        if self.process is not None and self.process.running:
            self.process.stop()
            self.query_one("#log", Log).write_line("stopping (SIGINT): the best patch so far stays in the run directory")
        else:
            self.notify("the run is not running")

    def action_resume(self) -> None:
        if self.process is not None and self.process.running:
            self.notify("the run is running")
        elif self.view.result is not None:
            self.notify(f"the run has ended ({self.view.result.status}); nothing to resume")
        else:
            self._start(resume_argv(self.run_dir))

    def action_copy(self) -> None:
        node = self.query_one("#nodes", NodeList).selected
        if node is not None and node.diff:
            self.app.copy_to_clipboard(node.diff)  # OSC 52
            self.notify(f"copied the diff of #{node.id}")

    def action_next_plausible(self) -> None:
        nodes = self.query_one("#nodes", NodeList)
        later = [i for i, r in enumerate(nodes.rows) if r.node.plausible]
        if not later:
            self.notify("no plausible node yet")
            return
        nodes.cursor = next((i for i in later if i > nodes.cursor), later[0])

    def action_best(self) -> None:
        best = self.view.best()
        if best is not None:
            self.query_one("#nodes", NodeList).select_node(best.id)

    def on_unmount(self) -> None:  # the app ends any other way (an error, a test's exit)
        self.close()

    def close(self, timeout: float = 15.0) -> None:
        """Quitting stops a running run with SIGINT (it stays resumable) and waits for it."""
        self.workers.cancel_group(self, "follow")
        if self.process is not None and self.process.running:
            self.process.stop()
            try:
                self.process.wait(timeout)
            except Exception:  # still cleaning up: a second SIGINT is ignored; leave it
                pass


def _interrupted(run_dir: Path) -> str:
    import json

    from patchwright.app.signals import INTERRUPTED_FILE

    try:
        stop = json.loads((run_dir / INTERRUPTED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    where = f" in {stop.get('stage')}" if stop.get("stage") else ""
    return f"interrupted by {stop.get('signal', 'a signal')}{where} (R resumes)"


def _thought(node: NodeView) -> Text:
    text = Text()
    text.append(f"#{node.id} {node.template or ''}".rstrip() + "\n", "bold")
    text.append(node.thought + "\n")
    if node.compile_error:
        text.append(f"compile error: {node.compile_error}\n", "red")
    for fb in node.feedback[-5:]:
        text.append("feedback: ", "yellow")
        text.append(fb + "\n")
    return text


# -- approval and help ---------------------------------------------------------------------
class ApproveScreen(ModalScreen[str | None]):
    """Approve the patch: apply it to the project (the --apply checks) or keep it only."""

    BINDINGS = [Binding("a", "choose('apply')", "Apply to project"),
                Binding("n", "choose('branch')", "New branch"),
                Binding("k", "choose('keep')", "Keep patch.diff only"),
                Binding("escape", "choose('')", "Cancel")]  # fmt: skip

    def __init__(self, diff: str) -> None:
        super().__init__()
        self.diff = diff

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text("Approve this patch?", style="bold"))
            with VerticalScroll(id="approve-diff"):
                yield DiffView(id="approve-view")
            yield Static(Text("a: apply it to the project (refused if the project changed since "
                              "the run's snapshot)   n: write it to a new branch (tree "
                              "untouched)   k: keep it in the run directory only   "
                              "esc: back"), id="approve-help")  # fmt: skip
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#approve-view", DiffView).show(self.diff)

    def action_choose(self, decision: str) -> None:
        self.dismiss(decision or None)


HELP = """\
patchwright tui: a view over a run directory; the run itself is `patchwright repair` in
its own process (checkpointed), so closing the TUI, or killing either, loses nothing:
`patchwright tui RUN_DIR` opens it again and R resumes a stopped run.

run screen
  up/down, j/k, pgup/pgdn, home/end   select a node      space   fold its subtree
  p   next plausible node    b   best node    c   copy the diff (OSC 52 clipboard)
  a   approve (when the run asks, after validate and minimize): apply to the project
      with the same checks as `repair --apply`, write it to a new branch (n; the tree,
      index and HEAD untouched), or keep the patch in the run directory
  r   reject      s   stop (SIGINT: the run keeps its tree and best patch; resumable)
  R   resume a stopped or killed run    q   quit (a running run is stopped, resumable)
set-up screen
  tab moves between fields, space ticks a test, F5 starts
everywhere
  ?   this help     ctrl+p   command palette     ctrl+q  quit
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(Text(HELP))
        yield Footer()
