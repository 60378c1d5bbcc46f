"""BugsInPy's metadata, read from a checkout of the BugsInPy repository: projects, bugs
(``bug.info``, ``bug_patch.txt``, ``run_test.sh``, ``requirements.txt``, ``setup.sh``), the
failing tests as pytest node ids, and the comparison of a patch with the developer's."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.benchmarks.runner import BenchError
from patchwright.core.diff import PatchError, parse

_INFO_LINE = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"?(.*?)"?\s*$')
_PIP = re.compile(r"^\s*(?:python3?\s+-m\s+)?pip3?\s+install\s+(.*)$")
_INSTALLS = re.compile(r"setup\.py\s+(install|develop|build)|pip3?\s+install\s+(-e\s+)?\.")
_TOUCH = re.compile(r"^\s*touch\s+(.+)$")


@dataclass(frozen=True)
class Bug:
    project: str
    number: int
    github_url: str
    python_version: str
    """The minor version ("3.8") of bug.info's ``python_version``."""
    buggy_commit: str
    fixed_commit: str
    test_files: tuple[str, ...]
    patch: str
    """bug_patch.txt: the developer's source fix (buggy -> fixed)."""
    tests: tuple[str, ...]
    """The failing tests of run_test.sh as pytest node ids (prefixes for parametrized ones)."""
    requirements: tuple[str, ...] = ()
    touch: tuple[str, ...] = ()
    """Files setup.sh creates empty (``touch tests/__init__.py``)."""
    installs_project: bool = False
    """The bug's set-up installs the project itself (``-e git+...#egg=``, ``setup.py
    install``, ``pip install -e .``): its metadata (and generated version module) is made."""
    commands: tuple[str, ...] = field(default=(), compare=False)
    """run_test.sh's commands as written."""

    @property
    def id(self) -> str:
        return f"{self.project}-{self.number}"


def read_text(path: Path) -> str:
    """A BugsInPy text file: UTF-16 (with its BOM) or UTF-8, CRLF or LF; "" when absent."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_info(text: str) -> dict[str, str]:
    """``key="value"`` lines of project.info / bug.info."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _INFO_LINE.match(line)
        if m:
            out[m.group(1)] = m.group(2).strip().strip('"')
    return out


def parse_requirements(text: str, project: str = "") -> list[str]:
    """pip requirement lines, without comments, options and the project itself (``-e
    git+...#egg=black``: the bug's own tree is the project)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")) or "git+" in line or "://" in line:
            continue
        name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
        if project and name.lower().replace("_", "-") == project.lower().replace("_", "-"):
            continue
        out.append(line)
    return out


def parse_setup(text: str) -> tuple[list[str], list[str]]:
    """(packages setup.sh pip-installs, files it touches); ``setup.py`` and ``-e .`` lines
    install the project itself, which runs from its tree here."""
    reqs: list[str] = []
    touched: list[str] = []
    for line in text.splitlines():
        if m := _PIP.match(line):
            for word in shlex.split(m.group(1), comments=True):
                if not word.startswith("-") and not word.startswith(".") and "/" not in word:
                    reqs.append(word)
        elif m := _TOUCH.match(line):
            touched.extend(shlex.split(m.group(1)))
    return reqs, touched


def _unittest_id(dotted: str, files: set[str]) -> str | None:
    """``tests.test_black.BlackTestCase.test_x`` -> ``tests/test_black.py::BlackTestCase::test_x``
    (the longest prefix that is a module in ``files``); a TestCase class named alone
    (``tornado.test.web_test.WebTest``) is the node id of the whole class."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = "/".join(parts[:cut]) + ".py"
        if module in files:
            rest = parts[cut:]
            if not rest[-1].startswith("test") and not (len(rest) == 1 and rest[0][:1].isupper()):
                return None  # a helper named on its own line, not a test (nor a TestCase class)
            return "::".join([module, *rest])
    return None


def parse_run_test(text: str, files: set[str]) -> list[str]:
    """pytest node ids of run_test.sh's commands (``pytest ...``, ``python -m pytest ...``,
    ``tox ...``, ``python -m unittest ...``); ``files`` is the repo's file list, to find the
    module of a unittest dotted name."""
    ids: list[str] = []
    for line in text.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if not words:
            continue
        if words[0].startswith("python"):
            words = words[2:] if len(words) > 2 and words[1] == "-m" else words[1:]
        if not words:
            continue
        tool, args = words[0], [w for w in words[1:] if not w.startswith("-")]
        for arg in args:
            if tool == "unittest":
                found = _unittest_id(arg, files)
            elif tool in ("pytest", "py.test", "tox"):
                found = arg
            else:
                found = None
            if found and found not in ids:
                ids.append(found)
    return ids


