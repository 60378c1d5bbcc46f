"""GitChameleon 2.0 data: the problem file, ground-truth answers and hidden tests joined
by ``example_id``, the requirements of each problem's environment, and selection."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from patchwright.benchmarks.runner import BenchError, read_jsonl

DEFAULT_DATA = Path("../shared/benchmarks/gitchameleon2_dataset.jsonl")
ANSWERS_FILE = "gitchameleon2_ground_truth_solutions.jsonl"
HIDDEN_TESTS_FILE = "gitchameleon2_hidden_tests.jsonl"

PYTEST_COV = "4.1.0"
TOOL_PINS: dict[str, dict[str, str]] = {
    "3.7": {"pytest": "6.2.5", "pytest-cov": PYTEST_COV, "numpy": "1.21.6"},
    "3.9": {"pytest": "7.1.2", "pytest-cov": PYTEST_COV, "numpy": "1.21.6"},
    "3.10": {"pytest": "7.2.0", "pytest-cov": PYTEST_COV, "numpy": "1.23"},
}
"""Test tooling every environment gets unless the problem names the package itself."""

_SPEC_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SPELLING = (
    (re.compile(r"\bouput\b"), "output"),
    (re.compile(r"\bbehavior\b"), "behaviour"),
)


class Problem(BaseModel):
    """One GitChameleon problem with its ground-truth answer and hidden test."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    """``example_id``."""
    library: str
    version: str
    python_version: str
    additional_dependencies: str = ""
    problem: str
    starting_code: str
    solution: str = ""
    test: str = ""
    """Visible assert script; it runs after the solution module's code."""
    type_of_change: str = ""
    name_of_class_or_func: str = ""
    api_calls: list[str] = Field(default_factory=list)
    docs: list[str] = Field(default_factory=list)
    release_date: str = ""
    answer: str
    """Ground truth: the full module text (starter code plus solution)."""
    hidden_test: str
    """A pytest module that imports ``sample_<id>``."""

    @property
    def module(self) -> str:
        return f"sample_{self.id}"

    @property
    def change(self) -> str:
        return normalize_change(self.type_of_change)

    def dependencies(self) -> list[str]:
        return [d for d in self.additional_dependencies.split() if d.strip() and d != "-"]


def package_name(spec: str) -> str:
    """Canonical distribution name of a pip spec (``Werkzeug==2.0.0`` -> ``werkzeug``)."""
    m = _SPEC_NAME.match(spec)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else spec.strip().lower()


def split_requirements(problem: Problem) -> tuple[list[str], list[str]]:
    """(``library==version`` and the additional dependencies, the tooling pins not named
    by those), per the protocol's pinning rules for the problem's Python version."""
    reqs = [f"{problem.library}=={problem.version}", *problem.dependencies()]
    named = {package_name(r) for r in reqs}
    pins = TOOL_PINS.get(problem.python_version)
    if pins is None:
        raise BenchError(
            f"problem {problem.id}: no tool pins for Python {problem.python_version} "
            f"(known: {', '.join(TOOL_PINS)})"
        )
    return reqs, [f"{name}=={v}" for name, v in pins.items() if package_name(name) not in named]


def requirements(problem: Problem) -> list[str]:
    """Everything the problem's environment installs."""
    reqs, pins = split_requirements(problem)
    return reqs + pins


def normalize_change(label: str) -> str:
    """Type-of-change label, lowercased with spelling variants merged (``ouput behavior``,
    ``Output behaviour`` -> ``output behaviour``); a stray first line such as ``gh`` is
    dropped."""
    lines = [ln.strip() for ln in label.lower().splitlines() if ln.strip()]
    text = " ".join(lines[-1].split()) if lines else ""
    for pattern, repl in _SPELLING:
        text = pattern.sub(repl, text)
    return text or "unknown"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return read_jsonl(path, "example_id")


def _by_id(path: Path, field: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in _read_jsonl(path):
        if not isinstance(row.get(field), str):
            raise BenchError(f"{path}: example {row['example_id']} has no {field}")
        out[str(row["example_id"])] = row[field]
    return out


def load_problems(data: Path) -> list[Problem]:
    """The problems of ``data`` in file order, joined with the answers and hidden tests
    found beside it."""
    answers = _by_id(data.parent / ANSWERS_FILE, "answer")
    hidden = _by_id(data.parent / HIDDEN_TESTS_FILE, "test_file")
    problems = []
    for n, row in enumerate(_read_jsonl(data), 1):
        pid = str(row["example_id"])
        missing = [name for name, table in ((ANSWERS_FILE, answers), (HIDDEN_TESTS_FILE, hidden))
                   if pid not in table]
        if missing:
            raise BenchError(f"example {pid} is missing from {', '.join(missing)}")
        try:
            problems.append(
                Problem.model_validate(
                    {**row, "id": pid, "answer": answers[pid], "hidden_test": hidden[pid]}
                )
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BenchError(f"{data}:{n}: {where}: {first['msg']}") from None
    return problems


def read_ids(items: Sequence[str]) -> list[str]:
    """Ids from ``--only`` values: comma-separated ids, or ``@FILE`` with one id a line
    (``#`` starts a comment)."""
    ids: list[str] = []
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if part.startswith("@"):
                path = Path(part[1:])
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError as exc:
                    raise BenchError(f"cannot read id file {path}: {exc.strerror}") from None
                for line in text.splitlines():
                    line = line.split("#", 1)[0].strip()
                    ids.extend(x.strip() for x in line.split(",") if x.strip())
            else:
                ids.append(part)
    return list(dict.fromkeys(ids))


def select(
    problems: list[Problem],
    only: Sequence[str] = (),
    limit: int | None = None,
    libraries: Sequence[str] = (),
) -> list[Problem]:
    """Problems by id, by library, then the first ``limit`` (in file order)."""
    if only:
        ids = read_ids(only)
        by_id = {p.id: p for p in problems}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise BenchError(f"unknown example id: {', '.join(unknown[:10])}")
        wanted_ids = set(ids)
        problems = [p for p in problems if p.id in wanted_ids]
    if libraries:
        wanted = {x.strip().lower() for item in libraries for x in item.split(",") if x.strip()}
        known = {p.library.lower() for p in problems}
        unknown = sorted(wanted - known)
        if unknown:
            raise BenchError(f"no selected problem uses library: {', '.join(unknown)}")
        problems = [p for p in problems if p.library.lower() in wanted]
    if limit is not None:
        if limit < 1:
            raise BenchError("--limit must be at least 1")
        problems = problems[:limit]
    return problems
