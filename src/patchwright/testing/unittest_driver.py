"""Runs stdlib unittest tests one by one and writes one JSON line per test.

Self-contained on purpose: :mod:`patchwright.testing.unittest_runner` writes this file into
a run's scratch folder and runs it with the *test* interpreter (under ``python -m coverage
run`` for coverage runs), so it must not import patchwright. Argument: a JSON request file
(``mode`` "collect" | "run", ``root``, ``start``, ``pattern``, ``tests``, ``timeout``,
``max_failures``, ``out``). Test ids: ``path/to/test_mod.py::Class::method`` (path
relative to ``root``), as pytest names the same test; dotted names are accepted too.
"""

import json
import os
import signal
import sys
import time
import traceback
import unittest

MESSAGE_LIMIT = 500
OUTPUT_LIMIT = 2000


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # type: ignore[no-untyped-def]
    raise _Timeout("Timeout: the test ran past its time limit")


def _flatten(suite):  # type: ignore[no-untyped-def]
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item


def _discover(root, start, pattern):  # type: ignore[no-untyped-def]
    loader = unittest.TestLoader()
    found = list(_flatten(loader.discover(start, pattern=pattern, top_level_dir=root)))
    if not found and start == ".":
        for sub in ("tests", "test"):
            folder = os.path.join(root, sub)
            if os.path.isdir(folder) and not os.path.exists(os.path.join(folder, "__init__.py")):
                sys.path.insert(0, folder)
                found = list(_flatten(loader.discover(folder, pattern=pattern,
                                                      top_level_dir=folder)))
                if found:
                    break
    return found


def _ident(test, root):  # type: ignore[no-untyped-def]
    """(id, dotted name, coverage context) of a test case."""
    cls = type(test)
    method = getattr(test, "_testMethodName", "runTest")
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None) or cls.__module__.replace(".", "/") + ".py"
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")
    func = getattr(getattr(cls, method, None), "__qualname__", None)
    defined = getattr(getattr(cls, method, None), "__module__", cls.__module__)
    context = f"{defined}.{func}" if func else f"{cls.__module__}.{cls.__name__}.{method}"
    dotted = f"{rel[:-3].replace('/', '.')}.{cls.__qualname__}.{method}"
    return f"{rel}::{cls.__qualname__.replace('.', '::')}::{method}", dotted, context


def _load_error(test, root=""):  # type: ignore[no-untyped-def]
    exc = getattr(test, "_exception", None)
    name = getattr(test, "_testMethodName", "?")
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip() if exc else "?"
    return f"{name}: {text.splitlines()[-1] if text else '?'}{_where(exc, root)}"


def _where(exc, root):  # type: ignore[no-untyped-def]
    """`` (PATH, line N)``: where an import error happened (the SyntaxError's line, else
    the innermost frame in the workspace); '' when unknown."""
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return f" ({exc.filename}, line {exc.lineno})"
    import re

    real = os.path.realpath(root) if root else ""
    if exc is None or not real:
        return ""
    # unittest's loader wraps the import error: its traceback is the message's text
    found = re.findall(r'File "([^"]+)", line (\d+)', str(exc))
    found += [(f.filename, str(f.lineno)) for f in traceback.extract_tb(exc.__traceback__)]
    inside = [(f, n) for f, n in found if os.path.realpath(f).startswith(real + os.sep)]
    return f" ({inside[-1][0]}, line {inside[-1][1]})" if inside else ""


def _summary(err):  # type: ignore[no-untyped-def]
    exc = err[1]
    lines = "".join(traceback.format_exception_only(err[0], exc)).strip().splitlines()
    return (lines[-1] if lines else err[0].__name__)[:MESSAGE_LIMIT]


