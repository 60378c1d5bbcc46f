"""Widgets that render the view models of :mod:`patchwright.tui.model` (no domain logic).
The node list renders only the lines on screen (a virtual :class:`ScrollView`), so a tree of
thousands of nodes costs the same per key press as a small one."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from patchwright.tui.model import CallView, Gauge, NodeView, Row

STATUS_STYLE = {
    "root": Style(bold=True),
    "pending": Style(color="bright_blue", italic=True),
    "plausible": Style(color="green", bold=True),
    "partial": Style(color="yellow"),
    "failed": Style(color="red"),
}


def node_label(row: Row, current: bool = False) -> Text:
    """One tree line: cursor, indent, fold mark, id, reward, visits, plausible mark, thought
    (the cursor is a character too, so a plain-text capture of the screen shows it)."""
    n = row.node
    fold = ("▸ " if row.collapsed else "▾ ") if row.has_children else "  "
    reward = "  -  " if n.reward is None else f"{n.reward:5.2f}"
    mark = "✔" if n.plausible else ("…" if n.status == "pending" else " ")
    thought = n.thought.splitlines()[0] if n.thought else ""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(">" if current else " ")
    text.append("  " * row.depth + fold)
    text.append(f"#{n.id:<4} ", STATUS_STYLE[n.status])
    text.append(f"{reward} v{n.visits:<3} ")
    text.append(mark + " ", STATUS_STYLE["plausible"] if n.plausible else Style())
    text.append(thought)
    return text


class NodeList(ScrollView, can_focus=True):
    """The search tree as a flat list of lines; Up/Down select, Space folds a subtree."""

    DEFAULT_CSS = """
    NodeList { background: $surface; }
    NodeList:focus { background-tint: $foreground 5%; }
    """
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "move(-20)", "Page up", show=False),
        Binding("pagedown", "move(20)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("space", "fold", "Fold"),
    ]
    cursor: reactive[int] = reactive(0)

    class Selected(Message):
        def __init__(self, node_id: int) -> None:
            super().__init__()
            self.node_id = node_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.folded: set[int] = set()

    def set_rows(self, rows: list[Row], keep: int | None = None) -> None:
        """New lines; the cursor stays on node ``keep`` (or on its line number)."""
        self.rows = rows
        width = max((len(node_label(r)) for r in rows[-200:]), default=0)
        self.virtual_size = Size(max(width, self.size.width), len(rows))
        if keep is not None:
            for i, r in enumerate(rows):
                if r.node.id == keep:
                    self.set_reactive(NodeList.cursor, i)
                    break
        self.cursor = min(self.cursor, max(0, len(rows) - 1))
        self.refresh()

    @property
    def selected(self) -> NodeView | None:
        return self.rows[self.cursor].node if 0 <= self.cursor < len(self.rows) else None

    def select_node(self, node_id: int) -> None:
        for i, r in enumerate(self.rows):
            if r.node.id == node_id:
                self.cursor = i
                return

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to_region_line(new)
        self.refresh()
        if self.selected is not None:
            self.post_message(self.Selected(self.selected.id))

    def scroll_to_region_line(self, line: int) -> None:
        top, height = int(self.scroll_offset.y), self.size.height
        if height <= 0:
            return
        if line < top:
            self.scroll_to(y=line, animate=False)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = where % len(self.rows)

    def action_fold(self) -> None:
        node = self.selected
        if node is not None and node.children:
            self.folded ^= {node.id}
            self.post_message(self.Folded())

    class Folded(Message):
        pass

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        text = node_label(self.rows[index], index == self.cursor)
        if index == self.cursor:
            text.stylize(Style(reverse=True) if self.has_focus else Style(bgcolor="grey30"))
        segments = [s for s in text.render(self.app.console) if s.text != "\n"]
        strip = Strip(segments or [Segment("")])
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)


class DiffView(Static):
    """A node's diff, syntax highlighted."""

    def show(self, diff: str) -> None:
        if not diff.strip():
            self.update(Text("(no change: the base commit)", style="dim"))
            return
        self.update(Syntax(diff, "diff", theme="ansi_dark", word_wrap=False,
                           background_color="default"))  # fmt: skip


class Gauges(Static):
    """Budget bars: evaluations, seconds, tokens, dollars (used / limit)."""

    def show(self, gauges: list[Gauge]) -> None:
        text = Text(no_wrap=True)
        for g in gauges:
            cells = 14
            full = round(g.fraction * cells)
            colour = "red" if g.fraction >= 0.9 else "green"
            used = f"{g.used:.2f}" if g.name == "dollars" else f"{g.used:.0f}"
            limit = "-" if g.limit is None else (f"{g.limit:.2f}" if g.name == "dollars" else f"{g.limit:.0f}")
            text.append(f"{g.name:<12}")
            text.append("█" * full, colour)
            text.append("░" * (cells - full), "dim")
            text.append(f" {used}/{limit}\n")
        self.update(text)


class Calls(Static):
    """Model calls: the latest ones with tokens and cost, and the totals."""

    def show(self, calls: list[CallView], tokens: int, cost: float) -> None:
        text = Text(no_wrap=True)
        text.append(f"{len(calls)} calls  {tokens} tokens  ${cost:.4f}\n", "bold")
        if not calls:
            text.append("no model calls (LLM-free run)", "dim")
        for c in calls[-6:]:
            price = "-" if c.cost is None else f"${c.cost:.4f}"
            text.append(f"{c.model[:18]:<18} {c.prompt_tokens:>6}+{c.completion_tokens:<5} {price}"
                        f"{' cached' if c.cached else ''}\n")  # fmt: skip
        self.update(text)
