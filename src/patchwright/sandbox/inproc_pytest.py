"""Running ``python -m pytest ARGS`` inside an already warm process (a forked child of the
fork server or of the Docker agent), shared by both.

A script fragment, not an ordinary module: :func:`bundle` prepends it to the fork server's
and the Docker agent's source, which are sent to the *test* interpreter (another virtual
environment, or the container's Python) and so must not import patchwright. Standard library
only, no ``from __future__`` import, annotations as strings: it runs on older Pythons too.
"""

import os
import sys


def quiet_preloaded(preloaded: "set[str]") -> None:
    """No "already imported, cannot be rewritten" warning for the plugins the parent
    preloaded: a plain run imports them after marking them for assertion rewriting."""
    try:
        from _pytest.assertion.rewrite import AssertionRewritingHook as Hook
    except ImportError:
        return
    warn = getattr(Hook, "_warn_already_imported", None)
    if warn is None:
        return

    def _warn_already_imported(self: object, name: str) -> None:
        if name not in preloaded:
            warn(self, name)

    Hook._warn_already_imported = _warn_already_imported  # type: ignore[method-assign]


EXIT_GRACE = 2.0
"""Seconds the run waits, once pytest is done, for the threads the tests left running, and
as long again for the at-exit handlers (multiprocessing's joins the processes it started)."""


def wind_down(threading: object, atexit: object, grace: float = EXIT_GRACE) -> None:
    """What the interpreter does at exit, each step bounded by ``grace``: join the
    non-daemon threads (not this one), then run the at-exit handlers in a daemon thread.
    A server or scheduler a test started and never stopped (luigi's) would otherwise hold
    the finished run open until its time ran out; pytest's report is already written."""
    import time

    try:
        if threading is not None:
            end = time.monotonic() + grace
            me = threading.current_thread()  # type: ignore[attr-defined]
            for t in threading.enumerate():  # type: ignore[attr-defined]
                if t is not me and not t.daemon and t.is_alive():
                    t.join(max(0.0, end - time.monotonic()))
    except BaseException:
        pass
    run = getattr(atexit, "_run_exitfuncs", None)
    if run is None:
        return
    try:
        if threading is None:
            run()
            return
        worker = threading.Thread(target=run)  # type: ignore[attr-defined]
        worker.daemon = True
        worker.start()
        worker.join(grace)
    except BaseException:
        pass


def run_pytest(args: "list[str]", cwd: str, env: "dict[str, str]", preloaded: "set[str]") -> int:
    """``python -m pytest ARGS`` in this process: cwd, environment, ``sys.path[0]`` (and
    ``PYTHONPATH``'s folders not there yet),
    ``__main__``, at-exit handlers; returns the exit status (0-255)."""
    import atexit
    import runpy
    import traceback

    sys.dont_write_bytecode = True
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, os.getcwd())
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in sys.path]
    sys.path[1:1] = extra  # as a fresh interpreter would (the runner's plugin folder, src/)
    quiet_preloaded(preloaded)
    sys.argv[:] = ["pytest", *args]
    if hasattr(sys, "orig_argv"):
        sys.orig_argv[:] = [sys.orig_argv[0], "-m", "pytest", *args]
    code: object = 0
    try:
        runpy.run_module("pytest", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        traceback.print_exc()
        code = 1
    wind_down(sys.modules.get("threading"), atexit)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return code & 0xFF


_FUTURE = "from __future__ import annotations\n"


def bundle(main_path: str) -> str:
    """The source sent to a test interpreter: this fragment, then the script at
    ``main_path`` (its ``from __future__`` import, if any, moved to the top)."""
    with open(__file__, encoding="utf-8") as fh:
        fragment = fh.read()
    with open(main_path, encoding="utf-8") as fh:
        main = fh.read()
    fragment = fragment[: fragment.index("\n_FUTURE = ")]
    head = _FUTURE if _FUTURE in main else ""
    main = main.replace(_FUTURE, "", 1)
    return head + fragment + "\n\n# ---- " + os.path.basename(main_path) + "\n" + main
