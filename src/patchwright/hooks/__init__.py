"""Git hooks and the PR bot: ``patchwright hook pre-commit|pre-push|pr``.

``pre-commit`` is LLM-free and fast: the staged Python files are parsed with the standard
library and matched against the registered checks (``core.registry`` kind ``check``: the
mined migration rules for the installed library versions, later the performance templates);
``--fix`` applies the codemods. ``pre-push`` runs the repair pipeline (app.session) within a
small budget and prints the validated patch, never touching the tree unless ``--apply``.
``pr`` runs the same repair for a pull request on demand and posts the validated patch as
one batched review (repo/github.py is the GitHub adapter)."""
