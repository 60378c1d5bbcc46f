"""ADAPTER: the official ``swebench`` package (pinned 4.1.0, the last release that ships the
harness tables in the package). Every import of ``swebench`` is here: the per (repo, version)
specs (``MAP_REPO_VERSION_TO_SPECS``), the requirement file paths, the test directives taken
from a ``test_patch``, the log parsers (``MAP_REPO_TO_PARSER``) and the grading functions.
Nothing here copies the package's tables.

Repositories the official tables do not know (a fork, the fixture project of the tests) can
be added with an extra table (``--specs FILE``): ``{"owner/name": {"VERSION": {spec...},
"log_parser": "parse_log_pytest"}}``, a spec in the official shape and a parser named by the
package's own function name.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from patchwright.envs.spec import EnvError

_NOT_INSTALLED = "the swebench package is missing: pip install 'patchwright[swebench]'"


@contextlib.contextmanager
def _root_logging_kept() -> Iterator[None]:
    """The package's modules call ``logging.basicConfig`` on import, after which every
    library's debug lines (bm25s, httpx) reached the user's stderr: undo that."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:], root.level = handlers, level


@functools.cache
def _official() -> Any:
    with _root_logging_kept():
        return _import_official()


def _import_official() -> Any:
    try:
        import swebench.harness.constants as constants
        import swebench.harness.grading as grading
        import swebench.harness.log_parsers as log_parsers
        import swebench.harness.log_parsers.python as python_parsers
        import swebench.harness.test_spec.python as test_spec_python
        import swebench.harness.utils as harness_utils
    except ImportError:
        raise EnvError(_NOT_INSTALLED) from None
    return constants, grading, log_parsers, python_parsers, test_spec_python, harness_utils


def package_version() -> str:
    try:
        with _root_logging_kept():
            import swebench
    except ImportError:
        raise EnvError(_NOT_INSTALLED) from None
    return str(swebench.__version__)


def specs(repo: str, version: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The spec of (repo, version): python, packages, pip_packages, pre_install, install,
    eval_commands, test_cmd. EnvError when neither the official nor the extra table has it."""
    table = (extra or {}).get(repo)
    if table is not None and version in table:
        return dict(table[version])
    constants = _official()[0]
    by_version = constants.MAP_REPO_VERSION_TO_SPECS.get(repo)
    if by_version is None:
        raise EnvError(f"the swebench specs have no repository {repo}")
    if version not in by_version:
        raise EnvError(f"the swebench specs have no version {version} of {repo}")
    return dict(by_version[version])


def requirement_paths(repo: str) -> list[str]:
    """Where the harness reads ``requirements.txt`` from (the first one found wins)."""
    return list(_official()[0].MAP_REPO_TO_REQS_PATHS.get(repo, ()))


def env_yml_paths(repo: str) -> list[str]:
    return list(_official()[0].MAP_REPO_TO_ENV_YML_PATHS.get(repo, ()))


def clean_requirements(text: str) -> str:
    """The harness's replacements of yanked packages."""
    return str(_official()[4].clean_requirements(text))


def test_directives(row: Mapping[str, Any]) -> list[str]:
    """The test files (django: modules) the harness passes to the test command."""
    return list(_official()[4].get_test_directives(dict(row)))


def test_files(test_patch: str) -> list[str]:
    """Files the ``test_patch`` modifies (reset to base before it is applied)."""
    return list(_official()[5].get_modified_files(test_patch))


def test_command(row: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    """``test_cmd`` followed by the directives, as the harness's eval script writes it."""
    cmd = spec["test_cmd"]
    if isinstance(cmd, list):
        cmd = cmd[-1]
    return " ".join([str(cmd), *test_directives(row)])


def markers() -> tuple[str, str]:
    constants = _official()[0]
    return constants.START_TEST_OUTPUT, constants.END_TEST_OUTPUT


def parse_log(repo: str, log: str, extra: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Test id -> PASSED/FAILED/SKIPPED/ERROR/XFAIL, by the repository's official parser
    (or the one the extra table names)."""
    _, _, log_parsers, python_parsers, _, _ = _official()
    named = ((extra or {}).get(repo) or {}).get("log_parser")
    if named:
        parser = getattr(python_parsers, str(named), None)
        if parser is None:
            raise EnvError(f"swebench has no log parser {named}")
    else:
        parser = log_parsers.MAP_REPO_TO_PARSER.get(repo)
        if parser is None:
            raise EnvError(f"swebench has no log parser for {repo}")
    return dict(parser(log, None))


def grade(status: Mapping[str, str], f2p: list[str], p2p: list[str]) -> dict[str, Any]:
    """The harness's per-test report and resolution (FULL only when every FAIL_TO_PASS and
    PASS_TO_PASS test passes)."""
    constants, grading = _official()[0], _official()[1]
    gold = {constants.FAIL_TO_PASS: f2p, constants.PASS_TO_PASS: p2p,
            constants.FAIL_TO_FAIL: [], constants.PASS_TO_FAIL: []}  # fmt: skip
    report = grading.get_eval_tests_report(dict(status), gold)
    resolution = grading.get_resolution_status(report)
    return {
        "resolved": resolution == constants.ResolvedStatus.FULL.value,
        "resolution": resolution,
        "tests_status": report,
    }


_APT = re.compile(r"\bapt(-get)?\b")


def split_pre_install(commands: list[str]) -> tuple[list[str], list[str]]:
    """(commands run in the workspace, system package commands left to the user)."""
    run = [c for c in commands if not _APT.search(c)]
    return run, [c for c in commands if _APT.search(c)]
