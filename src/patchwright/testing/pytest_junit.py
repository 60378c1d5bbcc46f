"""Pytest command line and JUnit (xunit1) parsing: pure functions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from patchwright.core.domain import TestOutcome, TestResult, TestStatus
from patchwright.core.protocols import RunLimits

MESSAGE_LIMIT = 500
OUTPUT_LIMIT = 2000
TAIL_LIMIT = 4000
LOGGED_LIMIT = 2000
"""Characters kept of a traceback that a failing test's captured output or log holds."""
LOGGED_HEADER = "--- traceback in the test's captured output or log ---"
_TRACEBACK = "Traceback (most recent call last):"

_EXC_RE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning|Failed)\b")
_FILE_RE = re.compile(r'File "([^"]+)", line (\d+)')
_SYNTAX = ("SyntaxError", "IndentationError", "TabError")
COVERAGE_PLUGIN = "pw_coverage"
"""Module name of :mod:`patchwright.testing.pytest_coverage_plugin` in the scratch folder."""


def build_command(
    python: str,
    root: str,
    junit_path: str,
    limits: RunLimits,
    tests: Sequence[str],
    *,
    extra_args: Sequence[str] = (),
    autoload_plugins: bool = True,
    coverage_rc: str | None = None,
    timeout_plugin: bool = True,
) -> list[str]:
    """The pytest command line for one run (``coverage_rc`` turns per-test coverage on,
    through :data:`COVERAGE_PLUGIN`; without pytest-timeout only the wall limit holds)."""
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--rootdir={root}"]
    if not autoload_plugins and timeout_plugin:
        cmd += ["-p", "pytest_timeout"]
    if coverage_rc:  # our own, from the scratch folder; pytest-cov would pause it
        cmd += ["-p", COVERAGE_PLUGIN, "-p", "no:pytest_cov"]
    cmd += ["-o", "junit_family=xunit1", f"--junitxml={junit_path}"]
    # captured output and log into the report (pytest >= 5.4; older ones write the
    # captured output anyway): a failure a server or worker logged instead of raising
    # shows its traceback only there
    cmd += ["-o", "junit_logging=all"]
    if timeout_plugin:
        # Only the test function is timed: a timer over the whole protocol also fires
        # while pytest formats a long failure (a RecursionError's ~1000 frames take
        # seconds under coverage and load), an INTERNALERROR that loses the other tests.
        cmd += [f"--timeout={limits.per_test_timeout:g}", "--timeout-method=signal",
                "-o", "timeout_func_only=true"]  # fmt: skip
    if limits.fail_fast:
        cmd.append("-x")
    elif limits.max_failures > 0:
        cmd.append(f"--maxfail={limits.max_failures}")
    cmd += list(extra_args)
    cmd += list(tests)
    return cmd


def _dotted(path: str) -> str:
    return re.sub(r"\.py$", "", path).replace("/", ".")


def mangle(node_id: str) -> tuple[str, str]:
    """(classname, name) that pytest's junitxml writes for ``node_id``."""
    path, bracket, params = node_id.partition("[")
    names = path.split("::")
    names[0] = _dotted(names[0])
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def node_id(
    file: str, classname: str, name: str, known: dict[tuple[str, str], str] | None = None
) -> str:
    """Rebuild a pytest node id from xunit1 ``file``, ``classname`` and ``name``."""
    if not classname:
        return file or name
    if known and (classname, name) in known:
        return known[(classname, name)]
    module = _dotted(file) if file else ""
    if module and classname == module:
        return f"{file}::{name}"
    if module and classname.startswith(module + "."):
        classes = classname[len(module) + 1 :].split(".")
        return "::".join([file, *classes, name])
    # ``file`` is where the function is defined (e.g. an inherited test): guess from
    # the convention that classes are capitalized and modules are not.
    parts = classname.split(".")
    k = len(parts)
    while k > 1 and parts[k - 1][:1].isupper():
        k -= 1
    return "::".join(["/".join(parts[:k]) + ".py", *parts[k:], name])


