"""``patchwright tui``: a Textual terminal UI over a run directory.

The TUI is a read-only view: the repair runs out of process (the CLI, with its checkpoints)
and the TUI follows its typed events (``trajectory.jsonl``) and ``tree.json``. The domain
(events -> view models, the follower, the launcher, the approval) lives in plain modules
without textual imports (``model``, ``follow``, ``launch``, ``approval``); the widgets only
render (``widgets``, ``screens``, ``app``)."""
