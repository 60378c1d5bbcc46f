"""Diff two API dumps (from :mod:`patchwright.propose.migrate.introspect`) into rules.

Nothing here knows any particular library: replacements come from the messages the new or
old version gives (``AttributeError`` texts of removed names, deprecation warnings, the
``deprecated`` paragraph of docstrings), from alias identity in the old version, and from a
unique same-kind name in another module of the new version."""

from __future__ import annotations

import re
from typing import Any

from patchwright.propose.migrate.rules import Rule

Dump = dict[str, Any]

_BT = r"`{1,2}([A-Za-z_][\w.]*?)(?:\(\))?`{1,2}"
"""A whole backticked dotted name (``np.prod``, `prod()`); an expression is no name."""
_BARE = r"((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?![\w(])"
_ANY = f"(?:{_BT}|{_BARE})"
HINT_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"\buse\s+{_BT}",
        rf"\buse\s+{_BARE}\s+instead",
        rf"{_BT}\s+instead\b",
        rf"in\s+favou?r\s+of\s+{_ANY}",
        rf"replaced\s+(?:by|with)\s+{_ANY}",
        rf"renamed\s+to\s+{_ANY}",
        rf"alias(?:ed)?\s+(?:for|of|to)\s+{_ANY}",
        rf"(?:moved\s+to|available\s+(?:as|under|from))\s+{_BT}",
    )
]
_STOP = {"the", "a", "an", "it", "this", "that", "them", "instead", "with", "of", "and", "or"}


def hint_names(message: str) -> list[str]:
    """Candidate replacement names mentioned in ``message``, most explicit first."""
    out: list[str] = []
    for pat in HINT_PATTERNS:
        for m in pat.finditer(message):
            name = next(g for g in m.groups() if g).strip(".")
            if name.lower() not in _STOP and name not in out:
                out.append(name)
    return out


def _messages(entry: dict[str, Any] | None) -> list[str]:
    if not entry:
        return []
    texts = [entry.get("error", ""), *list(entry.get("warnings", []))]
    texts.append(entry.get("doc_deprecation", ""))
    return [t for t in texts if t]


class ApiIndex:
    def __init__(self, dump: Dump) -> None:
        self.modules: dict[str, dict[str, Any]] = {
            name: mod.get("members", {}) for name, mod in dump.get("modules", {}).items()
        }
        self.library: str = dump.get("library", "")

    def entry(self, qualified: str) -> dict[str, Any] | None:
        mod, _, name = qualified.rpartition(".")
        member = self.modules.get(mod, {}).get(name)
        if member is None or member.get("kind") == "missing":
            return None
        return member

    def exists(self, qualified: str) -> bool:
        return qualified in self.modules or self.entry(qualified) is not None

    def resolve(self, hint: str, module: str) -> str | None:
        """A hint like ``np.prod``, ``prod`` or ``numpy.lib.foo`` as a name in this API."""
        parts = hint.split(".")
        tries = [hint, f"{module}.{hint}"]
        if len(parts) > 1:  # an import alias prefix ("np.", "pd.")
            rest = ".".join(parts[1:])
            tries += [f"{module}.{rest}", f"{self.library}.{rest}"]
        for t in tries:
            if self.exists(t):
                return t
        return None

    def unique_elsewhere(self, name: str, kind: str, skip: str) -> str | None:
        found = [
            f"{mod}.{name}"
            for mod, members in self.modules.items()
            if mod != skip and members.get(name, {}).get("kind") == kind
        ]
        return found[0] if len(found) == 1 else None


def _replacement(
    old: ApiIndex, new: ApiIndex, module: str, name: str, messages: list[str]
) -> tuple[str | None, str]:
    for text in messages:
        for hint in hint_names(text):
            target = new.resolve(hint, module)
            if target and target != f"{module}.{name}":
                return target, "renamed"
    entry = old.modules[module][name]
    for alias in entry.get("aliases", []):
        if new.exists(f"{module}.{alias}"):
            return f"{module}.{alias}", "renamed"
    if entry.get("kind") in ("class", "function"):
        moved = new.unique_elsewhere(name, entry["kind"], module)
        if moved:
            return moved, "moved"
    return None, "removed"


def _signature_change(old_e: dict[str, Any], new_e: dict[str, Any]) -> str:
    if not old_e.get("params") or new_e.get("params") is None:
        return ""
    if any(p["kind"] == "VAR_KEYWORD" for p in new_e["params"]):
        return ""
    new_params = {p["name"]: p for p in new_e["params"]}
    notes = []
    for p in old_e["params"]:
        if p["kind"].startswith("VAR_") or p["kind"] == "POSITIONAL_ONLY":
            continue
        q = new_params.get(p["name"])
        if q is None:
            notes.append(f"parameter {p['name']!r} removed")
        elif p["default"] != q["default"] and p["default"] is not None and " at 0x" not in (
            p["default"] + str(q["default"])
        ):
            notes.append(f"default of {p['name']!r} changed from {p['default']} to {q['default']}")
    if not notes:
        return ""
    return f"{'; '.join(notes)}: {old_e['signature']} -> {new_e['signature']}"


def diff_apis(old_dump: Dump, new_dump: Dump) -> list[Rule]:
    """Rules for every public name of the old API that is gone, deprecated or changed."""
    old, new = ApiIndex(old_dump), ApiIndex(new_dump)
    rules: list[Rule] = []
    for module, members in old.modules.items():
        module_gone = module not in new.modules
        if module_gone:
            rules.append(Rule(kind="removed", old=module, message="module not in the new version"))
        for name, entry in members.items():
            if entry.get("kind") == "module":
                continue
            qualified = f"{module}.{name}"
            new_entry = None if module_gone else new.modules[module].get(name)
            if new_entry is None or new_entry.get("kind") == "missing":
                messages = _messages(new_entry) + _messages(entry)
                target, kind = _replacement(old, new, module, name, messages)
                if module_gone and target is None:
                    continue  # the module rule covers it
                rules.append(
                    Rule(kind=kind, old=qualified, new=target, message=(messages or [""])[0][:400])
                )
                continue
            dep = [*new_entry.get("warnings", []), new_entry.get("doc_deprecation", "")]
            dep = [d for d in dep if d]
            if dep:
                target = next(
                    (t for h in hint_names(dep[0]) if (t := new.resolve(h, module))), None
                )
                if target == qualified:
                    target = None
                rules.append(Rule(kind="deprecated", old=qualified, new=target, message=dep[0][:400]))
                continue
            change = _signature_change(entry, new_entry)
            if change:
                rules.append(Rule(kind="signature_changed", old=qualified, message=change[:400]))
    return rules


def probe_names(old_dump: Dump, new_dump: Dump) -> dict[str, list[str]]:
    """Names of old modules that the new version's ``dir()`` lacks: to try with getattr."""
    old, new = ApiIndex(old_dump), ApiIndex(new_dump)
    out: dict[str, list[str]] = {}
    for module, members in old.modules.items():
        if module in new.modules:
            gone = sorted(n for n in members if n not in new.modules[module])
            if gone:
                out[module] = gone
    return out
