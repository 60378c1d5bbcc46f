"""``patchwright migrate PATH --to LIB==VERSION``: build the target environment, then

1. the sweep (:mod:`patchwright.tasks.migrate.sweep`): every applicable rule at every call
   site of the project's source files (tests excluded) as one codemod, with rules mined from
   what the target version says about the names the project uses (a probe of each name
   there, and the errors and warnings the tests raise, warnings as errors), in rounds until
   the suite passes or nothing new is learned;
2. when tests still fail and a model is configured, the ordinary pipeline with the rules
   proposer (whose one candidate is that same whole-project codemod: the search's first
   node) and the model's proposer, which stacks its edits on it.

The report (``migration.json`` in the run directory, and ``changed``/``left`` lines on
standard error) names every call site changed (file:line, old -> new, the rule) and every
use left for the model or the user."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from patchwright.app.components import make_testbed
from patchwright.app.paths import resolve_paths
from patchwright.app.session import RunRequest, run
from patchwright.core.config import RunConfig
from patchwright.core.diff import apply_to_files, parse
from patchwright.core.domain import MigrateSpec, Patch, RunResult
from patchwright.core.errors import BaseRunCrashed, MigrateError, RepairError
from patchwright.core.events import Record
from patchwright.envs import EnvBuilder, EnvError, EnvSpec
from patchwright.propose.migrate.codemod import Site, rewrite, scan
from patchwright.propose.migrate.docs import import_name
from patchwright.propose.migrate.messages import Hint
from patchwright.propose.migrate.migrate_rules import repo_python_files
from patchwright.propose.migrate.mine import mine
from patchwright.propose.migrate.probe import probe_messages
from patchwright.propose.migrate.rules import (
    Rule,
    RulesFile,
    find_shipped,
    load_rules,
    refine_rules,
    save_rules,
)
from patchwright.repo.git import snapshot
from patchwright.store.artifacts import RunDir, write_atomic
from patchwright.tasks.migrate.sweep import Change, Left, SweepResult, sweep

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
    wheels: Path | None = None
    """Install the target environment from this folder only (``--no-index``): offline."""
    mine_messages: bool = True
    """Mine replacements from the removal/deprecation messages the tests raise."""


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


def load_target_rules(
    request: MigrateRequest, library: str, version: str, log: Callable[[str], None]
) -> RulesFile:
    if request.rules_path is not None:
        return load_rules(request.rules_path)
    module = library.replace("-", "_")
    rules = find_shipped(module, version)
    if rules is None:
        log(f"no shipped rules for {library}: rules come from the messages the tests raise "
            f"(or: patchwright migrate mine {library} OLD {version} --out FILE; --rules FILE)")
        return RulesFile.model_validate({"library": module, "from": "", "to": version,
                                         "generated_by": "none"})  # fmt: skip
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
    """``file:line old -> new [why]`` for every call site the patch changes: the
    rule-covered uses it rewrote (with their rule), then every changed line that the rules
    alone do not explain (edits no rule describes, such as the model's, ``[search edit]``)."""
    table = {r.old: r.new for r in rules.rewrites() if r.new}
    lines = []
    files = parse(patch.diff)
    after = apply_to_files(base, patch.diff)
    for fh in files:
        before_sites = scan(base.get(fh.path, ""), table)
        still = {(s.old, s.text) for s in scan(after.get(fh.path, ""), table)}
        for s in before_sites:
            if (s.old, s.text) not in still:
                lines.append(f"{fh.path}:{s.line} {s.text} -> {s.replacement} "
                             f"[{s.old} -> {s.new}]")  # fmt: skip
    for fh in files:
        by_rules = rewrite(base.get(fh.path, ""), table)[0].splitlines()
        for line, old, new in _replaced_lines(fh.hunks):
            if 0 < line <= len(by_rules) and by_rules[line - 1].strip() == new.strip():
                continue  # the rules' own rewrite, listed above
            lines.append(f"{fh.path}:{line} {old.strip()} -> {new.strip() or '(removed)'} "
                         "[search edit]")  # fmt: skip
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


@dataclass
class MigrateOutcome:
    """What ``migrate`` did: the result, the patch, and the report's call sites."""

    result: RunResult
    patch: Patch | None
    changed: list[str]
    """``file:line old -> new [rule]`` for every call site changed."""
    left: list[str]
    """``file:line text: why`` for every use left for the model or the user."""
    found: dict[str, list[Site]]
    sweep: SweepResult | None = None


def migrate(
    request: MigrateRequest, log: Callable[[str], None], observer: Record | None = None
) -> MigrateOutcome:
    """Run the migration: the whole-project sweep first (every applicable rule, rules mined
    from the messages the tests raise), then, when something is left and a model can help,
    the search, whose first node is the same whole-project codemod."""
    source = request.source
    if not source.is_dir():
        raise MigrateError(f"not a directory: {source}")
    start = time.monotonic()
    library, version = parse_target(request.target)
    rules = refine_rules(load_target_rules(request, library, version, log))
    log(f"rules: {rules.library} {rules.from_} -> {rules.to}, {len(rules.rewrites())} rewrites")
    found = scan_project(source, rules)
    for path, sites in found.items():
        for s in sites:
            log(f"uses {path}:{s.line} {s.text} (-> {s.replacement})")
    python = _target_python(request, library, version, log)
    config = request.config.model_copy(deep=True)
    config.sandbox.python = str(python)
    config.sandbox.fork_server = False
    if request.warnings:
        config.sandbox.pytest_args = [*config.sandbox.pytest_args, "-W", request.warnings]
    request.run_dir.mkdir(parents=True, exist_ok=True)
    done = _sweep(request, rules, config, log)
    merged = merge_mined(rules, done.mined)
    rules_file = request.run_dir / "rules.json"
    save_rules(merged, rules_file)
    task_id = f"migrate-{source.resolve().name}"
    with_model = False
    if config.search.proposers == ["mutations"]:  # the default: rules, and the model if any
        from patchwright.model.factory import model_name

        with_model = model_name(config.model).lower() not in ("", "none")
        config.search.proposers = ["migrate_rules", *(["llm_migrate"] if with_model else [])]
    else:
        with_model = True  # proposers chosen by the user: let the search run
    if done.passed or not with_model:
        result, patch = _sweep_result(request.run_dir, task_id, done, start)
        outcome = MigrateOutcome(result, patch, [_change(c) for c in done.changes],
                                 [_left(x) for x in done.left], found, done)  # fmt: skip
        write_report(request.run_dir, outcome)
        return outcome
    config.proposers.setdefault("migrate_rules", {}).setdefault("singles", False)
    spec = MigrateSpec(library=library, version=version, from_version=rules.from_,
                       rules_file=str(rules_file), python=str(python))  # fmt: skip
    log(f"{len(done.failing())} tests still fail after the sweep; searching")
    try:
        result, patch, _ = run(
            RunRequest(source=source, run_dir=request.run_dir, config=config,
                       task_id=task_id, spec=spec),
            observer=observer,
        )  # fmt: skip
    except BaseRunCrashed as exc:
        log(f"{exc}; keeping the sweep's outcome")
        result, patch = _sweep_result(request.run_dir, task_id, done, start)
    else:
        result = result.model_copy(update={"evaluations": result.evaluations + done.evaluations})
    changed: list[str] = []
    left = [_left(x) for x in done.left]
    if patch is not None:
        base = {
            p: (source / p).read_text(encoding="utf-8") for p in patch.files
            if (source / p).exists()
        }
        changed = changed_sites(base, patch, merged)
        left = []
    else:
        changed = [_change(c) for c in done.changes]
    outcome = MigrateOutcome(result, patch, changed, left, found, done)
    write_report(request.run_dir, outcome)
    return outcome


def _target_python(
    request: MigrateRequest, library: str, version: str, log: Callable[[str], None]
) -> Path:
    reqs = [f"{library}=={version}", *BASE_TOOLS, *project_requirements(request.source, library)]
    pip_args = _offline(request.wheels)
    try:
        builder = EnvBuilder(request.env_cache or resolve_paths().envs, log=log)
        python = builder.ensure(EnvSpec(requirements=tuple(reqs), pip_args=pip_args)).python
    except EnvError as exc:
        raise MigrateError(str(exc)) from None
    log(f"target environment: {python}")
    return python


def _offline(wheels: Path | None) -> tuple[str, ...]:
    """pip options to install from the folder ``wheels`` only (none: the index)."""
    if wheels is None:
        return ()
    return ("--no-index", "--find-links", str(Path(wheels).resolve()))


def _sweep(
    request: MigrateRequest, rules: RulesFile, config: RunConfig, log: Callable[[str], None]
) -> SweepResult:
    """The sweep in a snapshot of the project, in the run's own sandbox and runner."""
    python = config.sandbox.python
    workspace = request.run_dir / "sweep-workspace"
    snap = snapshot(request.source, workspace)
    try:
        bed = make_testbed(config, workspace, hide=(request.source,))
    except RepairError as exc:
        raise MigrateError(str(exc)) from None
    try:
        module = import_name(python, rules.library) if request.mine_messages else rules.library
        return sweep(bed, repo_python_files(str(workspace), snap.base_commit), rules,
                     module or rules.library, mine=request.mine_messages,
                     probe=lambda names: probe_messages(python, names), log=log)  # fmt: skip
    finally:
        bed.close()


def merge_mined(rules: RulesFile, mined: list[Hint]) -> RulesFile:
    """The rules file with the replacements the sweep mined from the tests' messages."""
    have = {r.old: i for i, r in enumerate(rules.rules)}
    out = list(rules.rules)
    for h in mined:
        rule = Rule(kind="renamed" if h.is_name else "replaced", old=h.old, new=h.new,
                    message=f"from the tests' messages: {h.message}"[:400])  # fmt: skip
        if h.old in have:
            out[have[h.old]] = rule
        else:
            out.append(rule)
    return rules.model_copy(update={"rules": out})


def _sweep_result(
    run_dir: Path, task_id: str, done: SweepResult, start: float
) -> tuple[RunResult, Patch | None]:
    patch = done.patch if done.passed and not done.patch.empty else None
    failing = done.failing()
    if patch is not None:
        message = f"the whole-project codemod ({len(done.changes)} call sites) passes every test"
    elif done.passed:
        message = "every test already passes in the target environment"
    else:
        message = (f"{len(failing)} tests still fail after the whole-project codemod "
                   f"({len(done.changes)} call sites, {len(done.left)} uses left)")  # fmt: skip
    result = RunResult(
        task_id=task_id, status="plausible" if patch else "not_found", message=message,
        evaluations=done.evaluations, evaluations_to_plausible=done.evaluations if patch else None,
        seconds=time.monotonic() - start, patch_hash=patch.hash if patch else "",
        validated=True if patch else None, failing_tests=failing,
        edits=1 if patch else 0,
    )  # fmt: skip
    run = RunDir(run_dir)
    if patch is not None:
        write_atomic(run.path / "patch.diff", patch.diff)
    write_atomic(run.path / "result.json", result.model_dump_json(indent=1))
    return result, patch


def _change(c: Change) -> str:
    return f"{c.path}:{c.line} {c.old} -> {c.new} [{c.rule}]"


def _left(x: Left) -> str:
    return f"{x.path}:{x.line} {x.text}: {x.reason}"


REPORT_FILE = "migration.json"
REPORT_VERSION = 1


def write_report(run_dir: Path, outcome: MigrateOutcome) -> None:
    """``migration.json``: the call sites changed and left, the mined rules and the rounds."""
    done = outcome.sweep
    data: dict[str, object] = {
        "version": REPORT_VERSION,
        "status": outcome.result.status,
        "message": outcome.result.message,
        "evaluations": outcome.result.evaluations,
        "seconds": round(outcome.result.seconds, 2),
        "changed": outcome.changed,
        "left": outcome.left,
    }
    if done is not None:
        data["sweep"] = {
            "evaluations": done.evaluations,
            "test_runs": done.test_runs,
            "seconds": round(done.seconds, 2),
            "passed": done.passed,
            "changes": [asdict(c) for c in done.changes],
            "left": [asdict(x) for x in done.left],
            "mined": [asdict(h) for h in done.mined],
            "rejected": [asdict(h) for h in done.rejected],
            "unresolved": [asdict(u) for u in done.unresolved],
            "rounds": [asdict(r) for r in done.rounds],
            "failing": done.failing(),
        }
    write_atomic(run_dir / REPORT_FILE, json.dumps(data, indent=1) + "\n")


def mine_rules(
    library: str,
    old: str,
    new: str,
    *,
    module: str | None,
    old_extra: list[str],
    new_extra: list[str],
    out: Path | None,
    wheels: Path | None = None,
    log: Callable[[str], None],
) -> str:
    """``migrate mine``: API-change rules between two installed versions, mined in isolated
    environments; saved to ``out`` when given. Returns the rules file's text."""
    try:
        rules = mine(library, old, new, module=module, old_extra=old_extra,
                     new_extra=new_extra, pip_args=_offline(wheels),
                     env_cache=resolve_paths().envs, log=log)  # fmt: skip
    except EnvError as exc:
        raise MigrateError(str(exc)) from None
    if out is not None:
        save_rules(rules, out)
    return rules.dumps()
