"""The versioned rules file: API changes between two versions of one library."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from patchwright.core.errors import PatchwrightError

RULES_VERSION = 1
RuleKind = Literal["removed", "renamed", "moved", "deprecated", "signature_changed", "replaced"]
"""``replaced``: the old name becomes an expression (``numpy.NINF`` -> ``-numpy.inf``)."""


class RulesError(PatchwrightError, ValueError):
    """A rules file that cannot be read; the message is one line for the user."""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RuleKind
    old: str
    """Fully qualified old name, e.g. ``numpy.float_``."""
    new: str | None = None
    """Fully qualified replacement, a dotted name or (kind ``replaced``) an expression of
    qualified names and constants (None: unknown)."""
    message: str = ""

    @property
    def rewritable(self) -> bool:
        return self.new is not None and self.kind in ("renamed", "moved", "deprecated", "replaced")


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = RULES_VERSION
    library: str
    from_: str = Field(alias="from")
    to: str
    generated_by: str = ""
    rules: list[Rule] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def dumps(self) -> str:
        return json.dumps(self.model_dump(by_alias=True), indent=1, sort_keys=False) + "\n"

    def rewrites(self) -> list[Rule]:
        return [r for r in self.rules if r.rewritable]


def load_rules(path: str | Path) -> RulesFile:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"cannot read rules file {path}: {exc}") from None
    return parse_rules(data, str(path))


def parse_rules(data: object, where: str = "rules") -> RulesFile:
    if not isinstance(data, dict) or data.get("version") != RULES_VERSION:
        raise RulesError(f"{where}: unsupported rules file version (want {RULES_VERSION})")
    try:
        return RulesFile.model_validate(data)
    except ValueError as exc:
        raise RulesError(f"{where}: invalid rules file: {str(exc).splitlines()[0]}") from None


def save_rules(rules: RulesFile, path: str | Path) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(rules.dumps(), encoding="utf-8")
    tmp.replace(out)


def shipped_rules() -> list[str]:
    """Names of the rules files shipped with Patchwright (``numpy-1.26.4-2.4.6.json``...)."""
    folder = resources.files("patchwright") / "data" / "rules"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))


def find_shipped(library: str, target: str | None = None) -> RulesFile | None:
    """The shipped rules for ``library`` whose target version matches best (same major)."""
    folder = resources.files("patchwright") / "data" / "rules"
    best: RulesFile | None = None
    for name in shipped_rules():
        rules = parse_rules(json.loads((folder / name).read_text("utf-8")), name)
        if rules.library != library:
            continue
        if target and rules.to == target:
            return rules
        if best is None or (target and rules.to.split(".")[0] == target.split(".")[0]):
            best = rules
    return best


def refine_rules(rules: RulesFile) -> RulesFile:
    """``rules`` with a replacement for every rule that has none but whose own message
    states one (``np.NINF ... Use `-np.inf` instead`` -> kind ``replaced``)."""
    from patchwright.propose.migrate.messages import mine_messages

    out = []
    module = rules.library
    for r in rules.rules:
        if r.new is None and r.message and r.kind in ("removed", "deprecated"):
            hints, _ = mine_messages([r.message], module)
            hint = next((h for h in hints if h.old == r.old), None)
            if hint is not None:
                kind = "renamed" if hint.is_name and r.kind == "removed" else r.kind
                if not hint.is_name:
                    kind = "replaced"
                r = r.model_copy(update={"new": hint.new, "kind": kind})
        out.append(r)
    return rules.model_copy(update={"rules": out})