def summarize_error(text: str, root: str = "") -> str:
    """The exception line of a traceback, with file and line for syntax errors."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    e_lines = [re.sub(r"^E\s?", "", ln).strip() for ln in lines if ln.startswith("E ")]
    pool = e_lines or [ln.strip() for ln in lines]
    pool = [ln for ln in pool if ln]
    if not pool:
        return ""
    idx = next((i for i in range(len(pool) - 1, -1, -1) if _EXC_RE.match(pool[i])), len(pool) - 1)
    summary = pool[idx]
    if summary.startswith(_SYNTAX):
        for prev in reversed(pool[:idx]):
            m = _FILE_RE.search(prev)
            if m:
                path = m.group(1)
                if root and path.startswith(root.rstrip("/") + "/"):
                    path = path[len(root.rstrip("/")) + 1 :]
                summary += f" ({path}, line {m.group(2)})"
                break
    return summary[:MESSAGE_LIMIT]


def pytest_words(output: str, limit: int = 3) -> str:
    """pytest's own closing lines (its ``ERROR:`` lines, else the last lines it printed),
    quoted as they are, joined with " / "."""
    lines = [ln.strip() for ln in output.splitlines()
             if ln.strip() and "generated xml file:" not in ln]  # our own report's path
    said = [ln for ln in lines if ln.startswith("ERROR:")] or lines[-limit:]
    return " / ".join(ln.strip("= ") for ln in said[:limit])[:MESSAGE_LIMIT]


def errors_from_output(output: str, root: str = "") -> str:
    """Concise error text from pytest's console output (no usable JUnit results)."""
    found = [ln.strip() for ln in output.splitlines() if ln.startswith("ERROR:")]
    summary = (
        summarize_error(output, root)
        if any(ln.startswith("E ") for ln in output.splitlines())
        else ""
    )
    if summary:
        found.insert(0, summary)
    if not found:
        tail = [ln.strip() for ln in output.splitlines() if ln.strip()]
        found = tail[-3:]
    return "\n".join(dict.fromkeys(found))[:MESSAGE_LIMIT]


@dataclass
class JUnitReport:
    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    """Each module that did not collect: pytest's own text of the error (its traceback)."""
    internal_error: str = ""
    """pytest's INTERNALERROR summary (junitxml writes it as a testcase ``pytest::internal``,
    which is not a test: the requested tests it kept from reporting get it as their error)."""


def _is_timeout(message: str) -> bool:
    return message.startswith("Failed: Timeout") or (
        "Timeout (>" in message and "pytest-timeout" in message
    )


def _outcome(case: ET.Element) -> TestOutcome:
    duration = float(case.get("time") or 0.0)
    status, element = TestStatus.PASS, None
    for tag, st in (
        ("failure", TestStatus.FAIL),
        ("error", TestStatus.ERROR),
        ("skipped", TestStatus.SKIP),
    ):
        element = case.find(tag)
        if element is not None:
            status = st
            break
    if element is None:
        return TestOutcome(status=status, duration=duration)
    message = element.get("message") or ""
    if status in (TestStatus.FAIL, TestStatus.ERROR) and _is_timeout(message):
        status = TestStatus.TIMEOUT
    text = (element.text or "")[-OUTPUT_LIMIT:]
    if status != TestStatus.SKIP:
        logged = logged_traceback(case)
        if logged:
            text = f"{text}\n{LOGGED_HEADER}\n{logged}"
    return TestOutcome(
        status=status,
        duration=duration,
        message=message[:MESSAGE_LIMIT],
        output=text,
    )


def logged_traceback(case: ET.Element) -> str:
    """The first traceback in a testcase's captured output or log (a request handler, a
    worker or a callback that catches and logs an exception: the test then fails on a
    missing result, and this is the only trace of where the error was raised)."""
    for tag in ("system-out", "system-err"):
        element = case.find(tag)
        captured = element.text or "" if element is not None else ""
        at = captured.find(_TRACEBACK)
        if at >= 0:
            return captured[at : at + LOGGED_LIMIT]
    return ""


def parse_junit(xml_text: str, requested: Sequence[str] = (), root: str = "") -> JUnitReport:
    """Per-test outcomes and collection errors from an xunit1 JUnit report."""
    report = JUnitReport()
    try:
        tree = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        report.collection_errors.append(f"unreadable JUnit report: {exc}")
        return report
    known = {mangle(t): t for t in requested if "::" in t}
    for case in tree.iter("testcase"):
        name, classname, file = case.get("name"), case.get("classname"), case.get("file") or ""
        if name is None and not file:
            continue  # placeholder written when the run was interrupted
        error = case.find("error")
        if not classname or not name:
            if error is not None:
                where = file or name or "?"
                summary = summarize_error(error.text or "", root) or error.get("message", "")
                report.collection_errors.append(f"{where}: {summary}")
                report.details[where] = (error.text or "")[-OUTPUT_LIMIT:]
            continue
        if (classname, name) == ("pytest", "internal"):  # pytest's INTERNALERROR: no test
            text = error.text if error is not None else ""
            report.internal_error = summarize_error(text or "", root) or "internal error"
            continue
        tid = node_id(file, classname, name, known)
        outcome = _outcome(case)
        prior = report.outcomes.get(tid)
        if prior is None or prior.status in (TestStatus.PASS, TestStatus.SKIP):
            report.outcomes[tid] = outcome
    return report


