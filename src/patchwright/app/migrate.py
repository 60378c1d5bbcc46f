"""``patchwright migrate PATH --to LIB==VERSION``: build the target environment, scan the
project's uses of the library against the rules, and repair with the rules proposer inside
the ordinary pipeline (tests run in the target environment, warnings as errors)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.app.paths import resolve_paths
from patchwright.app.session import RunRequest, run
from patchwright.core.config import RunConfig
from patchwright.core.diff import apply_to_files, parse
from patchwright.core.domain import MigrateSpec, Patch, RunResult
from patchwright.core.errors import BaseRunCrashed, MigrateError
from patchwright.envs import EnvBuilder, EnvError, EnvSpec
from patchwright.propose.migrate.codemod import Site, scan
from patchwright.propose.migrate.mine import mine
from patchwright.propose.migrate.rules import RulesFile, find_shipped, load_rules, save_rules
from patchwright.tasks.migrate.direct import direct_migrate

BASE_TOOLS = ("pytest", "pytest-timeout", "pytest-cov")
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass
class MigrateRequest:
    source: Path
    target: str
    """``LIB==VERSION``."""
    run_dir: Path
    config: RunConfig = field(default_factory=RunConfig)
    rules_path: Path | None = None
    warnings: str = "error::DeprecationWarning"
    """pytest ``-W`` filter ("" for none)."""
    env_cache: Path | None = None
    """Environment cache folder (default: ``envs/`` under ``app.paths``)."""


def parse_target(target: str) -> tuple[str, str]:
    lib, sep, version = target.partition("==")
    if not sep or not lib.strip() or not version.strip():
        raise MigrateError(f"--to wants LIB==VERSION, got {target!r}")
    return lib.strip(), version.strip()


def project_requirements(source: Path, library: str) -> list[str]:
    """The project's requirements.txt lines, without the migrated library's own pins."""
    path = source / "requirements.txt"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        m = _REQ_NAME.match(line)
        if not line or line.startswith("-") or not m:
            continue
        if m.group(1).lower().replace("_", "-") != library.lower().replace("_", "-"):
            out.append(line)
    return out


def load_target_rules(request: MigrateRequest, library: str, version: str) -> RulesFile:
    if request.rules_path is not None:
        return load_rules(request.rules_path)
    module = library.replace("-", "_")
    rules = find_shipped(module, version)
    if rules is None:
        raise MigrateError(
            f"no shipped rules for {library}; run: patchwright migrate mine {library} OLD "
            f"{version} --out FILE, then pass --rules FILE"
        )
    return rules


def scan_project(source: Path, rules: RulesFile) -> dict[str, list[Site]]:
    """Uses of rule-covered names in the project's Python files (path -> sites)."""
    table = {r.old: r.new for r in rules.rewrites() if r.new}
    out: dict[str, list[Site]] = {}
    for path in sorted(source.rglob("*.py")):
        rel = path.relative_to(source)
        if any(part.startswith(".") or part in ("venv", "node_modules") for part in rel.parts):
            continue
        sites = scan(path.read_text(encoding="utf-8", errors="replace"), table)
        if sites:
            out[rel.as_posix()] = sites
    return out


def changed_sites(base: dict[str, str], patch: Patch, rules: RulesFile) -> list[str]:
    """``file:line old -> new`` for every call site the patch changes: the rule-covered
    uses it rewrote, then every other changed line (edits no rule describes, such as the
    model's), as ``file:line old -> new`` from the diff itself."""
    table = {r.old: r.new for r in rules.rewrites() if r.new}
    lines = []
    covered: set[tuple[str, int]] = set()
    files = parse(patch.diff)
    after = apply_to_files(base, patch.diff)
    for fh in files:
        before_sites = scan(base.get(fh.path, ""), table)
        still = {(s.old, s.text) for s in scan(after.get(fh.path, ""), table)}
        for s in before_sites:
            if (s.old, s.text) not in still:
                lines.append(f"{fh.path}:{s.line} {s.text} -> {s.replacement}")
                covered.add((fh.path, s.line))
    for fh in files:
        for line, old, new in _replaced_lines(fh.hunks):
            if (fh.path, line) not in covered:
                lines.append(f"{fh.path}:{line} {old.strip()} -> {new.strip() or '(removed)'}")
    return lines


