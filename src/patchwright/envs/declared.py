"""What a project says it needs: the requirements it declares in ``requirements*.txt`` or
in ``pyproject.toml`` (PEP 621 ``[project] dependencies`` and its test extras), and which
of them an interpreter does not meet. Read only, no tool run, no network: the project's
environment is built from these (through the one builder) when none is found.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from patchwright.envs.builder import EnvBuilder
from patchwright.envs.project import ProjectEnv
from patchwright.envs.spec import EnvError, EnvSpec

REQUIREMENT_FILES = ("requirements.txt", "requirements-test.txt", "requirements_test.txt",
                     "requirements-dev.txt", "requirements_dev.txt", "test-requirements.txt",
                     "requirements/test.txt", "requirements/dev.txt", "requirements/base.txt")  # fmt: skip
"""Read in this order; every one present counts."""
TEST_EXTRAS = ("test", "tests", "testing", "dev")
"""Optional-dependency groups of ``pyproject.toml`` that the tests need."""
_INCLUDE = re.compile(r"^-r\s*(\S+)|^--requirement[=\s]+(\S+)")
MAX_INCLUDE_DEPTH = 5


@dataclass(frozen=True)
class Declared:
    requirements: tuple[str, ...]
    """pip requirement specifiers, in the order found, without duplicates."""
    sources: tuple[str, ...]
    """The files they came from (relative to the project), for the user."""


def _requirement_lines(path: Path, root: Path, depth: int = 0) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        m = _INCLUDE.match(line)
        if m:
            target = (path.parent / (m.group(1) or m.group(2))).resolve()
            if depth < MAX_INCLUDE_DEPTH and target.is_relative_to(root.resolve()):
                out.extend(_requirement_lines(target, root, depth + 1))
            continue
        if line.startswith("-"):  # -e ., --index-url, -c constraints: not a requirement
            continue
        out.append(line)
    return out


def _pyproject(project: Path) -> list[str]:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    table = data.get("project")
    if not isinstance(table, dict):
        return []
    reqs = [r for r in table.get("dependencies") or [] if isinstance(r, str)]
    extras = table.get("optional-dependencies") or {}
    if isinstance(extras, dict):
        for name in TEST_EXTRAS:
            reqs += [r for r in extras.get(name) or [] if isinstance(r, str)]
    own = str(table.get("name") or "").lower().replace("_", "-")
    # a test extra that names the project itself (``proj[test]``): the project is on the path
    return [r for r in reqs if _name(r) != own]


def _name(spec: str) -> str:
    try:
        return Requirement(spec).name.lower().replace("_", "-")
    except InvalidRequirement:
        return ""


def declared(project: Path) -> Declared:
    """The project's declared requirements (empty when it declares none)."""
    found: list[str] = []
    sources: list[str] = []
    for rel in REQUIREMENT_FILES:
        path = project / rel
        if path.is_file():
            lines = _requirement_lines(path, project)
            if lines:
                found += lines
                sources.append(rel)
    from_toml = _pyproject(project)
    if from_toml:
        found += from_toml
        sources.append("pyproject.toml")
    seen: set[str] = set()
    unique = [r for r in found if not (r in seen or seen.add(r))]
    return Declared(tuple(unique), tuple(sources))


def unmet(requirements: tuple[str, ...]) -> list[str]:
    """The requirements the running interpreter does not meet: not installed, or installed
    at a version outside the specifier (markers that do not apply here are met). A line
    that is no plain specifier (a URL, a path) counts as unmet."""
    missing = []
    for spec in requirements:
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            missing.append(spec)
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue
        if req.url:
            missing.append(spec)
            continue
        try:
            version = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(spec)
            continue
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            missing.append(spec)
    return missing


RUNNER_TOOLS = ("pytest", "pytest-timeout", "coverage")
"""What the test runners need in a built environment (unless the project pins them)."""


def build_declared(project: Path, builder: EnvBuilder) -> ProjectEnv | None:
    """The project's environment built (once, cached by the builder) from what it
    declares, when the running interpreter does not meet it; None when it declares
    nothing or everything is met here. EnvError (one line) when the build fails."""
    found = declared(project)
    if not found.requirements or not unmet(found.requirements):
        return None
    named = {_name(r) for r in found.requirements}
    pins = tuple(t for t in RUNNER_TOOLS if t not in named)
    try:
        env = builder.ensure(EnvSpec("", found.requirements, pins))
    except EnvError as exc:
        raise EnvError(f"could not build the project's environment from "
                       f"{', '.join(found.sources)}: {exc} (give one with --venv or --python)") from None  # fmt: skip
    return ProjectEnv(
        str(env.python), f"built from {', '.join(found.sources)}, cached as {env.key}"
    )