class Recorder(unittest.TestResult):
    def __init__(self, out, ident):  # type: ignore[no-untyped-def]
        super().__init__()
        self.out, self.ident, self.row = out, ident, None
        self.failures_seen = 0

    def startTest(self, test):  # type: ignore[no-untyped-def]
        super().startTest(test)
        self.row = {"id": self.ident[id(test)][0], "status": "pass", "message": "",
                    "output": "", "context": self.ident[id(test)][2]}
        self.started = time.monotonic()

    def _set(self, status, err=None):  # type: ignore[no-untyped-def]
        if self.row is None or self.row["status"] not in ("pass", "skip"):
            return
        self.row["status"] = status
        if err is not None:
            if status == "error" and issubclass(err[0], _Timeout):
                self.row["status"] = "timeout"
            self.row["message"] = _summary(err)
            text = "".join(traceback.format_exception(*err))
            self.row["output"] = text[-OUTPUT_LIMIT:]

    def addFailure(self, test, err):  # type: ignore[no-untyped-def]
        self._set("fail", err)

    def addError(self, test, err):  # type: ignore[no-untyped-def]
        self._set("error", err)

    def addSubTest(self, test, subtest, err):  # type: ignore[no-untyped-def]
        if err is not None:
            self._set("fail" if issubclass(err[0], test.failureException) else "error", err)

    def addSkip(self, test, reason):  # type: ignore[no-untyped-def]
        self._set("skip")
        if self.row is not None:
            self.row["message"] = str(reason)[:MESSAGE_LIMIT]

    def addExpectedFailure(self, test, err):  # type: ignore[no-untyped-def]
        self._set("skip")

    def addUnexpectedSuccess(self, test):  # type: ignore[no-untyped-def]
        self._set("fail")
        if self.row is not None:
            self.row["message"] = "unexpected success"

    def stopTest(self, test):  # type: ignore[no-untyped-def]
        super().stopTest(test)
        if self.row is not None:
            self.row["duration"] = round(time.monotonic() - self.started, 6)
            if self.row["status"] not in ("pass", "skip"):
                self.failures_seen += 1
            self.out.write(json.dumps(self.row) + "\n")
            self.out.flush()
            self.row = None


def _selected(ids, selectors):  # type: ignore[no-untyped-def]
    if not selectors:
        return list(range(len(ids)))
    chosen = []
    for i, (tid, dotted, _) in enumerate(ids):
        for sel in selectors:
            if tid == sel or tid.startswith(sel + "::") or dotted == sel or \
                    dotted.startswith(sel + "."):
                chosen.append(i)
                break
    return chosen


def _dotted(selector):  # type: ignore[no-untyped-def]
    path, _, rest = selector.partition("::")
    if path.endswith(".py"):
        path = path[:-3].replace("/", ".")
    return ".".join([path, *[p for p in rest.split("::") if p]])


def main():  # type: ignore[no-untyped-def]
    with open(sys.argv[1], encoding="utf-8") as fh:
        req = json.load(fh)
    root = req["root"]
    os.chdir(root)
    sys.path.insert(0, root)
    found = _discover(root, req.get("start") or ".", req.get("pattern") or "test*.py")
    selectors = req.get("tests") or []
    wanted = [_dotted(sel) for sel in selectors]
    errors = [_load_error(t, root) for t in found if type(t).__name__ == "_FailedTest" and (
        not wanted or any(w.startswith(t._testMethodName) for w in wanted))]
    cases = [t for t in found if type(t).__name__ != "_FailedTest"]
    idents = [_ident(t, root) for t in cases]
    with open(req["out"], "w", encoding="utf-8") as out:
        for message in errors:
            out.write(json.dumps({"collection_error": message}) + "\n")
        if req["mode"] == "collect":
            for tid, _, _ in idents:
                out.write(json.dumps({"collected": tid}) + "\n")
            out.write(json.dumps({"done": True}) + "\n")
            return 0
        recorder = Recorder(out, {id(t): idents[i] for i, t in enumerate(cases)})
        signal.signal(signal.SIGALRM, _alarm)

        def interrupted(signum, frame):  # type: ignore[no-untyped-def]
            # SIGINT at the wall limit: the test in flight timed out; what ran, ran
            if recorder.row is not None:
                recorder.row.update(status="timeout", message="run hit its wall-clock limit")
                out.write(json.dumps(recorder.row) + "\n")
            out.flush()
            os._exit(1)

        signal.signal(signal.SIGINT, interrupted)
        cap = int(req.get("max_failures") or 0)
        for i in _selected(idents, selectors):
            signal.setitimer(signal.ITIMER_REAL, float(req.get("timeout") or 0))
            try:
                cases[i](recorder)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if cap and recorder.failures_seen >= cap:
                out.write(json.dumps({"stopped": True}) + "\n")
                break
        out.write(json.dumps({"done": True}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