def _members(test_id: str, outcomes: dict[str, TestOutcome]) -> list[TestOutcome]:
    prefixes = (test_id + "::", test_id + "[", test_id.rstrip("/") + "/")
    return [o for k, o in outcomes.items() if k.startswith(prefixes)]


def _covered(test_id: str, outcomes: dict[str, TestOutcome]) -> bool:
    return test_id in outcomes or bool(_members(test_id, outcomes))


def aggregate(test_id: str, outcomes: dict[str, TestOutcome]) -> TestOutcome | None:
    """One outcome for a requested module (its path) from its tests' outcomes
    (None: none ran): passed when every one passed or was skipped and one passed, else the
    first that did not pass. A module that did not import at base is a failing test under
    its path; once it imports, its tests' results say whether it is fixed."""
    members = _members(test_id, outcomes)
    if not members:
        return None
    bad = [o for o in members if o.status not in (TestStatus.PASS, TestStatus.SKIP)]
    if bad:
        return bad[0]
    if all(o.status == TestStatus.SKIP for o in members):
        return TestOutcome(status=TestStatus.SKIP, duration=sum(o.duration for o in members))
    return TestOutcome(status=TestStatus.PASS, duration=sum(o.duration for o in members))


def _detail(test_id: str, details: dict[str, str]) -> str:
    """pytest's text of the collection error that kept ``test_id`` from running."""
    path = test_id.split("::", 1)[0]
    return details.get(path) or "\n".join(details.values())[-OUTPUT_LIMIT:]


def interpret(
    junit_xml: str | None,
    *,
    returncode: int | None,
    requested: Sequence[str],
    fail_fast: bool,
    timed_out: bool,
    output: str,
    duration: float,
    root: str = "",
) -> TestResult:
    """Turn one pytest run (report, exit code, console output) into a :class:`TestResult`."""
    if junit_xml is not None and not junit_xml.strip():
        junit_xml = None  # truncated by a killed writer: no report
    report = parse_junit(junit_xml, requested, root) if junit_xml else JUnitReport()
    outcomes = report.outcomes
    compile_error = ""
    if report.collection_errors:
        compile_error = "\n".join(dict.fromkeys(report.collection_errors))
    elif timed_out:
        pass
    elif junit_xml is None:
        detail = errors_from_output(output, root)
        compile_error = f"pytest exited with code {returncode} without a report: {detail}".strip()
    elif returncode == 5 and requested:
        said = pytest_words(output)
        compile_error = f"no tests collected (pytest: {said})" if said else "no tests collected"
    elif returncode in (2, 3, 4) and not outcomes:
        compile_error = errors_from_output(output, root) or f"pytest exited with code {returncode}"
    tests = dict(outcomes)
    missing = [t for t in requested if not _covered(t, outcomes)]
    stopped_early = False
    if compile_error:
        for t in requested:
            if t not in tests:
                tests[t] = TestOutcome(
                    status=TestStatus.ERROR, message=compile_error[:MESSAGE_LIMIT],
                    output=_detail(t, report.details),
                )  # fmt: skip
    for t in [t for t in requested if t not in tests and t.endswith(".py")]:  # a module
        whole = aggregate(t, outcomes)
        if whole is not None:
            tests[t] = whole
    if missing and not compile_error:
        not_passed = any(
            o.status not in (TestStatus.PASS, TestStatus.SKIP) for o in outcomes.values()
        )
        stopped_early = fail_fast and not_passed and not timed_out
        if not stopped_early:
            status = TestStatus.TIMEOUT if timed_out else TestStatus.ERROR
            message = "run hit its wall-clock limit" if timed_out else "no result reported"
            if report.internal_error and not timed_out:
                message = f"pytest INTERNALERROR: {report.internal_error}"[:MESSAGE_LIMIT]
            for t in missing:
                tests[t] = TestOutcome(status=status, message=message)
    return TestResult(
        compile_error=compile_error,
        tests=tests,
        duration=duration,
        timed_out=timed_out,
        output_tail=output[-TAIL_LIMIT:],
        stopped_early=stopped_early,
    )
