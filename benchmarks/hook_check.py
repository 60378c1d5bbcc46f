"""Time ``patchwright hook pre-commit`` (the `patchwright-check` hook) on 10 staged files
of a 100-file repository: the whole command as git or pre-commit starts it (a fresh
interpreter each time), staged mode (read from the index) and file-list mode (what
pre-commit passes). The project's venv records numpy 2.4.6 (a dist-info folder), so the
shipped numpy 1.26 -> 2.4 rules apply; the staged files use removed and renamed names.

    flock /tmp/patchwright-bench.lock python benchmarks/hook_check.py [--repeat 7] [--json FILE]

The first run compiles the rules into the cache ($PATCHWRIGHT_HOME/cache/check, cold);
the median is over the warm runs. Target: median under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULE = '''"""Module {i}."""
import numpy as np


def load_{i}(values):
    data = np.asarray(values, dtype=np.float64)
    return data.sum() / max(len(values), 1)


def scale_{i}(values, factor=2.0):
    out = []
    for v in values:
        out.append(v * factor)
    return out


class Thing{i}:
    def __init__(self, n):
        self.n = n

    def total(self):
        return sum(range(self.n)) + {i}
'''
LEGACY = '''

def legacy_{i}(x):
    y = np.float_(x) + np.NINF
    return np.product([y, 2.0]), np.alltrue([True])
'''


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c",
                    "commit.gpgsign=false", *args], cwd=root, check=True, capture_output=True)  # fmt: skip


def build(root: Path, files: int, staged: int) -> list[str]:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    site = next((root / ".venv" / "lib").glob("python3*/site-packages"))
    (site / "numpy-2.4.6.dist-info").mkdir()
    (site / "numpy-2.4.6.dist-info" / "METADATA").write_text("Name: numpy\nVersion: 2.4.6\n")
    (root / ".gitignore").write_text(".venv/\n")
    for i in range(files):
        path = root / "pkg" / f"sub{i % 10}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MODULE.format(i=i))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    changed = []
    for i in range(0, files, files // staged)[:staged]:
        rel = f"pkg/sub{i % 10}/mod{i}.py"
        with open(root / rel, "a") as fh:
            fh.write(LEGACY.format(i=i))
        changed.append(rel)
    git(root, "add", *changed)
    return changed


def once(root: Path, env: dict[str, str], files: list[str], checks: str = "") -> tuple[float, int, str]:
    t0 = time.perf_counter()
    extra = ["--checks", checks] if checks else []
    proc = subprocess.run([sys.executable, "-m", "patchwright.cli", "hook", "pre-commit", *extra, *files],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    return time.perf_counter() - t0, proc.returncode, proc.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--staged", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pw-hookbench-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        changed = build(root, args.files, args.staged)
        env = dict(os.environ, PATCHWRIGHT_HOME=str(Path(tmp) / "home"))
        cold, rc, out = once(root, env, [])
        findings = len(out.splitlines())
        per_check = {c: out.count(f"[{c}]") for c in ("migrate", "perf")}
        assert rc == 1 and per_check["migrate"] == 4 * args.staged, (rc, out[-500:])
        results = {}
        for mode, files, checks in (("staged (index)", [], ""), ("file list (pre-commit)", changed, ""),
                                    ("file list, migrate only", changed, "migrate")):
            times = []
            for _ in range(args.repeat):
                t, rc, out = once(root, env, files, checks)
                assert rc == 1 and len(out.splitlines()) == (per_check["migrate"] if checks else findings)
                times.append(t)
            results[mode] = times
    print(f"patchwright-check: {args.staged} staged files of a {args.files}-file repo, "
          f"{findings} findings {per_check}; cold (rules compiled) {cold:.2f} s")
    for mode, times in results.items():
        print(f"  {mode:24s} median {statistics.median(times):.2f} s  min {min(times):.2f}  "
              f"max {max(times):.2f}  (n={len(times)})")
    best = min(statistics.median(t) for t in results.values())
    print(f"target < 2 s: {'met' if max(statistics.median(t) for t in results.values()) < 2 else 'NOT met'}"
          f" (best median {best:.2f} s)")
    if args.json:
        args.json.write_text(json.dumps({"cold": cold, "findings": findings,
                                         "runs": results}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
