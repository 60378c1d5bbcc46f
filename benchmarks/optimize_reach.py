"""Reach of the performance rewrites: on each program of an optimize data file (ENAMEL's
layout: ``slow_source``, ``entry_point``), which registered rewrites apply to some
function at all (no run, no timing: a dry pass over the source). Prints one line per
rewrite and the number of programs any rewrite reaches; a rewrite is worth measuring only
where it applies.

    python benchmarks/optimize_reach.py --data ../shared/benchmarks/enamel_perf.jsonl
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter
from pathlib import Path

from patchwright.propose.optimize.apply import apply_rewrite
from patchwright.propose.optimize.registry import builtin_rewrites


def reach(source: str) -> list[str]:
    """The rewrites that apply to at least one function of ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    return [rw.name for rw in builtin_rewrites()
            if any(apply_rewrite(source, line, rw) is not None for line in lines)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="a JSONL file with slow_source")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"optimize_reach: no such file: {args.data}", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    by_rule: Counter[str] = Counter()
    reached = 0
    for row in rows:
        names = reach(row.get("slow_source", ""))
        by_rule.update(names)
        reached += bool(names)
    for rw in builtin_rewrites():
        print(f"{rw.name:<24} {by_rule[rw.name]:>3} programs")
    print(f"any rewrite: {reached}/{len(rows)} programs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