def parse_ranges(text: str) -> set[int]:
    """``1-20,25`` -> {1, ..., 20, 25}."""
    out: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            start, end = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise BenchError(f"--bugs takes numbers and ranges (1-20,25), got {part!r}") from None
        out.update(range(start, end + 1))
    return out


def list_projects(root: Path) -> list[str]:
    projects = root / "projects"
    if not projects.is_dir():
        raise BenchError(f"not a BugsInPy checkout (no projects/ folder): {root}")
    return sorted(p.name for p in projects.iterdir() if (p / "bugs").is_dir())


def bug_numbers(root: Path, project: str) -> list[int]:
    bugs = root / "projects" / project / "bugs"
    return sorted(int(p.name) for p in bugs.iterdir() if p.name.isdigit())


def read_bug(root: Path, project: str, number: int, files: set[str] | None = None) -> Bug:
    """One bug's metadata. ``files`` (the tree at the fixed commit) turns unittest names
    into node ids; without it they stay unresolved and the bug has no tests."""
    proj = root / "projects" / project
    folder = proj / "bugs" / str(number)
    if not (folder / "bug.info").is_file():
        raise BenchError(f"no bug {project}-{number} in {root}")
    info = {
        **parse_info(read_text(proj / "project.info")),
        **parse_info(read_text(folder / "bug.info")),
    }
    for key in ("python_version", "buggy_commit_id", "fixed_commit_id"):
        if not info.get(key):
            raise BenchError(f"{folder / 'bug.info'}: no {key}")
    version = ".".join(info["python_version"].split(".")[:2])
    setup_reqs, touch = parse_setup(read_text(folder / "setup.sh"))
    reqs = parse_requirements(read_text(folder / "requirements.txt"), project)
    reqs += [r for r in setup_reqs if r not in reqs and r != "unittest"]
    run_test = read_text(folder / "run_test.sh")
    raw_reqs, setup = read_text(folder / "requirements.txt"), read_text(folder / "setup.sh")
    installs = "#egg=" in raw_reqs or bool(_INSTALLS.search(setup))
    return Bug(
        project=project,
        number=number,
        github_url=info.get("github_url", ""),
        python_version=version,
        buggy_commit=info["buggy_commit_id"],
        fixed_commit=info["fixed_commit_id"],
        test_files=tuple(t for t in info.get("test_file", "").split(";") if t.strip()),
        patch=read_text(folder / "bug_patch.txt"),
        tests=tuple(parse_run_test(run_test, files or set())),
        requirements=tuple(reqs),
        touch=tuple(touch),
        installs_project=installs,
        commands=tuple(line for line in run_test.splitlines() if line.strip()),
    )


def select_bugs(root: Path, projects: list[str], bugs: set[int] | None) -> list[tuple[str, int]]:
    """(project, number) pairs to run; unknown projects are a BenchError."""
    known = list_projects(root)
    chosen = projects or known
    missing = [p for p in chosen if p not in known]
    if missing:
        raise BenchError(
            f"unknown BugsInPy project: {', '.join(missing)} (have: {', '.join(known)})"
        )
    out = []
    for project in chosen:
        out += [(project, n) for n in bug_numbers(root, project) if bugs is None or n in bugs]
    return out


def changed_lines(diff: str) -> set[tuple[str, str, str]]:
    """(path, '+' or '-', line without surrounding whitespace) of a diff's changed lines,
    blank lines and comment-only lines left out."""
    out: set[tuple[str, str, str]] = set()
    try:
        files = parse(diff)
    except PatchError:
        return out
    for fh in files:
        path = fh.path
        for _, body in fh.hunks:
            for line in body:
                if line[:1] in "+-":
                    text = line[1:].strip()
                    if text and not text.startswith("#"):
                        out.add((path, line[0], text))
    return out


def same_as_developer(candidate: str, developer: str) -> bool:
    """The candidate's normalized changed lines are the developer's (source files only)."""
    want = changed_lines(developer)
    return bool(want) and changed_lines(candidate) == want
