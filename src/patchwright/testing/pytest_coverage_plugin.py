"""Per-test coverage for pytest runs at reproduce, without pytest-cov: a pytest plugin that
the runner writes into the run's scratch folder and loads with ``-p pw_coverage``.

Self-contained on purpose (it runs in the *test* interpreter, which may be another virtual
environment): it must not import patchwright and must stay compatible with older Pythons.
Settings come from the environment:

- ``PW_COV_RC``: the coverage configuration (data file, source folders and packages);
- ``PW_COV_THREADS``: ``all`` also measures threads other than the one running the tests
  (default: only that thread, so a monitor thread's lines stay out of every test's spectrum);
- ``PW_COV_FALLBACK``: ``DIR:X.Y``, a folder holding Patchwright's own coverage package,
  used when this interpreter has none and is Python X.Y.

Contexts are ``NODEID|setup``, ``NODEID|run`` and ``NODEID|teardown``, as pytest-cov's
``--cov-context=test`` writes them, and ``collect:MODULE`` for a test module's import.
pytest-cov itself is blocked in these runs (two measurements would pause each other); its
options are accepted and ignored.
"""

import os
import sys

import pytest


def _coverage():  # type: ignore[no-untyped-def]
    try:
        import coverage

        return coverage
    except ImportError:
        pass
    where, _, version = os.environ.get("PW_COV_FALLBACK", "").rpartition(":")
    if where and version == "{}.{}".format(*sys.version_info[:2]) and os.path.isdir(where):
        sys.path.append(where)
        try:
            import coverage

            return coverage
        except ImportError:
            pass
    raise pytest.UsageError(
        f"patchwright: coverage is not installed in {sys.executable}: run '{sys.executable} -m pip install coverage'"
    )


def _start():  # type: ignore[no-untyped-def]
    coverage = _coverage()
    os.environ.setdefault("COVERAGE_CORE", "ctrace")  # per-thread tracing (not sys.monitoring)
    options = {}
    packages = [p for p in os.environ.get("PW_COV_PKGS", "").split(",") if p]
    if packages and tuple(getattr(coverage, "version_info", (0,))[:2]) >= (5, 3):
        options["source_pkgs"] = packages  # a copy installed into the environment too
    cov = coverage.Coverage(config_file=os.environ["PW_COV_RC"], **options)
    cov.start()
    if os.environ.get("PW_COV_THREADS") != "all":
        import threading

        threading.settrace(None)  # threads started from now on are not measured
    return cov


_COV = _start() if os.environ.get("PW_COV_RC") else None


_COV_VALUES = ("--cov", "--cov-report", "--cov-config", "--cov-fail-under", "--cov-precision",
               "--cov-context")  # fmt: skip
_COV_FLAGS = ("--cov-reset", "--no-cov-on-fail", "--no-cov", "--cov-append", "--cov-branch")


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    """pytest-cov's options, accepted and ignored: the runner blocks pytest-cov in coverage
    runs (``-p no:pytest_cov``), and a project's ``addopts`` may still name them."""
    group = parser.getgroup("patchwright coverage (pytest-cov's options, ignored)")
    for i, name in enumerate(_COV_VALUES):
        group.addoption(name, action="append", nargs="?", const=True, dest=f"pw_cov_value_{i}")
    for i, name in enumerate(_COV_FLAGS):
        group.addoption(name, action="store_true", dest=f"pw_cov_flag_{i}")


def _switch(item, when):  # type: ignore[no-untyped-def]
    if _COV is not None:
        _COV.switch_context(f"{item.nodeid}|{when}")


_COLLECTING = []


@pytest.hookimpl(tryfirst=True)
def pytest_collectstart(collector):  # type: ignore[no-untyped-def]
    """A test module's import (its module-level set-up: an app built, routes added) is
    measured as ``collect:NODEID`` (the reader's ``SETUP_KEY``), not lost in the empty
    context."""
    if _COV is not None and isinstance(collector, pytest.Module):
        _COLLECTING.append(collector.nodeid)
        _COV.switch_context("collect:" + collector.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_collectreport(report):  # type: ignore[no-untyped-def]
    if _COV is not None and _COLLECTING and report.nodeid == _COLLECTING[-1]:
        _COLLECTING.pop()
        _COV.switch_context("")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):  # type: ignore[no-untyped-def]
    _switch(item, "setup")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):  # type: ignore[no-untyped-def]
    _switch(item, "run")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):  # type: ignore[no-untyped-def]
    _switch(item, "teardown")


_EXIT = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    _EXIT.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):  # type: ignore[no-untyped-def]
    """Save the data, then leave at once with pytest's status once the report is written:
    a thread or server the tests started and left running (a non-daemon thread, luigi's
    scheduler) would otherwise hold the interpreter open until the run's time is up.
    A usage error (a test id that is not found) is left to pytest: its words are printed
    after this hook, by pytest's main."""
    global _COV
    cov, _COV = _COV, None
    if cov is None:
        return
    cov.switch_context("")
    cov.stop()
    cov.save()
    if _EXIT and _EXIT[-1] != pytest.ExitCode.USAGE_ERROR:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT[-1])
