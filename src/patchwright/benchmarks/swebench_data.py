"""SWE-bench rows (Lite/Verified JSONL as published): the fields the harness needs, the
FAIL_TO_PASS/PASS_TO_PASS lists (JSON strings in the data), ``--only``, the clone of each
repository (``--repos DIR/owner__name``) and the validation file a batch reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from patchwright.benchmarks.runner import BenchError, read_jsonl

FIELDS = ("repo", "instance_id", "base_commit", "patch", "test_patch")
VALIDATION_FILE = "validation.json"


def _tests(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            raise BenchError(f"{where}: not a JSON list of tests") from None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise BenchError(f"{where}: not a list of tests")
    return list(value)


def normalize(row: dict[str, Any], where: str = "row") -> dict[str, Any]:
    """A row with ``id`` (the instance id), the test lists as lists and string fields."""
    missing = [f for f in FIELDS if not isinstance(row.get(f), str)]
    if not missing and not isinstance(row.get("version"), str | int | float):
        missing = ["version"]
    if missing:
        raise BenchError(f"{where}: no {missing[0]}")
    out = dict(row)
    out["id"] = row["instance_id"]
    out["version"] = str(row["version"])
    out["FAIL_TO_PASS"] = _tests(row.get("FAIL_TO_PASS", "[]"), f"{where} FAIL_TO_PASS")
    out["PASS_TO_PASS"] = _tests(row.get("PASS_TO_PASS", "[]"), f"{where} PASS_TO_PASS")
    out.setdefault("problem_statement", "")
    return out


def load(path: Path, only: Sequence[str] = (), limit: int | None = None,
         repos_filter: Sequence[str] = ()) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of ``path`` (``--only`` ids, ``--repo`` names, then ``--limit``); unknown
    ids or bad rows are a one-line BenchError."""
    rows = [normalize(r, f"{path}:{n}") for n, r in enumerate(read_jsonl(path, "instance_id"), 1)]
    wanted = [i.strip() for o in only for i in o.split(",") if i.strip()]
    if wanted:
        known = {r["id"] for r in rows}
        missing = [i for i in wanted if i not in known]
        if missing:
            raise BenchError(f"unknown instance id: {', '.join(missing)}")
        by_id = {r["id"]: r for r in rows}
        rows = [by_id[i] for i in dict.fromkeys(wanted)]  # in the order given
    names = {n.strip() for o in repos_filter for n in o.split(",") if n.strip()}
    if names:
        rows = [r for r in rows if r["repo"] in names or r["repo"].split("/")[-1] in names]
    if limit is not None:
        rows = rows[:limit]
    if not rows:
        raise BenchError("no SWE-bench instances selected")
    return rows


def clone_dir(repos: Path, repo: str) -> Path:
    """``owner/name`` -> ``repos/owner__name`` (the layout the official harness uses)."""
    return Path(repos) / repo.replace("/", "__")


def missing_clone(repos: Path, repo: str) -> str:
    """Why the clone cannot be used ("" when it can)."""
    clone = clone_dir(repos, repo)
    if not (clone / ".git").exists() and not (clone / "HEAD").is_file():
        return f"no clone of {repo} at {clone} (git clone https://github.com/{repo} {clone})"
    return ""


def read_validation(path: Path | None) -> dict[str, dict[str, Any]]:
    """instance id -> {"ok": bool, "reason": str, ...}; {} when there is no file."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise BenchError(f"--validation is not a validation file: {path}") from None
    if not isinstance(data, dict) or not isinstance(data.get("instances"), dict):
        raise BenchError(f"--validation is not a validation file: {path}")
    return dict(data["instances"])