def _replaced_lines(hunks: list[tuple[int, list[str]]]) -> list[tuple[int, str, str]]:
    """(old line number, old text, new text) for each removed line, paired in order with
    the lines added in its place."""
    groups: list[tuple[list[tuple[int, str]], list[str]]] = []
    for start, body in hunks:
        line = start
        for row in body:
            tag, text = row[:1], row[1:]
            if tag == "-":
                if not groups or groups[-1][1]:  # removals after additions: a new run
                    groups.append(([], []))
                groups[-1][0].append((line, text))
                line += 1
            elif tag == "+" and groups:
                groups[-1][1].append(text)  # pure insertions (no removals) are not listed
            else:
                line += 1
                groups.append(([], []))  # a context line ends the run
    return [(n, old, added[k] if k < len(added) else "")
            for removed, added in groups for k, (n, old) in enumerate(removed)]  # fmt: skip


def migrate(
    request: MigrateRequest, log: Callable[[str], None], observer: Callable | None = None
) -> tuple[RunResult, Patch | None, list[str], dict[str, list[Site]]]:
    """Run the migration; returns the repair result, the patch, changed sites and the scan."""

    source = request.source
    if not source.is_dir():
        raise MigrateError(f"not a directory: {source}")
    library, version = parse_target(request.target)
    rules = load_target_rules(request, library, version)
    log(f"rules: {rules.library} {rules.from_} -> {rules.to}, {len(rules.rewrites())} rewrites")
    found = scan_project(source, rules)
    for path, sites in found.items():
        for s in sites:
            log(f"uses {path}:{s.line} {s.text} (-> {s.replacement})")
    reqs = [f"{library}=={version}", *BASE_TOOLS, *project_requirements(source, library)]
    try:
        builder = EnvBuilder(request.env_cache or resolve_paths().envs, log=log)
        python = builder.ensure(EnvSpec(requirements=tuple(reqs))).python
    except EnvError as exc:
        raise MigrateError(str(exc)) from None
    log(f"target environment: {python}")
    config = request.config.model_copy(deep=True)
    config.sandbox.python = str(python)
    config.sandbox.fork_server = False
    if request.warnings:
        config.sandbox.pytest_args = [*config.sandbox.pytest_args, "-W", request.warnings]
    if config.search.proposers == ["mutations"]:  # the default: rules, and the model if any
        from patchwright.model.factory import model_name

        with_model = model_name(config.model).lower() not in ("", "none")
        config.search.proposers = ["migrate_rules", *(["llm_migrate"] if with_model else [])]
    request.run_dir.mkdir(parents=True, exist_ok=True)
    rules_file = request.run_dir / "rules.json"
    save_rules(rules, rules_file)
    spec = MigrateSpec(library=library, version=version, from_version=rules.from_,
                       rules_file=str(rules_file), python=str(python))  # fmt: skip
    try:
        result, patch, _ = run(
            RunRequest(source=source, run_dir=request.run_dir, config=config,
                          task_id=f"migrate-{source.resolve().name}", spec=spec),
            observer=observer,
        )
    except BaseRunCrashed as exc:
        log(f"{exc}; applying every applicable rule and validating the whole suite")
        result, patch = direct_migrate(
            source, request.run_dir, rules, str(python), config.sandbox.pytest_args
        )
    changed: list[str] = []
    if patch is not None:
        base = {
            p: (source / p).read_text(encoding="utf-8") for p in patch.files
            if (source / p).exists()
        }
        changed = changed_sites(base, patch, rules)
    return result, patch, changed, found


def mine_rules(
    library: str,
    old: str,
    new: str,
    *,
    module: str | None,
    old_extra: list[str],
    new_extra: list[str],
    out: Path | None,
    log: Callable[[str], None],
) -> str:
    """``migrate mine``: API-change rules between two installed versions, mined in isolated
    environments; saved to ``out`` when given. Returns the rules file's text."""
    try:
        rules = mine(library, old, new, module=module, old_extra=old_extra,
                     new_extra=new_extra, env_cache=resolve_paths().envs, log=log)  # fmt: skip
    except EnvError as exc:
        raise MigrateError(str(exc)) from None
    if out is not None:
        save_rules(rules, out)
    return rules.dumps()
